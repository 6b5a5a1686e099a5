// The idempotent producer's bookkeeping: the part of
// org.apache.kafka.clients.producer.internals.TransactionManager that a non-transactional producer
// with enable.idempotence=true uses (KIP-98, with the KIP-360 epoch bump of Kafka 2.5+ / 3.x).
//
// The producer gets a producer id and epoch from InitProducerId. Each partition numbers its
// records: a drained batch takes the partition's next sequence, and keeps it through every retry,
// so the broker, which remembers the last five batches per producer and partition, recognises a
// retry of an appended batch and answers with the original offset instead of appending it twice.
// Order is kept because a retried batch is drained only when it is the partition's lowest
// sequence in flight: after a failure, batches go one at a time until the retries have caught up.
//
// When a sequence gap can no longer be closed (OUT_OF_ORDER_SEQUENCE_NUMBER for the next batch,
// UNKNOWN_PRODUCER_ID, a batch failed for good, or an expired batch whose fate nobody learned),
// the producer bumps its epoch locally and renumbers the partition's in-flight batches from 0;
// the broker accepts sequence 0 of a newer epoch. An expired batch that had been retried leaves its
// partition "unresolved": no new batch is drained there until every in-flight batch has completed
// and shown whether the sequence advanced.
//
// Simplified: transactions are not modelled; the log start offset that qualifies
// UNKNOWN_PRODUCER_ID is not on our ProduceResponse, so that error always bumps the epoch (the
// idempotent producer's branch of TransactionManager.canRetry).

import { ErrorCode, RETRIABLE_ERRORS, type PartitionName } from '../kafka/protocol.ts';
import type { ProducerBatch } from './producer-batch.ts';

const MAX_PRODUCER_EPOCH = 32767;

/** Client-side errors that are RetriableExceptions, beyond the broker's RETRIABLE_ERRORS. */
export const CLIENT_RETRIABLE_ERRORS: ReadonlySet<string> = new Set<string>(['NETWORK_EXCEPTION']);

export function isRetriable(error: string): boolean {
  return RETRIABLE_ERRORS.has(error as ErrorCode) || CLIENT_RETRIABLE_ERRORS.has(error);
}

/** TxnPartitionEntry: one partition's sequence state. */
interface PartitionSequences {
  producerId: number;
  producerEpoch: number;
  nextSequence: number;
  lastAckedSequence: number;
  /** Drained and not yet done, ordered by base sequence (inflightBatchesBySequence). */
  inflight: ProducerBatch[];
}

export type IdempotenceState = 'uninitialized' | 'initializing' | 'ready' | 'fatal';

export class TransactionManager {
  producerId = -1;
  producerEpoch = -1;
  state: IdempotenceState = 'uninitialized';
  /** The error that made the producer unusable (state 'fatal'). */
  fatalError: string | null = null;
  private readonly partitions = new Map<PartitionName, PartitionSequences>();
  /** Partition → the sequence after its expired, possibly-appended batches. */
  private readonly unresolved = new Map<PartitionName, number>();
  private readonly partitionsToRewrite = new Set<PartitionName>();
  private epochBumpRequired = false;

  get hasProducerId(): boolean {
    return this.producerId >= 0 && this.producerEpoch >= 0;
  }

  /**
   * Sender.runOnce's preamble (maybeResolveSequences, bumpIdempotentEpochAndResetIdIfNeeded).
   * Returns true when an InitProducerId request must be sent now.
   */
  prepare(): { needsProducerId: boolean; bumpedEpoch: boolean } {
    this.maybeResolveSequences();
    let bumpedEpoch = false;
    if (this.epochBumpRequired) {
      this.bumpEpoch();
      bumpedEpoch = true;
    }
    const needsProducerId = this.state !== 'initializing' && this.state !== 'fatal' && !this.hasProducerId;
    if (needsProducerId) this.state = 'initializing';
    return { needsProducerId, bumpedEpoch };
  }

  /** Whether prepare() would change nothing: no sequence to resolve, no epoch bump, no id to fetch. */
  get settled(): boolean {
    const idKnownOrAwaited = this.hasProducerId || this.state === 'initializing' || this.state === 'fatal';
    return this.unresolved.size === 0 && !this.epochBumpRequired && idKnownOrAwaited;
  }

  setProducerIdAndEpoch(producerId: number, producerEpoch: number): void {
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.state = 'ready';
  }

  /** InitProducerIdHandler: an error outside the retriable coordinator errors is fatal. */
  initFailed(error: string): void {
    this.state = 'fatal';
    this.fatalError = error;
  }

  /** RecordAccumulator.shouldStopDrainBatchesForPartition. */
  shouldStopDrain(first: ProducerBatch): boolean {
    if (this.state === 'fatal' || !this.hasProducerId) return true;
    const entry = this.entry(first.partition);
    if (!first.hasSequence) {
      // A fresh batch waits while older-epoch batches are in flight (it would start at sequence 0)
      // and while the fate of expired batches is unknown.
      if (entry.inflight.length > 0 && this.isStale(entry)) return true;
      if (this.unresolved.has(first.partition)) return true;
    }
    const firstInFlight = entry.inflight[0];
    return firstInFlight !== undefined && first.hasSequence && first.baseSequence !== firstInFlight.baseSequence;
  }

