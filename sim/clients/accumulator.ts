// The record accumulator (org.apache.kafka.clients.producer.internals.RecordAccumulator and
// BufferPool): per-partition deques of batches that send() appends to and the Sender drains.
//
// - append: into the partition's last batch if it has room, else a new batch whose buffer
//   (max(batch.size, the record's upper bound)) comes from buffer.memory. With abortOnNewBatch
//   (the DefaultPartitioner's KIP-480 path) the append gives up instead of creating a batch, so
//   the sticky partitioner can move on first. When buffer.memory is exhausted the caller blocks
//   (up to max.block.ms, in the producer); a batch returns its whole buffer when it is done.
// - ready: a partition's head batch is sendable when it is full (or another batch is queued behind
//   it), when it has waited linger.ms (retry.backoff.ms after a failed attempt), or while send()
//   is blocked on memory; a batch in retry backoff is never sendable.
// - drain: for each ready broker, one batch from each partition it leads, starting where the
//   previous drain stopped (drainIndex), up to max.request.size; the idempotence checks of
//   shouldStopDrainBatchesForPartition, which end the broker's drain for this round (`break`, as
//   in Kafka). Drained batches get their producer id, epoch and sequence here.
// - reenqueue: a retried batch goes back to the front; with idempotence in sequence order
//   (insertInSequenceOrder), without it simply first — which is how retries reorder (A10).
// - expiredBatches: batches not yet drained whose delivery.timeout.ms has passed, from the head of
//   each deque.
//
// Simplified: one thread appends, so BufferPool has at most one waiter and no free list of
// pooled buffers (the byte count is what bounds memory); muting is by partition as in Kafka.

import { assert } from '../core/assert.ts';
import type { PartitionName } from '../kafka/protocol.ts';
import type { ProducerHistory } from './history.ts';
import { PartitionQueues } from './partition-queues.ts';
import { batchUpperBoundBytes, CompressionRatioEstimator, ProducerBatch } from './producer-batch.ts';
import type { ProducerSettings } from './producer-config.ts';
import type { PartitionRef, ProducerMetadata } from './producer-metadata.ts';
import type { TransactionManager } from './transaction-manager.ts';

/** A record handed to append: sizes, the key for the history, and when send() was called. */
export interface AppendRecord {
  readonly keyBytes: number;
  readonly valueBytes: number;
  readonly keyIndex: number;
  readonly invokeUs: number;
}

export type AppendResult =
  | {
      readonly kind: 'appended';
      readonly batchIsFull: boolean;
      readonly newBatchCreated: boolean;
      /** The deque already held a batch behind its head, so the Sender knew the head was sendable. */
      readonly headWasFull: boolean;
    }
  | { readonly kind: 'abort-for-new-batch' }
  | { readonly kind: 'needs-memory' };

/** drainNode visits only the queued partitions when they are fewer than 1/this of the node's. */
const SPARSE_DRAIN_FACTOR = 4;

export interface ReadyCheck {
  readonly readyNodes: Set<number>;
  /** µs until a not-yet-ready batch becomes ready (Infinity when none waits). */
  readonly nextReadyCheckDelayUs: number;
  readonly unknownLeaderTopics: Set<string>;
}

export class RecordAccumulator {
  private readonly deques = new PartitionQueues<ProducerBatch>();
  private readonly drainIndexByNode = new Map<number, number>();
  /** Each partition's place in a node's list, per list the metadata handed out (a new list per update). */
  private readonly positionsByParts = new WeakMap<readonly PartitionRef[], Map<PartitionName, number>>();
  private readonly muted = new Set<PartitionName>();
  private readonly ratios = new CompressionRatioEstimator();
  private availableBytes: number;
  /** BufferPool.queued() > 0: send() is blocked waiting for memory. */
  memoryWaiter = false;
  /**
   * Counts changes to which batch a record would join — a batch opened, closed, put back or
   * removed — so a plan of quiet sends (quiet-sends.ts) knows when it must be made again.
   */
  changes = 0;

  constructor(
    private readonly settings: ProducerSettings,
    private readonly history: ProducerHistory,
  ) {
    this.availableBytes = settings.bufferMemoryBytes;
  }

  get bufferAvailableBytes(): number {
    return this.availableBytes;
  }

