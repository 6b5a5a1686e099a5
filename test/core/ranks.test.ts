import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { nearestRank, valuesAtRanks } from '../../sim/core/ranks.ts';

describe('percentiles by selection', () => {
  it('finds exactly the values a sort puts at the wanted ranks, ties and repeats included', () => {
    const values = fc.array(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 1_000_000 })), { minLength: 1, maxLength: 400 });
    fc.assert(
      fc.property(values, fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 5 }), (raw, perMille) => {
        const sorted = Float64Array.from(raw).sort();
        const ranks = perMille.map((m) => nearestRank(m / 10, raw.length));
        expect(valuesAtRanks(Float64Array.from(raw), ranks)).toEqual(ranks.map((rank) => sorted[rank - 1]));
      }),
      { numRuns: 500 },
    );
  });

  it('takes the nearest rank: ceil(p/100 · n), at least the first, at most the last', () => {
    expect([nearestRank(50, 10), nearestRank(99, 10), nearestRank(0, 10), nearestRank(100, 10), nearestRank(99.9, 2000)]).toEqual([5, 10, 1, 10, 1998]);
  });

  it('handles a sorted, a reversed and a constant million values', () => {
    const n = 1_000_000;
    for (const make of [(i: number) => i, (i: number) => n - i, () => 7]) {
      const values = Float64Array.from({ length: n }, (_, i) => make(i));
      const sorted = Float64Array.from(values).sort();
      const ranks = [nearestRank(50, n), nearestRank(99, n), n];
      expect(valuesAtRanks(values, ranks)).toEqual(ranks.map((rank) => sorted[rank - 1]));
    }
  });
});