  /** The drain of a batch without a sequence: number it and track it in flight. */
  assignSequence(batch: ProducerBatch): void {
    const entry = this.entry(batch.partition);
    if (this.isStale(entry) && entry.inflight.length === 0) this.startSequencesAtBeginning(batch.partition);
    batch.setProducerState(this.producerId, this.producerEpoch, entry.nextSequence);
    entry.nextSequence += batch.recordCount;
    this.insertInflight(entry, batch);
  }

  /** TransactionManager.canRetry for a produce error on a batch that may still be retried. */
  canRetry(error: string, batch: ProducerBatch): boolean {
    if (error === ErrorCode.UNKNOWN_PRODUCER_ID) {
      if (!batch.sequenceReset) this.requestEpochBump(batch.partition);
      return true;
    }
    if (error === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER) {
      const unresolved = this.unresolved.get(batch.partition);
      if (unresolved === undefined && (batch.sequenceReset || !this.isNextSequence(batch.partition, batch.baseSequence))) return true;
      if (unresolved === undefined || unresolved === batch.baseSequence) this.requestEpochBump(batch.partition);
      return true;
    }
    return isRetriable(error);
  }

  handleCompletedBatch(batch: ProducerBatch): void {
    const entry = this.entry(batch.partition);
    if (batch.lastSequence > entry.lastAckedSequence) entry.lastAckedSequence = batch.lastSequence;
    this.removeInflight(batch);
  }

  handleFailedBatch(batch: ProducerBatch, error: string, adjustSequenceNumbers: boolean): void {
    this.removeInflight(batch);
    if (this.state === 'fatal') return;
    if (error === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER) {
      this.requestEpochBump(batch.partition);
    } else if (error === ErrorCode.UNKNOWN_PRODUCER_ID) {
      this.partitions.delete(batch.partition);
      this.unresolved.delete(batch.partition);
    } else if (adjustSequenceNumbers) {
      this.requestEpochBump(batch.partition);
    }
  }

  /** An expired batch that had been retried: its sequence may or may not be in the log. */
  markSequenceUnresolved(batch: ProducerBatch): void {
    const next = batch.lastSequence + 1;
    this.unresolved.set(batch.partition, Math.max(this.unresolved.get(batch.partition) ?? next, next));
  }

  private maybeResolveSequences(): void {
    for (const [partition] of [...this.unresolved]) {
      const entry = this.entry(partition);
      if (entry.inflight.length > 0) continue;
      if (!this.isNextSequence(partition, entry.nextSequence)) this.requestEpochBump(partition);
      this.unresolved.delete(partition);
    }
  }

  /** bumpIdempotentProducerEpoch: locally, then renumber the partitions that asked for it. */
  private bumpEpoch(): void {
    if (this.producerEpoch >= MAX_PRODUCER_EPOCH) {
      this.producerId = -1;
      this.producerEpoch = -1;
      this.state = 'uninitialized';
    } else {
      this.producerEpoch++;
    }
    for (const partition of this.partitionsToRewrite) {
      this.startSequencesAtBeginning(partition);
      this.unresolved.delete(partition);
    }
    this.partitionsToRewrite.clear();
    this.epochBumpRequired = false;
  }

  private requestEpochBump(partition: PartitionName): void {
    this.epochBumpRequired = true;
    this.partitionsToRewrite.add(partition);
  }

  /** TxnPartitionMap.startSequencesAtBeginning: in-flight batches renumbered from 0. */
  private startSequencesAtBeginning(partition: PartitionName): void {
    const entry = this.entry(partition);
    let sequence = 0;
    for (const batch of entry.inflight) {
      batch.resetProducerState(this.producerId, this.producerEpoch, sequence);
      sequence += batch.recordCount;
    }
    entry.producerId = this.producerId;
    entry.producerEpoch = this.producerEpoch;
    entry.nextSequence = sequence;
    entry.lastAckedSequence = -1;
  }

  private isNextSequence(partition: PartitionName, sequence: number): boolean {
    return sequence - this.entry(partition).lastAckedSequence === 1;
  }

  private isStale(entry: PartitionSequences): boolean {
    return entry.producerId !== this.producerId || entry.producerEpoch !== this.producerEpoch;
  }

  private insertInflight(entry: PartitionSequences, batch: ProducerBatch): void {
    let at = entry.inflight.length;
    while (at > 0 && (entry.inflight[at - 1] as ProducerBatch).baseSequence > batch.baseSequence) at--;
    entry.inflight.splice(at, 0, batch);
  }

  private removeInflight(batch: ProducerBatch): void {
    const entry = this.partitions.get(batch.partition);
    if (entry === undefined) return;
    const at = entry.inflight.indexOf(batch);
    if (at >= 0) entry.inflight.splice(at, 1);
  }

  private entry(partition: PartitionName): PartitionSequences {
    let entry = this.partitions.get(partition);
    if (entry === undefined) {
      entry = { producerId: this.producerId, producerEpoch: this.producerEpoch, nextSequence: 0, lastAckedSequence: -1, inflight: [] };
      this.partitions.set(partition, entry);
    }
    return entry;
  }
}