  append(ref: PartitionRef, record: AppendRecord, nowUs: number, abortOnNewBatch: boolean): AppendResult {
    const deque = this.dequeFor(ref.name);
    const ratio = this.ratios.estimate(ref.topic);
    const last = deque[deque.length - 1];
    if (last !== undefined) {
      const recordBytes = last.nextRecordBytes(nowUs, record.keyBytes, record.valueBytes);
      if (last.hasRoomFor(recordBytes, this.settings.batchSizeBytes, ratio)) {
        this.appendTo(last, record, recordBytes, nowUs);
        const headWasFull = deque.length > 1;
        return { kind: 'appended', batchIsFull: headWasFull || last.isFull(this.settings.batchSizeBytes, ratio), newBatchCreated: false, headWasFull };
      }
    }
    if (abortOnNewBatch) return { kind: 'abort-for-new-batch' };
    const bufferBytes = Math.max(this.settings.batchSizeBytes, batchUpperBoundBytes(record.keyBytes, record.valueBytes));
    if (bufferBytes > this.availableBytes) return { kind: 'needs-memory' };
    this.availableBytes -= bufferBytes;
    const historyPartition = this.history.partitionIndex(ref.name);
    const rangeId = this.history.openRange(historyPartition, nowUs);
    const firstRecord = this.history.nextRecord(historyPartition);
    const batch = new ProducerBatch(ref, historyPartition, rangeId, firstRecord, nowUs, bufferBytes, this.settings.compression);
    this.appendTo(batch, record, batch.nextRecordBytes(nowUs, record.keyBytes, record.valueBytes), nowUs);
    const headWasFull = deque.length > 1;
    deque.push(batch);
    this.changes++;
    return { kind: 'appended', batchIsFull: deque.length > 1 || batch.isFull(this.settings.batchSizeBytes, ratio), newBatchCreated: true, headWasFull };
  }

  /**
   * The batch a record for `partition` would join without waking the Sender: the deque's only
   * batch, still open. Undefined when an append would open a batch or land behind a full head.
   */
  soleOpenBatch(partition: PartitionName): ProducerBatch | undefined {
    const deque = this.deques.get(partition);
    if (deque === undefined || deque.length !== 1) return undefined;
    const batch = deque[0] as ProducerBatch;
    return batch.closed ? undefined : batch;
  }

  /** The compression ratio estimate appends to `topic` use. */
  ratioEstimate(topic: string): number {
    return this.ratios.estimate(topic);
  }

  /** Returns a done batch's buffer to the pool. */
  deallocate(batch: ProducerBatch): void {
    this.availableBytes += batch.bufferBytes;
    assert(this.availableBytes <= this.settings.bufferMemoryBytes, 'buffer.memory: a buffer was returned twice');
  }

  ready(metadata: ProducerMetadata, nowUs: number): ReadyCheck {
    const readyNodes = new Set<number>();
    const unknownLeaderTopics = new Set<string>();
    let nextReadyCheckDelayUs = Infinity;
    for (const deque of this.deques.nonEmpty()) {
      const batch = deque[0] as ProducerBatch;
      const leader = metadata.leaderFor(batch.topic, batch.partitionNumber);
      if (leader < 0) {
        unknownLeaderTopics.add(batch.topic);
        continue;
      }
      if (readyNodes.has(leader) || this.muted.has(batch.partition)) continue;
      const waitedUs = nowUs - batch.lastAttemptUs;
      const backingOff = batch.attempts > 0 && waitedUs < this.settings.retryBackoffUs;
      const timeToWaitUs = backingOff ? this.settings.retryBackoffUs : this.settings.lingerUs;
      const full = deque.length > 1 || batch.isFull(this.settings.batchSizeBytes, this.ratios.estimate(batch.topic));
      const sendable = full || waitedUs >= timeToWaitUs || this.memoryWaiter;
      if (sendable && !backingOff) readyNodes.add(leader);
      else nextReadyCheckDelayUs = Math.min(nextReadyCheckDelayUs, Math.max(timeToWaitUs - waitedUs, 0));
    }
    return { readyNodes, nextReadyCheckDelayUs, unknownLeaderTopics };
  }

  /** RecordAccumulator.drain for the brokers in `nodes`. */
  drain(metadata: ProducerMetadata, nodes: readonly number[], nowUs: number, txn: TransactionManager | null): Map<number, ProducerBatch[]> {
    const drained = new Map<number, ProducerBatch[]>();
    const queued = this.deques.nonEmpty();
    for (const node of nodes) drained.set(node, this.drainNode(metadata.partitionsForLeader(node), node, queued, nowUs, txn));
    return drained;
  }

