import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRng, naturalLog } from '../../sim/core/rng.ts';

const draws = (rng: ReturnType<typeof createRng>, n: number): number[] => Array.from({ length: n }, () => rng.float());

describe('Rng', () => {
  it('gives the same draws for the same seed', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.string()), (seed) => {
        expect(draws(createRng(seed), 20)).toEqual(draws(createRng(seed), 20));
      }),
      { seed: 2, numRuns: 200 },
    );
  });

  it('gives different draws for different seeds', () => {
    expect(draws(createRng(1), 5)).not.toEqual(draws(createRng(2), 5));
  });

  it('draws in one fork do not change another fork\'s sequence', () => {
    fc.assert(
      fc.property(fc.integer(), fc.nat(50), fc.string({ minLength: 1 }), (seed, extraDraws, label) => {
        const quiet = createRng(seed);
        const expected = draws(quiet.fork(`${label}-b`), 10);
        const busy = createRng(seed);
        const a = busy.fork(`${label}-a`);
        draws(a, extraDraws);
        draws(busy, extraDraws);
        expect(draws(busy.fork(`${label}-b`), 10)).toEqual(expected);
      }),
      { seed: 3, numRuns: 200 },
    );
  });

  it('int, intBetween, pick and chance stay within their ranges', () => {
    const rng = createRng('ranges');
    for (let i = 0; i < 10_000; i++) {
      const n = rng.int(7);
      expect(n).toBeGreaterThanOrEqual(0);
      expect(n).toBeLessThan(7);
      const m = rng.intBetween(-3, 3);
      expect(m).toBeGreaterThanOrEqual(-3);
      expect(m).toBeLessThanOrEqual(3);
    }
    expect(['x', 'y']).toContain(rng.pick(['x', 'y']));
    expect(createRng(1).chance(0)).toBe(false);
    expect(createRng(1).chance(1)).toBe(true);
    expect(() => rng.int(0)).toThrow(/positive integer/);
    expect(() => rng.pick([])).toThrow(/non-empty/);
  });

  it('exponential has the requested mean', () => {
    const rng = createRng('exp');
    let sum = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) sum += rng.exponential(250);
    expect(sum / n).toBeGreaterThan(245);
    expect(sum / n).toBeLessThan(255);
  });

  it('naturalLog agrees with Math.log to within one part in 10^15', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-300, max: 1e300, noNaN: true }), (x) => {
        const ours = naturalLog(x);
        const reference = Math.log(x);
        expect(Math.abs(ours - reference)).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(reference)) * 4);
      }),
      { seed: 4, numRuns: 2000 },
    );
  });
});
