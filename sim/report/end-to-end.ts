// End-to-end latency of a run: for every record a consumer's poll() returned, the time from the
// producer's send() of that record to that poll (Kafka's "end-to-end latency", as
// kafka.tools.EndToEndLatency and the OpenMessaging Benchmark measure it). It includes batching,
// the produce request, replication up to the high watermark (a consumer reads nothing above it)
// and the consumer's fetch.
//
// Read from the histories after the run: the consumer's poll operations carry, per partition, spans
// of (producer, first record, count), and the producer's history keeps each record's send() time,
// so the cost is one subtraction per record returned, never an event. A record returned more than
// once (a re-read after a rebalance) counts each time, as a consumer application would see it.

import type { ConsumerGroupHistory } from '../check/check-input.ts';
import type { ProducerHistory } from '../clients/history.ts';
import { nearestRank, valuesAtRanks } from '../core/ranks.ts';

/** Percentiles of end-to-end latency in ms (nearest rank), and how many deliveries they cover. */
export interface EndToEndLatency {
  records: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/** Deliveries one run may measure (a Float64Array of this many is 800 MB). */
const MAX_DELIVERIES = 100_000_000;

/**
 * End-to-end latency of every record returned by a poll of `groups` whose send() happened in
 * [fromUs, toUs) (by default every record), in ms.
 */
export function endToEndLatency(
  producers: ReadonlyMap<string, ProducerHistory>,
  groups: readonly ConsumerGroupHistory[],
  fromUs = 0,
  toUs = Infinity,
): EndToEndLatency {
  return latencyPercentiles(producers, groups, (sentUs, polledUs) => (sentUs >= fromUs && sentUs < toUs ? polledUs - sentUs : Number.NaN));
}

/**
 * Percentiles of `sample(sentUs, polledUs)` over every delivery, in ms; a NaN sample is left out.
 * For benchmarks that measure latency their own way (whole milliseconds of wall clock, say).
 */
export function latencyPercentiles(
  producers: ReadonlyMap<string, ProducerHistory>,
  groups: readonly ConsumerGroupHistory[],
  sample: (sentUs: number, polledUs: number) => number,
): EndToEndLatency {
  let latencies: Float64Array = new Float64Array(1024);
  let count = 0;
  for (const group of groups) {
    for (const op of group.ops) {
      if (op.type !== 'poll') continue;
      for (const read of op.reads) {
        for (const span of read.spans) {
          const history = producers.get(span.producer);
          if (history === undefined) continue;
          for (let i = 0; i < span.count; i++) {
            const latencyUs = sample(history.invokeUs(read.partition, span.firstRecord + i), op.timeUs);
            if (Number.isNaN(latencyUs)) continue;
            if (count === latencies.length) latencies = grown(latencies);
            latencies[count++] = latencyUs;
          }
        }
      }
    }
  }
  return percentiles(latencies.subarray(0, count));
}

function grown(latencies: Float64Array): Float64Array {
  if (latencies.length >= MAX_DELIVERIES) throw new RangeError(`end-to-end latency: more than ${MAX_DELIVERIES} deliveries`);
  const bigger = new Float64Array(Math.min(MAX_DELIVERIES, latencies.length * 2));
  bigger.set(latencies);
  return bigger;
}

function percentiles(latenciesUs: Float64Array): EndToEndLatency {
  const total = latenciesUs.length;
  if (total === 0) return { records: 0, p50: 0, p99: 0, p999: 0, max: 0 };
  const ranks = [nearestRank(50, total), nearestRank(99, total), nearestRank(99.9, total), total];
  const [p50, p99, p999, max] = valuesAtRanks(latenciesUs, ranks).map(roundMs) as [number, number, number, number];
  return { records: total, p50, p99, p999, max };
}

function roundMs(us: number): number {
  return Math.round(us) / 1000;
}
