import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseBandwidth, parseRate, parseSize, UnitError } from '../../sim/scenario/units.ts';

describe('parseSize', () => {
  it('reads SI and IEC units: KB is 1000 bytes, KiB is 1024', () => {
    expect(parseSize('100KB')).toBe(100_000);
    expect(parseSize('64KiB')).toBe(65_536);
    expect(parseSize('1MiB')).toBe(1_048_576);
    expect(parseSize('1MB')).toBe(1_000_000);
    expect(parseSize('2GiB')).toBe(2_147_483_648);
    expect(parseSize('1.5KiB')).toBe(1_536);
    expect(parseSize('512B')).toBe(512);
    expect(parseSize('512')).toBe(512);
    expect(parseSize(16384)).toBe(16384);
  });

  it('refuses bits, negative sizes, fractions of a byte and garbage, saying what it wants', () => {
    expect(() => parseSize('10Mb')).toThrow(/write B rather than b/);
    expect(() => parseSize(-1)).toThrow(UnitError);
    expect(() => parseSize('0.1KiB')).toThrow(/whole number of bytes/);
    expect(() => parseSize('lots')).toThrow(/not a size/);
    expect(() => parseSize(1.5)).toThrow(/whole number/);
  });

  it('returns whole bytes or throws UnitError, for any text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.double()), (input) => {
        try {
          const bytes = parseSize(input);
          expect(Number.isInteger(bytes) && bytes >= 0).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(UnitError);
        }
      }),
      { seed: 11, numRuns: 500 },
    );
  });
});

describe('parseRate', () => {
  it('reads records per time unit, bare numbers per second, and max', () => {
    expect(parseRate('5000/s')).toEqual({ kind: 'fixed', recordsPerSecond: 5000 });
    expect(parseRate('2/ms')).toEqual({ kind: 'fixed', recordsPerSecond: 2000 });
    expect(parseRate('120/m')).toEqual({ kind: 'fixed', recordsPerSecond: 2 });
    expect(parseRate(250)).toEqual({ kind: 'fixed', recordsPerSecond: 250 });
    expect(parseRate('max')).toEqual({ kind: 'max' });
  });

  it('refuses zero, unknown units and rates above the limit', () => {
    expect(() => parseRate('0/s')).toThrow(/greater than zero/);
    expect(() => parseRate('5/fortnight')).toThrow(/not a rate/);
    expect(() => parseRate(1e12)).toThrow(/use max instead/);
  });
});

describe('parseBandwidth', () => {
  it('reads bits and bytes per second into bytes per second', () => {
    expect(parseBandwidth('10Mbps')).toBe(1_250_000);
    expect(parseBandwidth('1Gbps')).toBe(125_000_000);
    expect(parseBandwidth('100MB/s')).toBe(100_000_000);
    expect(parseBandwidth('64KiB/s')).toBe(65_536);
  });

  it('refuses a bare number, because bits and bytes would be a guess', () => {
    expect(() => parseBandwidth(1000)).toThrow(/not a bandwidth/);
    expect(() => parseBandwidth('0Mbps')).toThrow(/greater than zero/);
  });
});