  /**
   * drainBatchesForOneNode: visits the node's partitions in turn from its drainIndex, taking one
   * batch from each until max.request.size, and leaves the drainIndex at the last partition
   * visited. Kafka walks every partition the node leads; only the non-empty ones can do anything
   * but move the drainIndex, so when few deques hold batches (the sticky partitioner fills one
   * partition at a time) just those are visited, in the same turn order, with the same outcome.
   */
  private drainNode(parts: readonly PartitionRef[], node: number, queued: readonly ProducerBatch[][], nowUs: number, txn: TransactionManager | null): ProducerBatch[] {
    const ready: ProducerBatch[] = [];
    const count = parts.length;
    if (count === 0) return ready;
    const start = (this.drainIndexByNode.get(node) ?? 0) % count;
    const turns = queued.length * SPARSE_DRAIN_FACTOR < count ? this.turnsOfQueued(parts, start, queued) : null;
    const visits = turns === null ? count : turns.length;
    let last = (start + count - 1) % count;
    let sizeBytes = 0;
    for (let visit = 0; visit < visits; visit++) {
      const index = turns === null ? (start + visit) % count : (start + (turns[visit] as number)) % count;
      const part = parts[index] as PartitionRef;
      const deque = this.deques.get(part.name);
      const first = deque?.[0];
      if (deque === undefined || first === undefined || this.muted.has(part.name)) continue;
      if (first.attempts > 0 && nowUs - first.lastAttemptUs < this.settings.retryBackoffUs) continue;
      if ((sizeBytes + first.sizeBytes > this.settings.maxRequestSizeBytes && ready.length > 0) || (txn !== null && txn.shouldStopDrain(first))) {
        last = index;
        break;
      }
      deque.shift();
      if (txn !== null && !first.hasSequence) txn.assignSequence(first);
      this.close(first);
      sizeBytes += first.sizeBytes;
      ready.push(first);
    }
    this.drainIndexByNode.set(node, last);
    return ready;
  }

  /** The turns (distance from `start`) of the node's partitions that have batches queued, in order. */
  private turnsOfQueued(parts: readonly PartitionRef[], start: number, queued: readonly ProducerBatch[][]): number[] {
    let positions = this.positionsByParts.get(parts);
    if (positions === undefined) {
      positions = new Map(parts.map((part, index) => [part.name, index]));
      this.positionsByParts.set(parts, positions);
    }
    const turns: number[] = [];
    for (const deque of queued) {
      // A deque an earlier node of this drain emptied belongs to that node, not this one.
      const head = deque[0];
      const position = head === undefined ? undefined : positions.get(head.partition);
      if (position !== undefined) turns.push((position - start + parts.length) % parts.length);
    }
    return turns.sort((a, b) => a - b);
  }

  /** A drained batch stops taking records; its compression teaches the ratio estimate. */
  private close(batch: ProducerBatch): void {
    if (batch.closed) return;
    batch.closed = true;
    this.changes++;
    if (this.settings.compression !== 'none') this.ratios.update(batch.topic, batch.observedCompressionRatio);
  }

  /** RecordAccumulator.reenqueue: back to the front, in sequence order when idempotent. */
  reenqueue(batch: ProducerBatch, nowUs: number, idempotent: boolean): void {
    batch.reenqueued(nowUs);
    this.changes++;
    const deque = this.dequeFor(batch.partition);
    if (!idempotent || !batch.hasSequence) {
      deque.unshift(batch);
      return;
    }
    // insertInSequenceOrder: before the first batch that is unsequenced or has a higher sequence.
    let at = 0;
    while (at < deque.length) {
      const queued = deque[at] as ProducerBatch;
      if (!queued.hasSequence || queued.baseSequence > batch.baseSequence) break;
      at++;
    }
    deque.splice(at, 0, batch);
  }

  /** Batches still queued whose delivery timeout has passed, removed from their deques. */
  expiredBatches(nowUs: number): ProducerBatch[] {
    const expired: ProducerBatch[] = [];
    for (const deque of this.deques.nonEmpty()) {
      while (deque.length > 0 && (deque[0] as ProducerBatch).hasReachedDeliveryTimeout(this.settings.deliveryTimeoutUs, nowUs)) {
        expired.push(deque.shift() as ProducerBatch);
      }
    }
    if (expired.length > 0) this.changes++;
    return expired;
  }

  /** Earliest delivery deadline among queued batches (each deque's head is its oldest). */
  nextExpiryUs(): number {
    let earliest = Infinity;
    for (const deque of this.deques.nonEmpty()) {
      const head = deque[0];
      if (head !== undefined) earliest = Math.min(earliest, head.createdUs + this.settings.deliveryTimeoutUs);
    }
    return earliest;
  }

  mutePartition(name: PartitionName): void {
    this.muted.add(name);
  }

  unmutePartition(name: PartitionName): void {
    this.muted.delete(name);
  }

  /** Removes and returns every queued batch (a fatal error aborts them all). */
  takeAll(): ProducerBatch[] {
    const all: ProducerBatch[] = [];
    for (const deque of this.deques.nonEmpty()) all.push(...deque.splice(0));
    this.changes++;
    return all;
  }

  private appendTo(batch: ProducerBatch, record: AppendRecord, recordBytes: number, nowUs: number): void {
    batch.append(nowUs, recordBytes);
    this.history.appendRecord(batch.historyPartition, batch.rangeId, record.invokeUs, record.keyIndex);
  }

  private dequeFor(name: PartitionName): ProducerBatch[] {
    return this.deques.queue(name);
  }
}
