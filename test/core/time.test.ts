import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DurationError, formatDuration, parseDuration, MAX_DURATION_US } from '../../sim/core/time.ts';

describe('durations', () => {
  it('parses units and bare numbers as milliseconds', () => {
    expect(parseDuration('250ms')).toBe(250_000);
    expect(parseDuration('30s')).toBe(30_000_000);
    expect(parseDuration('2m')).toBe(120_000_000);
    expect(parseDuration('1h')).toBe(3_600_000_000);
    expect(parseDuration('1m30s')).toBe(90_000_000);
    expect(parseDuration('40us')).toBe(40);
    expect(parseDuration('1.5s')).toBe(1_500_000);
    expect(parseDuration(18000)).toBe(18_000_000);
    expect(parseDuration('500')).toBe(500_000);
  });

  it('round-trips every duration through formatDuration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_DURATION_US }), (us) => {
        expect(parseDuration(formatDuration(us))).toBe(us);
      }),
      { seed: 5, numRuns: 2000 },
    );
  });

  it('rejects garbage with a message that shows the expected form', () => {
    for (const bad of ['', 'soon', '10 parsecs', '-5s', '5 s s', 's5', '1.0000001ms', 'NaN', '1e3ms']) {
      expect(() => parseDuration(bad), bad).toThrow(DurationError);
    }
    expect(() => parseDuration('soon')).toThrow(/"250ms", "30s"/);
    expect(() => parseDuration(-1)).toThrow(/zero or positive/);
  });

  it('never throws anything but a DurationError on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          const us = parseDuration(text);
          expect(Number.isInteger(us) && us >= 0).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(DurationError);
        }
      }),
      { seed: 6, numRuns: 2000 },
    );
  });
});
