// Per-interval producer metrics, sampled once per simulated second by default: records sent
// (send() called), acknowledged, failed and unknown in the interval, the p50/p99/max ack latency
// of the records acknowledged in it, buffer.memory in use, and open-loop arrivals dropped because
// the application thread's backlog was full. Each sample becomes one `producer-metrics` trace
// event at standard detail — per-batch events would be far too many at 50k records/s — and is
// kept in `samples` for the report and the viewer's charts.
//
// Latencies go into a log-linear histogram (exact below 64 µs, then 32 buckets per power of two,
// so within about 3 %), built with integer operations only; the run's exact percentiles come
// from the history (ProducerHistory.latencyPercentilesMs).

import type { Trace } from '../core/trace.ts';
import { Outcome, type RangeView } from './history.ts';
import { nearestRank } from '../core/ranks.ts';

const EXACT_BELOW = 64;
const SUB_BUCKET_BITS = 5;
const SUB_BUCKETS = 1 << SUB_BUCKET_BITS;
const MAX_VALUE_US = 0x7fffffff;
const BUCKETS = EXACT_BELOW + (31 - 6) * SUB_BUCKETS;

/** A latency histogram over integer microseconds. */
export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  maxUs = 0;

  record(valueUs: number): void {
    const value = Math.min(MAX_VALUE_US, Math.max(0, Math.round(valueUs)));
    const bucket = bucketOf(value);
    this.counts[bucket] = (this.counts[bucket] as number) + 1;
    this.count++;
    if (value > this.maxUs) this.maxUs = value;
  }

  /** The nearest-rank percentile, as its bucket's midpoint (exact below 64 µs); NaN when empty. */
  percentileUs(percentile: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = nearestRank(percentile, this.count);
    let seen = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      seen += this.counts[bucket] as number;
      if (seen >= rank) return Math.min(bucketMidpoint(bucket), this.maxUs);
    }
    return this.maxUs;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.maxUs = 0;
  }
}

function bucketOf(value: number): number {
  if (value < EXACT_BELOW) return value;
  const exponent = 31 - Math.clz32(value);
  const sub = (value >>> (exponent - SUB_BUCKET_BITS)) & (SUB_BUCKETS - 1);
  return EXACT_BELOW + (exponent - 6) * SUB_BUCKETS + sub;
}

function bucketMidpoint(bucket: number): number {
  if (bucket < EXACT_BELOW) return bucket;
  const exponent = 6 + Math.floor((bucket - EXACT_BELOW) / SUB_BUCKETS);
  const sub = (bucket - EXACT_BELOW) % SUB_BUCKETS;
  const width = 1 << (exponent - SUB_BUCKET_BITS);
  return (SUB_BUCKETS + sub) * width + width / 2;
}

export interface ProducerMetricSample {
  /** End of the interval, µs. */
  readonly timeUs: number;
  readonly sent: number;
  readonly acked: number;
  readonly failed: number;
  readonly unknown: number;
  /** Ack latency of the interval's acknowledged records, ms (null when none). */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
  readonly bufferUsedBytes: number;
  readonly droppedArrivals: number;
}

/** Samples one producer's activity; everything it is told about goes into the current interval. */
export class ProducerMetrics {
  readonly samples: ProducerMetricSample[] = [];
  private sent = 0;
  private acked = 0;
  private failed = 0;
  private unknown = 0;
  private dropped = 0;
  private readonly latency = new LatencyHistogram();

  constructor(readonly producer: string) {}

  onSent(records: number): void {
    this.sent += records;
  }

  onDropped(records: number): void {
    this.dropped += records;
  }

  /** A send() failed before its record reached a batch. */
  onUnappendedFailure(): void {
    this.failed++;
  }

  /** A batch ended; `invokeUs(i)` is the invoke time of its i-th record. */
  onRangeDone(range: RangeView, invokeUs: (recordOffset: number) => number): void {
    if (range.outcome === Outcome.Fail) this.failed += range.count;
    else if (range.outcome === Outcome.Info) this.unknown += range.count;
    else if (range.outcome === Outcome.Ok) {
      this.acked += range.count;
      for (let i = 0; i < range.count; i++) this.latency.record(range.completeUs - invokeUs(i));
    }
  }

  /** Closes the interval ending now: keeps the sample and emits it to the trace. */
  sample(trace: Trace, nowUs: number, bufferUsedBytes: number): ProducerMetricSample {
    const ms = (us: number): number | null => (Number.isNaN(us) ? null : Math.round(us) / 1000);
    const sample: ProducerMetricSample = {
      timeUs: nowUs,
      sent: this.sent,
      acked: this.acked,
      failed: this.failed,
      unknown: this.unknown,
      p50Ms: ms(this.latency.percentileUs(50)),
      p99Ms: ms(this.latency.percentileUs(99)),
      maxMs: this.latency.count === 0 ? null : this.latency.maxUs / 1000,
      bufferUsedBytes,
      droppedArrivals: this.dropped,
    };
    this.samples.push(sample);
    const { sent, acked, failed, unknown, p50Ms, p99Ms, maxMs, droppedArrivals } = sample;
    trace.emit('producer-metrics', { producer: this.producer, sent, acked, failed, unknown, p50Ms, p99Ms, maxMs, bufferUsedBytes, droppedArrivals });
    this.sent = this.acked = this.failed = this.unknown = this.dropped = 0;
    this.latency.reset();
    return sample;
  }
}
