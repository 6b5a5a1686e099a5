// The committed log of one partition at the end of a run: the reference every history check
// compares against. Kafka's definition: a record is committed once it is below the leader's high
// watermark (ReplicaManager / Partition.maybeIncrementLeaderHW), so the final leader's batches
// below its HW are the partition's committed history. While the partition is offline at the end
// (no leader), the replica with the highest HW stands in, and what it lacks is only `unknown`:
// another replica may still be elected with the data.
//
// Lookups by offset binary-search the batches, so a consumer span is compared with the log in
// O(log batches + batches it covers), never record by record.

import type { PartitionName } from '../kafka/protocol.ts';
import { isRecordsPayload, type FinalBatch, type PartitionFinalState, type ReadSpan, type ReplicaFinalLog } from './check-input.ts';

/** How a consumer's span compares with the committed log. */
export type SpanMatch =
  /** Every offset holds the same record, below the HW. */
  | { readonly kind: 'committed' }
  /** From `offset` on, the log holds other records or none: the read saw data later removed. */
  | { readonly kind: 'removed'; readonly offset: number; readonly count: number }
  /** Same records, but from `offset` on not (yet) below the HW. */
  | { readonly kind: 'uncommitted'; readonly offset: number; readonly count: number };

/** The common answer, shared so that matching millions of spans allocates nothing. */
const COMMITTED: SpanMatch = Object.freeze({ kind: 'committed' });

export class CommittedLog {
  readonly partition: PartitionName;
  /** The broker whose log decides: the leader, or the best replica of an offline partition. */
  readonly referenceBroker: number;
  /** True when a leader decides; false for an offline partition (losses are then unknown). */
  readonly decided: boolean;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  /** The reference replica's batches, including any above the HW. */
  readonly batches: readonly FinalBatch[];

  constructor(state: PartitionFinalState, reference: ReplicaFinalLog) {
    this.partition = state.partition;
    this.referenceBroker = reference.broker;
    this.decided = state.leader === reference.broker;
    this.highWatermark = reference.highWatermark;
    this.logStartOffset = reference.logStartOffset;
    this.batches = reference.batches;
    const last = reference.batches[reference.batches.length - 1];
    this.logEndOffset = last === undefined ? reference.logStartOffset : last.baseOffset + last.recordCount;
  }

  /** The final log of a partition, or undefined when it has no replica to read. */
  static of(state: PartitionFinalState): CommittedLog | undefined {
    const reference = referenceReplica(state);
    return reference === undefined ? undefined : new CommittedLog(state, reference);
  }

  /** Index of the batch holding `offset`, or −1. */
  batchIndexAt(offset: number): number {
    let low = 0;
    let high = this.batches.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const batch = this.batches[mid]!;
      if (offset < batch.baseOffset) high = mid - 1;
      else if (offset >= batch.baseOffset + batch.recordCount) low = mid + 1;
      else return mid;
    }
    return -1;
  }

  /** "p1#7" for the producer record at `offset`, "nothing" or the payload kind otherwise. */
  describeAt(offset: number): string {
    const batch = this.batches[this.batchIndexAt(offset)];
    return describeRecordAt(batch, offset);
  }

  /**
   * Compares a consumer's span with this log (see SpanMatch). Offsets below the log start offset
   * are gone to retention and not compared.
   */
  matchSpan(span: ReadSpan): SpanMatch {
    const end = span.offset + span.count;
    let offset = Math.max(span.offset, Math.min(end, this.logStartOffset));
    let index = this.batchIndexAt(offset);
    while (offset < end) {
      const batch = this.batches[index];
      if (batch === undefined || offset < batch.baseOffset || !holdsSpanRecord(batch, span, offset)) {
        return { kind: 'removed', offset, count: end - offset };
      }
      offset = Math.min(end, batch.baseOffset + batch.recordCount);
      index++;
    }
    if (end <= this.highWatermark) return COMMITTED;
    const from = Math.max(span.offset, this.highWatermark);
    return { kind: 'uncommitted', offset: from, count: end - from };
  }
}

/** The leader's replica, else (offline) the replica with the highest HW, first on a tie. */
export function referenceReplica(state: PartitionFinalState): ReplicaFinalLog | undefined {
  const leader = state.replicas.find((replica) => replica.broker === state.leader);
  if (leader !== undefined) return leader;
  let best: ReplicaFinalLog | undefined;
  for (const replica of state.replicas) {
    if (best === undefined || replica.highWatermark > best.highWatermark) best = replica;
  }
  return best;
}

function holdsSpanRecord(batch: FinalBatch, span: ReadSpan, offset: number): boolean {
  const payload = batch.payload;
  return isRecordsPayload(payload) && payload.producer === span.producer &&
    payload.firstRecord + (offset - batch.baseOffset) === span.firstRecord + (offset - span.offset);
}

/** "p1#7 (epoch 2)" for a producer record at `offset` of `batch`. */
export function describeRecordAt(batch: FinalBatch | undefined, offset: number): string {
  if (batch === undefined || offset < batch.baseOffset || offset >= batch.baseOffset + batch.recordCount) return 'nothing';
  const payload = batch.payload;
  const what = isRecordsPayload(payload)
    ? `${payload.producer}#${payload.firstRecord + (offset - batch.baseOffset)}`
    : `a ${String((payload as { kind?: unknown } | null)?.kind ?? 'non-record')} record`;
  return `${what} (epoch ${batch.leaderEpoch})`;
}
