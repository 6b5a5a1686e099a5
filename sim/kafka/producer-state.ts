// The idempotent-producer state of one partition replica: kafka.log.ProducerStateManager with
// ProducerStateEntry and ProducerAppendInfo (KIP-98, Kafka 2.5+ semantics after KIP-360).
//
// Per producer id the replica keeps the producer epoch and the metadata of the last five batches
// it appended (ProducerStateEntry.NumBatchesToRetain): first and last sequence, first and last
// offset. A leader checks every idempotent batch a client sends, in Kafka's order
// (UnifiedLog.analyzeAndValidateProducerState, then ProducerAppendInfo.append):
// 1. Duplicate: same producer epoch and exactly the sequence range of one of the retained
//    batches. Nothing is appended; the leader answers with the original batch's offsets and no
//    error (since Kafka 2.x the producer never sees DUPLICATE_SEQUENCE_NUMBER from this path).
// 2. Fenced: a producer epoch below the current one is INVALID_PRODUCER_EPOCH (KIP-588, 2.7+;
//    ProducerFencedException before).
// 3. Sequence: with the current epoch, the first sequence must follow the last one
//    (lastSeq + 1, wrapping after Int.MAX_VALUE) or OUT_OF_ORDER_SEQUENCE_NUMBER; with a new epoch
//    it must be 0. A producer id the replica does not know yet may start at any sequence (KIP-360:
//    its batches may have been removed by retention or truncation).
// Every appended batch, on a leader or a follower, updates the state without checks (Kafka's
// AppendOrigin.Replication): a new epoch clears the retained batches. After a log truncation the
// state is rebuilt from the batches left in the log, as UnifiedLog.rebuildProducerState does.
//
// Simplified: no transactions, no producer-id expiration (producer.id.expiration.ms), no
// snapshots (a rebuild replays the whole log), and producers are not dropped when retention
// deletes their batches.

import { assert } from '../core/assert.ts';
import { ErrorCode } from './protocol.ts';

/** RecordBatch.NO_PRODUCER_ID / NO_PRODUCER_EPOCH / NO_SEQUENCE. */
export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
/** ProducerStateEntry.NumBatchesToRetain. */
export const BATCHES_TO_RETAIN = 5;
/** Producer ids one partition may track before the run is treated as runaway. */
export const MAX_PRODUCERS_PER_PARTITION = 1_000_000;

const INT_MAX = 2_147_483_647;

/** The producer fields of a batch a client sent. */
export interface ProducerBatch {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly recordCount: number;
}

/** The same batch once a log holds it. */
export interface AppendedProducerBatch extends ProducerBatch {
  readonly baseOffset: number;
  readonly lastOffset: number;
}

/** Kafka's BatchMetadata: what a retained batch remembers. */
export interface BatchMetadata {
  readonly baseSequence: number;
  readonly lastSequence: number;
  readonly baseOffset: number;
  readonly lastOffset: number;
}

export interface ProducerStateEntry {
  readonly producerId: number;
  readonly producerEpoch: number;
  /** Oldest first, at most BATCHES_TO_RETAIN. */
  readonly batches: readonly BatchMetadata[];
}

export type ProducerCheck =
  | { readonly kind: 'append' }
  | { readonly kind: 'duplicate'; readonly original: BatchMetadata }
  | {
      readonly kind: 'rejected';
      readonly error: typeof ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER | typeof ErrorCode.INVALID_PRODUCER_EPOCH;
      readonly detail: string;
    };

interface MutableEntry {
  readonly producerId: number;
  producerEpoch: number;
  batches: BatchMetadata[];
}

const APPEND: ProducerCheck = { kind: 'append' };

/** DefaultRecordBatch.incrementSequence: sequences wrap to 0 after Int.MAX_VALUE. */
export function incrementSequence(sequence: number, increment: number): number {
  return sequence > INT_MAX - increment ? increment - (INT_MAX - sequence) - 1 : sequence + increment;
}

