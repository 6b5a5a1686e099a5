// A small builder for checker inputs: logs from (producer, first record, count) entries with
// offsets assigned in order, producer ranges with their outcomes, replicas and partitions.

import type {
  ConsumerOp,
  FinalBatch,
  PartitionFinalState,
  ProducedOutcome,
  ProducedRange,
  ProducerHistoryInput,
  ReadSpan,
  ReplicaFinalLog,
} from '../../sim/check/check-input.ts';

/** fast-check's seed: fixed, so runs repeat; FC_SEED=<n> explores another (failures print theirs). */
export const FC_SEED = process.env.FC_SEED === undefined ? 20_250_309 : Number(process.env.FC_SEED);

export const P0 = 't/0';
export const P1 = 't/1';

/** [producer, firstRecord, count, leaderEpoch?] */
export type Entry = readonly [string, number, number, number?];

/** Batches holding the entries at consecutive offsets from `startOffset`. */
export function batches(entries: readonly Entry[], startOffset = 0): FinalBatch[] {
  let offset = startOffset;
  return entries.map(([producer, firstRecord, count, leaderEpoch = 0]) => {
    const batch = { baseOffset: offset, recordCount: count, leaderEpoch, payload: { kind: 'records', producer, firstRecord, count } };
    offset += count;
    return batch;
  });
}

export function logEnd(log: readonly FinalBatch[]): number {
  const last = log[log.length - 1];
  return last === undefined ? 0 : last.baseOffset + last.recordCount;
}

export function replica(broker: number, log: readonly FinalBatch[], highWatermark = logEnd(log), inSync = true): ReplicaFinalLog {
  return { broker, highWatermark, logStartOffset: 0, inSync, batches: log };
}

/** A partition whose only replica (broker 1) leads, committed to its log end unless told. */
export function single(partition: string, log: readonly FinalBatch[], highWatermark = logEnd(log)): PartitionFinalState {
  return { partition, leader: 1, replicas: [replica(1, log, highWatermark)] };
}

export interface RangeOptions {
  readonly leaderEpoch?: number;
  readonly sentUs?: number;
  readonly completeUs?: number;
  readonly attempts?: number;
  readonly error?: string | null;
}

export function range(partition: string, outcome: ProducedOutcome, firstRecord: number, count: number, baseOffset: number, options: RangeOptions = {}): ProducedRange {
  return {
    partition,
    firstRecord,
    count,
    outcome,
    baseOffset: outcome === 'ok' ? baseOffset : -1,
    leaderEpoch: options.leaderEpoch ?? (outcome === 'ok' ? 0 : -1),
    sentUs: options.sentUs ?? 1_000,
    completeUs: options.completeUs ?? 2_000,
    attempts: options.attempts ?? 1,
    error: options.error ?? (outcome === 'ok' ? null : 'REQUEST_TIMED_OUT'),
  };
}

/** Every batch of a log as an ok range acknowledged at its offsets. */
export function acknowledgedAll(log: readonly FinalBatch[], partition: string): Map<string, ProducedRange[]> {
  const byProducer = new Map<string, ProducedRange[]>();
  for (const batch of log) {
    const payload = batch.payload as { producer: string; firstRecord: number };
    const list = byProducer.get(payload.producer) ?? [];
    list.push(range(partition, 'ok', payload.firstRecord, batch.recordCount, batch.baseOffset, { leaderEpoch: batch.leaderEpoch }));
    byProducer.set(payload.producer, list);
  }
  return byProducer;
}

export function producers(byProducer: ReadonlyMap<string, readonly ProducedRange[]>): ProducerHistoryInput[] {
  return [...byProducer].map(([producer, ranges]) => ({ producer, ranges }));
}

export function span(offset: number, count: number, producer = 'p1', firstRecord = offset): ReadSpan {
  return { offset, count, producer, firstRecord };
}

export function poll(member: string, timeUs: number, partition: string, spans: readonly ReadSpan[], highWatermark?: number): ConsumerOp {
  return { type: 'poll', member, timeUs, reads: [{ partition, spans, ...(highWatermark === undefined ? {} : { highWatermark }) }] };
}

export function processed(member: string, timeUs: number, partition: string, spans: readonly ReadSpan[]): ConsumerOp {
  return { type: 'process', member, timeUs, partition, spans };
}

export function assign(member: string, timeUs: number, generation: number, partitions: readonly string[]): ConsumerOp {
  return { type: 'assign', member, timeUs, generation, partitions };
}

export function commit(member: string, timeUs: number, partition: string, offset: number): ConsumerOp {
  return { type: 'commit', member, timeUs, outcome: 'ok', offsets: [{ partition, offset }] };
}
