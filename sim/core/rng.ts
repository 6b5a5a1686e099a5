// Seeded random streams. Every subsystem and actor draws from its own stream, forked from the run
// seed by a stable label ("broker-3/net"), so adding draws in one place never shifts another
// stream: the property FoundationDB's simulator relies on to keep runs comparable.
//
// The generator is seedrandom's xor128 (Marsaglia's xorshift128): measured here it is an order of
// magnitude faster than seedrandom's default ARC4 and its 2^128−1 period is ample for simulation.
// A fork's seed is derived from its parent's seed and the label alone, never from draws already
// made, so forks are independent of call order.
//
// Draws that decide simulated state must be bit-identical across JavaScript engines, so nothing
// here calls Math.log/exp/pow (whose last bits may differ between engines): `exponential` uses
// our own natural logarithm built from +, −, ×, ÷ only.

import xor128 from 'seedrandom/lib/xor128.js';

export interface Rng {
  /** The label path this stream was forked along, for diagnostics. */
  readonly label: string;
  /** An integer in [0, n). */
  int(n: number): number;
  /** An integer in [lo, hi], both inclusive. */
  intBetween(lo: number, hi: number): number;
  /** A float in [0, 1). */
  float(): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(xs: readonly T[]): T;
  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T>(xs: T[]): T[];
  /** An exponentially distributed float with the given mean. */
  exponential(mean: number): number;
  /** An independent stream derived from this one's seed and `label`. */
  fork(label: string): Rng;
}

type Generator = () => number;

class XorRng implements Rng {
  private readonly next: Generator;

  constructor(
    private readonly seedText: string,
    readonly label: string,
  ) {
    this.next = xor128(seedText) as Generator;
  }

  float(): number {
    return this.next();
  }

  int(n: number): number {
    if (!(n >= 1) || !Number.isInteger(n)) throw new RangeError(`Rng.int needs a positive integer bound, got ${n}`);
    return Math.floor(this.next() * n);
  }

  intBetween(lo: number, hi: number): number {
    if (hi < lo) throw new RangeError(`Rng.intBetween needs lo <= hi, got ${lo} > ${hi}`);
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new RangeError('Rng.pick needs a non-empty array');
    return xs[this.int(xs.length)] as T;
  }

  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = xs[i] as T;
      xs[i] = xs[j] as T;
      xs[j] = tmp;
    }
    return xs;
  }

  exponential(mean: number): number {
    // 1 − u lies in (0, 1], so the logarithm is finite.
    return -mean * naturalLog(1 - this.next());
  }

  fork(label: string): Rng {
    return new XorRng(`${this.seedText}/${label}`, this.label ? `${this.label}/${label}` : label);
  }
}

export function createRng(seed: number | string): Rng {
  return new XorRng(`kafka-sim:${seed}`, '');
}

const LN2 = 0.6931471805599453;

/**
 * ln(x) for x > 0 with only IEEE-exact operations: scale x into [1, 2) by powers of two (exact),
 * then ln(m) = 2·atanh(z) with z = (m − 1)/(m + 1) ≤ 1/3, summed until the terms vanish.
 * Every engine computes the same bits because every step is a correctly rounded + − × ÷.
 */
export function naturalLog(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) throw new RangeError(`naturalLog needs a finite positive number, got ${x}`);
  let exponent = 0;
  let m = x;
  while (m >= 2) {
    m /= 2;
    exponent++;
  }
  while (m < 1) {
    m *= 2;
    exponent--;
  }
  const z = (m - 1) / (m + 1);
  const z2 = z * z;
  let term = z;
  let sum = 0;
  for (let k = 1; k < 80; k += 2) {
    const next = sum + term / k;
    if (next === sum) break;
    sum = next;
    term *= z2;
  }
  return 2 * sum + exponent * LN2;
}