export function lastSequenceOf(batch: ProducerBatch): number {
  return incrementSequence(batch.baseSequence, batch.recordCount - 1);
}

/** ProducerStateManager/ProducerAppendInfo.inSequence. */
export function isNextSequence(lastSequence: number, nextSequence: number): boolean {
  return nextSequence === lastSequence + 1 || (nextSequence === 0 && lastSequence === INT_MAX);
}

export class ProducerStateManager {
  private readonly entries = new Map<number, MutableEntry>();

  get producerCount(): number {
    return this.entries.size;
  }

  entry(producerId: number): ProducerStateEntry | undefined {
    return this.entries.get(producerId);
  }

  /** A leader's check of a client batch before it appends anything (see the header). */
  check(batch: ProducerBatch): ProducerCheck {
    if (batch.producerId === NO_PRODUCER_ID) return APPEND;
    const entry = this.entries.get(batch.producerId);
    if (entry === undefined) return APPEND;
    if (batch.producerEpoch === entry.producerEpoch) {
      const lastSequence = lastSequenceOf(batch);
      const original = entry.batches.find(
        (m) => m.baseSequence === batch.baseSequence && m.lastSequence === lastSequence,
      );
      if (original !== undefined) return { kind: 'duplicate', original };
    }
    if (batch.producerEpoch < entry.producerEpoch) {
      return {
        kind: 'rejected',
        error: ErrorCode.INVALID_PRODUCER_EPOCH,
        detail: `producer ${batch.producerId} epoch ${batch.producerEpoch} is older than ${entry.producerEpoch}`,
      };
    }
    return this.checkSequence(batch, entry);
  }

  /** Records an appended batch, from a client or a leader, without checks (AppendOrigin.Replication). */
  update(batch: AppendedProducerBatch): void {
    if (batch.producerId === NO_PRODUCER_ID) return;
    let entry = this.entries.get(batch.producerId);
    if (entry === undefined) {
      assert(
        this.entries.size < MAX_PRODUCERS_PER_PARTITION,
        `ProducerStateManager: more than ${MAX_PRODUCERS_PER_PARTITION} producer ids in one partition`,
      );
      entry = { producerId: batch.producerId, producerEpoch: batch.producerEpoch, batches: [] };
      this.entries.set(batch.producerId, entry);
    }
    if (entry.producerEpoch !== batch.producerEpoch) {
      entry.producerEpoch = batch.producerEpoch;
      entry.batches = [];
    }
    if (entry.batches.length === BATCHES_TO_RETAIN) entry.batches.shift();
    entry.batches.push({
      baseSequence: batch.baseSequence,
      lastSequence: lastSequenceOf(batch),
      baseOffset: batch.baseOffset,
      lastOffset: batch.lastOffset,
    });
  }

  /** Forgets everything and replays the given batches in offset order (after a truncation). */
  rebuild(batches: Iterable<AppendedProducerBatch>): void {
    this.entries.clear();
    for (const batch of batches) this.update(batch);
  }

  /** ProducerAppendInfo.checkSequence for a client batch of a producer this replica knows. */
  private checkSequence(batch: ProducerBatch, entry: MutableEntry): ProducerCheck {
    if (batch.producerEpoch !== entry.producerEpoch) {
      if (batch.baseSequence === 0) return APPEND;
      return {
        kind: 'rejected',
        error: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        detail: `producer ${batch.producerId} starts epoch ${batch.producerEpoch} at sequence ` +
          `${batch.baseSequence}, not 0`,
      };
    }
    const last = entry.batches[entry.batches.length - 1];
    if (last === undefined || isNextSequence(last.lastSequence, batch.baseSequence)) return APPEND;
    return {
      kind: 'rejected',
      error: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
      detail: `producer ${batch.producerId} sent sequence ${batch.baseSequence} after ${last.lastSequence}`,
    };
  }
}
