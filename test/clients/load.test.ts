import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createRng } from '../../sim/core/rng.ts';
import { exactExp, exactPow, KeyChooser, keyName, PoissonArrivals, zipfCdf } from '../../sim/clients/load.ts';
import { FC_SEED } from './producer-world.ts';

describe('deterministic powers for the zipf weights', () => {
  it('exactExp agrees with Math.exp to the last few bits', () => {
    fc.assert(
      fc.property(fc.double({ min: -50, max: 50, noNaN: true }), (x) => {
        expect(Math.abs(exactExp(x) - Math.exp(x))).toBeLessThanOrEqual(Math.exp(x) * 1e-13);
      }),
      { seed: FC_SEED },
    );
  });

  it('exactPow agrees with Math.pow for the bases and skews a key distribution uses', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.double({ min: 0, max: 4, noNaN: true }), (base, exponent) => {
        expect(Math.abs(exactPow(base, exponent) - Math.pow(base, exponent))).toBeLessThanOrEqual(Math.pow(base, exponent) * 1e-12);
      }),
      { seed: FC_SEED },
    );
    expect(exactPow(7, 3)).toBe(343);
  });
});

describe('keys', () => {
  it('names keys key-<index>', () => {
    expect(keyName(0)).toBe('key-0');
    expect(KeyChooser.keyBytes(12)).toBe(6);
    expect(KeyChooser.keyBytes(-1)).toBe(-1);
  });

  it('builds a zipf CDF that rises to 1 with weights 1/(i+1)^skew', () => {
    const cdf = zipfCdf(1000, 1.2);
    expect(cdf[999]).toBeCloseTo(1, 12);
    for (let i = 1; i < 1000; i++) expect(cdf[i] as number).toBeGreaterThan(cdf[i - 1] as number);
    const first = cdf[0] as number;
    const second = (cdf[1] as number) - first;
    expect(first / second).toBeCloseTo(Math.pow(2, 1.2), 10);
  });

  it('draws zipf keys with the skew of their weights, and uniform keys evenly', () => {
    const draws = 200_000;
    const zipf = new KeyChooser({ count: 100, distribution: 'zipf', skew: 1 }, createRng(3));
    const uniform = new KeyChooser({ count: 100, distribution: 'uniform' }, createRng(3));
    const zipfCounts = new Array<number>(100).fill(0);
    const uniformCounts = new Array<number>(100).fill(0);
    for (let i = 0; i < draws; i++) {
      const zipfKey = zipf.next();
      const uniformKey = uniform.next();
      zipfCounts[zipfKey] = (zipfCounts[zipfKey] as number) + 1;
      uniformCounts[uniformKey] = (uniformCounts[uniformKey] as number) + 1;
    }
    const cdf = zipfCdf(100, 1);
    expect((zipfCounts[0] as number) / draws).toBeCloseTo(cdf[0] as number, 2);
    expect((zipfCounts[9] as number) / draws).toBeCloseTo((cdf[9] as number) - (cdf[8] as number), 2);
    expect(zipfCounts[0] as number).toBeGreaterThan(5 * (zipfCounts[9] as number));
    for (const count of uniformCounts) expect(Math.abs(count - draws / 100)).toBeLessThan(draws / 100 / 5);
  });

  it('draws -1 (no key) for unkeyed records, and the same keys from the same seed', () => {
    const unkeyed = new KeyChooser(null, createRng(1));
    expect(unkeyed.keyed).toBe(false);
    expect(unkeyed.next()).toBe(-1);
    const a = new KeyChooser({ count: 50, distribution: 'zipf', skew: 0.8 }, createRng(9));
    const b = new KeyChooser({ count: 50, distribution: 'zipf', skew: 0.8 }, createRng(9));
    expect(Array.from({ length: 100 }, () => a.next())).toEqual(Array.from({ length: 100 }, () => b.next()));
  });
});

describe('open-loop arrivals', () => {
  it('arrive as a Poisson process of the given rate', () => {
    const arrivals = new PoissonArrivals(5000, createRng(7), 0);
    let total = 0;
    let busySlots = 0;
    for (let ms = 1; ms <= 10_000; ms++) {
      const due = arrivals.takeDue(ms * 1000, 1_000_000);
      total += due;
      if (due > 0) busySlots++;
    }
    expect(total / 10).toBeGreaterThan(4900);
    expect(total / 10).toBeLessThan(5100);
    // With 5 arrivals per ms on average, a ms without any arrival has probability e^-5.
    expect(10_000 - busySlots).toBeGreaterThan(30);
    expect(10_000 - busySlots).toBeLessThan(110);
  });

  it('hands out at most `limit` arrivals at once and keeps the rest due', () => {
    const arrivals = new PoissonArrivals(1_000_000, createRng(1), 0);
    expect(arrivals.takeDue(1000, 10)).toBe(10);
    expect(arrivals.nextDueUs).toBeLessThanOrEqual(1000);
    expect(arrivals.takeDue(1000, 1_000_000)).toBeGreaterThan(900);
  });
});
