// The offered load of a producer (DESIGN §7, §11): what an application calls send() with, and when.
//
// - `rate: N/s` is an open loop: records arrive as a Poisson process (seeded exponential gaps),
//   whether or not the producer keeps up, like a service answering its own users. Arrivals the
//   application thread cannot take yet wait in a bounded backlog.
// - `rate: max` is a closed loop: the application thread calls send() back to back, as
//   kafka-producer-perf-test with --throughput -1 does, so it is bounded by the producer's CPU and
//   by buffer.memory (send() blocks when the buffer is full).
// - Keys: none (unkeyed records use the sticky partitioner), or `count` keys drawn uniformly or
//   with a Zipf-like skew: key i has weight 1/(i+1)^skew. The skew's powers are computed with
//   + − × ÷ only (integer powers by repeated multiplication, the fractional part through our own
//   exp and log), so every JavaScript engine draws the same keys. Keys are "key-<i>", and the
//   history stores the index i.
// - Values are `messageBytes` long; records are sent between startUs and stopUs.

import { assert } from '../core/assert.ts';
import { naturalLog, type Rng } from '../core/rng.ts';
import { US_PER_SECOND } from '../core/time.ts';

export type LoadRate = { readonly kind: 'fixed'; readonly recordsPerSecond: number } | { readonly kind: 'max' };

export type KeyDistribution =
  | { readonly count: number; readonly distribution: 'uniform' }
  | { readonly count: number; readonly distribution: 'zipf'; readonly skew: number };

/** A producer's workload; structurally the load fields of the scenario's ProducerSpec. */
export interface LoadSpec {
  readonly topic: string;
  readonly rate: LoadRate;
  readonly messageBytes: number;
  /** null: unkeyed records. */
  readonly keys: KeyDistribution | null;
  /** A fixed partition for every record, bypassing the partitioner. */
  readonly partition: number | null;
  readonly startUs: number;
  readonly stopUs: number;
}

/** Keys one producer may draw from (a CDF of this many doubles is precomputed for zipf). */
export const MAX_KEYS = 10_000_000;

const LN2 = 0.6931471805599453;

/** The key string of key index `index`. */
export function keyName(index: number): string {
  return `key-${index}`;
}

/** e^x with + − × ÷ only: x = k·ln2 + r with |r| ≤ ln2/2, a Taylor series for e^r, then 2^k. */
export function exactExp(x: number): number {
  assert(Number.isFinite(x) && Math.abs(x) < 700, () => `exactExp: ${x} is out of range`);
  const k = Math.round(x / LN2);
  const r = x - k * LN2;
  let term = 1;
  let sum = 1;
  for (let n = 1; n < 40; n++) {
    term = (term * r) / n;
    const next = sum + term;
    if (next === sum) break;
    sum = next;
  }
  for (let i = 0; i < k; i++) sum *= 2;
  for (let i = 0; i > k; i--) sum /= 2;
  return sum;
}

/** base^exponent for base ≥ 1 and exponent ≥ 0, deterministic across engines. */
export function exactPow(base: number, exponent: number): number {
  assert(base >= 1 && exponent >= 0, () => `exactPow: needs base >= 1 and exponent >= 0, got ${base}^${exponent}`);
  const whole = Math.floor(exponent);
  let result = 1;
  for (let i = 0; i < whole; i++) result *= base;
  const fraction = exponent - whole;
  return fraction === 0 ? result : result * exactExp(fraction * naturalLog(base));
}

/** The cumulative distribution of a Zipf-like law over `count` keys, normalised to end at 1. */
export function zipfCdf(count: number, skew: number): Float64Array {
  const cdf = new Float64Array(count);
  let total = 0;
  for (let i = 0; i < count; i++) {
    total += 1 / exactPow(i + 1, skew);
    cdf[i] = total;
  }
  for (let i = 0; i < count; i++) cdf[i] = (cdf[i] as number) / total;
  return cdf;
}

/** Draws key indexes (−1 for unkeyed records) from a distribution. */
export class KeyChooser {
  private readonly cdf: Float64Array | null;
  private readonly count: number;

  constructor(
    keys: KeyDistribution | null,
    private readonly rng: Rng,
  ) {
    this.count = keys?.count ?? 0;
    assert(keys === null || (Number.isInteger(this.count) && this.count >= 1 && this.count <= MAX_KEYS), () => `KeyChooser: key count ${this.count} outside 1..${MAX_KEYS}`);
    this.cdf = keys !== null && keys.distribution === 'zipf' ? zipfCdf(this.count, keys.skew) : null;
  }

  get keyed(): boolean {
    return this.count > 0;
  }

  next(): number {
    if (this.count === 0) return -1;
    if (this.cdf === null) return this.rng.int(this.count);
    const u = this.rng.float();
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.cdf[mid] as number) > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** UTF-8 bytes of a key (names are ASCII); −1 for no key. */
  static keyBytes(index: number): number {
    return index < 0 ? -1 : keyName(index).length;
  }
}

/** Arrivals of an open loop: a Poisson process of `recordsPerSecond`, from `startUs`. */
export class PoissonArrivals {
  private readonly meanGapUs: number;
  /** Exact (fractional) time of the next arrival. */
  private nextArrivalUs: number;

  constructor(
    recordsPerSecond: number,
    private readonly rng: Rng,
    startUs: number,
  ) {
    assert(recordsPerSecond > 0, () => `PoissonArrivals: rate ${recordsPerSecond} must be positive`);
    this.meanGapUs = US_PER_SECOND / recordsPerSecond;
    this.nextArrivalUs = startUs + rng.exponential(this.meanGapUs);
  }

  /** The integer µs at which the next arrival is due. */
  get nextDueUs(): number {
    return Math.ceil(this.nextArrivalUs);
  }

  /** Consumes the next arrival; returns its exact (fractional) time. */
  takeNext(): number {
    const arrivalUs = this.nextArrivalUs;
    this.nextArrivalUs += this.rng.exponential(this.meanGapUs);
    return arrivalUs;
  }

  /** Counts and consumes the arrivals due by `nowUs` (at most `limit`, the rest stay due). */
  takeDue(nowUs: number, limit: number): number {
    let due = 0;
    while (this.nextArrivalUs <= nowUs && due < limit) {
      due++;
      this.nextArrivalUs += this.rng.exponential(this.meanGapUs);
    }
    return due;
  }
}
