// One replica's log of one partition: kafka.log.UnifiedLog over LocalLog and LogSegment (Kafka
// 2.x/3.x), at record-batch granularity. A batch is the unit of everything here (append, index,
// fetch, truncation, recovery), so the cost of a run grows with batches, not records.
//
// - Offsets: a leader assigns them from the log end offset (LEO); a follower keeps the leader's
//   and must append exactly at its LEO. Every append also records the batch's leader epoch in the
//   log's LeaderEpochCache (UnifiedLog.maybeAssignEpochStartOffset), and every truncation trims it.
// - Segments roll (UnifiedLog.maybeRoll, LogSegment.shouldRoll) when the active segment is
//   non-empty and either the batch would push it past `segment.bytes` (log.segment.bytes, 1 GiB)
//   or the batch's largest timestamp is more than `segment.ms` (log.roll.ms/hours, 168 h) after
//   the segment's first batch's. Each segment has a sparse offset index: after more than
//   `index.interval.bytes` (4096) bytes since the last entry, the next batch gets an entry, as in
//   LogSegment.append. Lookups binary-search the segments, then the index, then scan a few batches.
// - Reads (LocalLog.read) return whole batches from the batch containing the fetch offset, within
//   one segment, below an offset bound (the HW for consumers) and within maxBytes, but at least
//   one batch when `minOneBatch` (KIP-74), however large it is.
// - Retention (UnifiedLog.deleteOldSegments, run by LogManager every
//   log.retention.check.interval.ms): segments below the log start offset, then oldest segments
//   while the log exceeds `retention.bytes` by at least a whole segment, then oldest segments
//   whose largest timestamp is older than `retention.ms`. Only segments wholly below the high
//   watermark qualify, and deletion stops at the first segment that does not. As in Kafka, the
//   active segment qualifies too once it is non-empty, entirely below the HW and entirely
//   expired: a new empty active segment is rolled first. A record therefore outlives retention.ms
//   for as long as a newer record shares its segment. The log start offset moves to the first
//   remaining segment.
// - Byte positions model the bytes written to disk: each batch records the position its last byte
//   reaches, `endBytePosition`. Positions are never reused, even after a truncation (a new batch
//   starts after every byte ever written), so a disk model that flushes in append order can say
//   "bytes below N are durable" without tracking truncations, and `recoverTo(N)` keeps exactly the
//   batches wholly below N, as log recovery drops a torn tail batch after a power loss.
//
// Simplified: no compaction, transactions, producer-state snapshots or time index (its role in
// truncation is played by a running largest timestamp kept with each index entry); timestamps are
// simulated time; log.roll.jitter.ms is 0; truncating into the middle of a batch removes that
// whole batch and leaves the LEO at its base offset (Kafka would set the LEO to the target and
// leave a gap); a deleted segment is gone at once (no file.delete.delay.ms).

import { assert } from '../core/assert.ts';
import { US_PER_MS } from '../core/time.ts';
import { LeaderEpochCache, type EpochEndOffset } from './epoch-cache.ts';

/** Live batches one log may hold; more is a runaway scenario, not something to page to disk. */
export const MAX_BATCHES_PER_LOG = 8_000_000;

/** Topic-level log configs (broker defaults in parentheses), in Kafka's native units. */
export interface LogConfig {
  /** segment.bytes (log.segment.bytes). */
  readonly segmentBytes: number;
  /** segment.ms (log.roll.ms, log.roll.hours). */
  readonly segmentMs: number;
  /** retention.ms (log.retention.ms/minutes/hours); -1 keeps data forever. */
  readonly retentionMs: number;
  /** retention.bytes (log.retention.bytes), per partition; -1 is unlimited. */
  readonly retentionBytes: number;
  /** index.interval.bytes (log.index.interval.bytes). */
  readonly indexIntervalBytes: number;
}

export const DEFAULT_LOG_CONFIG: LogConfig = {
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 168 * 3_600_000,
  retentionMs: 168 * 3_600_000,
  retentionBytes: -1,
  indexIntervalBytes: 4096,
};

/** What a producer's request carries for one batch; the leader assigns the offsets. */
export interface BatchInput<P> {
  readonly recordCount: number;
  readonly leaderEpoch: number;
  /** -1 (NO_PRODUCER_ID), -1 and -1 when the producer is not idempotent. */
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly sizeBytes: number;
  /** When this replica appended the batch. */
  readonly appendTimeUs: number;
  /** The batch's largest record timestamp (CreateTime); drives segment.ms and retention.ms. */
  readonly maxTimestampUs: number;
  /** Opaque to the log: the producer's record identities. Shared by reference, never copied. */
  readonly payload: P;
}

export interface RecordBatch<P> extends BatchInput<P> {
  readonly baseOffset: number;
  readonly lastOffset: number;
}

export interface LogBatch<P> extends RecordBatch<P> {
  /** Position just past this batch's last byte in this replica's log (see the header). */
  readonly endBytePosition: number;
}

export interface ReadResult<P> {
  readonly batches: readonly LogBatch<P>[];
  readonly sizeBytes: number;
}

/** The answer to a read that starts at the end: one shared, frozen value instead of a new one per fetch. */
const NOTHING_READ: ReadResult<never> = Object.freeze({ batches: Object.freeze([]), sizeBytes: 0 });

export interface TruncationResult<P> {
  /** Removed batches in offset order: the writes this replica lost. */
  readonly removedBatches: readonly LogBatch<P>[];
  readonly removedRecordCount: number;
  readonly removedBytes: number;
  readonly logEndOffset: number;
}

export type SegmentDeletionReason = 'log-start-offset' | 'retention-bytes' | 'retention-ms';

export interface SegmentInfo {
  readonly baseOffset: number;
  /** Exclusive: the next segment's base offset, or the LEO for the active segment. */
  readonly endOffset: number;
  readonly batchCount: number;
  readonly recordCount: number;
  readonly sizeBytes: number;
  /** -1 (RecordBatch.NO_TIMESTAMP) while empty. */
  readonly largestTimestampUs: number;
  readonly indexEntryCount: number;
}

export interface DeletedSegment extends SegmentInfo {
  readonly reason: SegmentDeletionReason;
}

export interface PartitionLogOptions {
  readonly config?: Partial<LogConfig>;
  /** Offset of the first record (a new replica of an existing partition may start later). */
  readonly startOffset?: number;
  readonly maxBatches?: number;
}

interface Segment {
  readonly baseOffset: number;
  /** Slot (see PartitionLog.slotBase) of the segment's first batch, or of its next one if empty. */
  readonly firstSlot: number;
  batchCount: number;
  recordCount: number;
  sizeBytes: number;
  largestTimestampUs: number;
  bytesSinceLastIndexEntry: number;
  /** Sparse index, parallel columns: key = indexed batch's last offset, as OffsetIndex. */
  readonly indexLastOffsets: number[];
  readonly indexSlots: number[];
  /** Largest timestamp of the segment's batches before each indexed batch. */
  readonly indexPriorLargestTimestampsUs: number[];
}

const NO_TIMESTAMP = -1;
const NO_LOSS = { removedBatches: [], removedRecordCount: 0, removedBytes: 0 } as const;

function newSegment(baseOffset: number, firstSlot: number): Segment {
  return {
    baseOffset,
    firstSlot,
    batchCount: 0,
    recordCount: 0,
    sizeBytes: 0,
    largestTimestampUs: NO_TIMESTAMP,
    bytesSinceLastIndexEntry: 0,
    indexLastOffsets: [],
    indexSlots: [],
    indexPriorLargestTimestampsUs: [],
  };
}

function isCount(value: number, min: number): boolean {
  return Number.isInteger(value) && value >= min;
}

function checkConfig(config: LogConfig): LogConfig {
  assert(
    isCount(config.segmentBytes, 1) && isCount(config.segmentMs, 1) &&
      isCount(config.retentionMs, -1) && isCount(config.retentionBytes, -1) &&
      isCount(config.indexIntervalBytes, 0),
    () => `PartitionLog: invalid log config ${JSON.stringify(config)}`,
  );
  return config;
}

export class PartitionLog<P> {
  /** The leader epochs of this log's batches (KIP-101/279); appends and truncations keep it in step. */
  readonly epochCache = new LeaderEpochCache();
  private logConfig: LogConfig;
  private readonly maxBatches: number;
  // Batches live in stored[head..]; the batch in array cell i has slot slotBase + i. Slots name a
  // batch for the whole time it is in the log, so deleting old batches (advancing head, and now
  // and then compacting the array) never rewrites the segments' index entries.
  private stored: LogBatch<P>[] = [];
  private head = 0;
  private slotBase = 0;
  private segments: Segment[];
  private leo: number;
  private startOffset: number;
  private totalBytes = 0;
  private totalRecords = 0;
  private bytePosition = 0;
  private truncations = 0;

  constructor(options: PartitionLogOptions = {}) {
    this.logConfig = checkConfig({ ...DEFAULT_LOG_CONFIG, ...options.config });
    this.maxBatches = options.maxBatches ?? MAX_BATCHES_PER_LOG;
    const startOffset = options.startOffset ?? 0;
    assert(isCount(startOffset, 0), `PartitionLog: invalid start offset ${startOffset}`);
    this.leo = startOffset;
    this.startOffset = startOffset;
    this.segments = [newSegment(startOffset, 0)];
  }

  get config(): LogConfig {
    return this.logConfig;
  }

  /** A dynamic topic-config change; it applies from the next append or retention pass. */
  setConfig(changes: Partial<LogConfig>): void {
    this.logConfig = checkConfig({ ...this.logConfig, ...changes });
  }

  get logEndOffset(): number {
    return this.leo;
  }

  get logStartOffset(): number {
    return this.startOffset;
  }

  /** Bytes in all segments, including batches below the log start offset not yet deleted. */
  get sizeBytes(): number {
    return this.totalBytes;
  }

  get recordCount(): number {
    return this.totalRecords;
  }

  get batchCount(): number {
    return this.stored.length - this.head;
  }

  /** Where the next batch's bytes will start; only ever grows. */
  get nextBytePosition(): number {
    return this.bytePosition;
  }

  /**
   * How many truncations have removed batches from this log. While it stays the same, every batch
   * in the log stays in place (appends only add above the LEO; retention only removes below the log
   * start offset), which lets the live invariants skip re-checking what they already compared.
   */
  get truncationCount(): number {
    return this.truncations;
  }

  get firstBatch(): LogBatch<P> | undefined {
    return this.stored[this.head];
  }

  get lastBatch(): LogBatch<P> | undefined {
    return this.batchCount === 0 ? undefined : this.stored[this.stored.length - 1];
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /** UnifiedLog.endOffsetForEpoch: the epoch cache's answer, against this log's LEO. */
  endOffsetForEpoch(requestedEpoch: number): EpochEndOffset {
    return this.epochCache.endOffsetFor(requestedEpoch, this.leo);
  }

  /** Leader append: offsets come from the LEO. Returns the stored batch (offsets, position). */
  append(input: BatchInput<P>): LogBatch<P> {
    this.checkBatch(input);
    const baseOffset = this.leo;
    return this.store(input, baseOffset, baseOffset + input.recordCount - 1, input.appendTimeUs);
  }

  /** Follower append of a fetched batch, keeping the leader's offsets; it must start at the LEO. */
  appendAsFollower(batch: RecordBatch<P>, appendTimeUs = batch.appendTimeUs): LogBatch<P> {
    this.checkBatch(batch);
    assert(
      batch.baseOffset === this.leo && batch.lastOffset - batch.baseOffset + 1 === batch.recordCount,
      () => `PartitionLog.appendAsFollower: batch [${batch.baseOffset}, ${batch.lastOffset}] ` +
        `with ${batch.recordCount} records does not continue the log end offset ${this.leo}`,
    );
    return this.store(batch, batch.baseOffset, batch.lastOffset, appendTimeUs);
  }

  /** The batch holding `offset`, if it is still physically in the log; O(log n). */
  batchContaining(offset: number): LogBatch<P> | undefined {
    if (this.batchCount === 0 || offset < this.firstBatch!.baseOffset || offset >= this.leo) {
      return undefined;
    }
    return this.batchAtSlot(this.slotContaining(this.segments[this.segmentIndexFor(offset)]!, offset));
  }

  /** The batch whose base offset is exactly `offset`. */
  batchAt(offset: number): LogBatch<P> | undefined {
    const batch = this.batchContaining(offset);
    return batch !== undefined && batch.baseOffset === offset ? batch : undefined;
  }

  /** Live batches in offset order. */
  *batches(): IterableIterator<LogBatch<P>> {
    for (let i = this.head; i < this.stored.length; i++) yield this.stored[i]!;
  }

  /**
   * A fetch from `fromOffset` (logStartOffset ≤ fromOffset ≤ LEO; the broker answers
   * OFFSET_OUT_OF_RANGE otherwise): whole batches from the one containing fromOffset, within its
   * segment, each entirely below maxOffsetExclusive, while the total stays within maxBytes; with
   * minOneBatch the first batch is returned even when it alone exceeds maxBytes.
   */
  read(fromOffset: number, maxBytes: number, maxOffsetExclusive = this.leo, minOneBatch = true): ReadResult<P> {
    assert(
      fromOffset >= this.startOffset && fromOffset <= this.leo,
      () => `PartitionLog.read: offset ${fromOffset} outside [${this.startOffset}, ${this.leo}]`,
    );
    if (fromOffset >= this.leo || fromOffset >= maxOffsetExclusive) return NOTHING_READ;
    const batches: LogBatch<P>[] = [];
    let sizeBytes = 0;
    const segment = this.segments[this.segmentIndexFor(fromOffset)]!;
    const endSlot = segment.firstSlot + segment.batchCount;
    for (let slot = this.slotContaining(segment, fromOffset); slot < endSlot; slot++) {
      const batch = this.batchAtSlot(slot);
      if (batch.lastOffset >= maxOffsetExclusive) break;
      if (sizeBytes + batch.sizeBytes > maxBytes && !(minOneBatch && batches.length === 0)) break;
      batches.push(batch);
      sizeBytes += batch.sizeBytes;
    }
    return { batches, sizeBytes };
  }

  /**
   * UnifiedLog.truncateTo: removes every batch at or above targetOffset (a batch straddling it
   * goes whole), trims the epoch cache, and lowers the log start offset if needed. A target below
   * the first segment empties the log and restarts it there. A target at or above the LEO removes
   * nothing but still trims epoch entries at the LEO (an epoch a failed leader assigned but never
   * wrote).
   */
  truncateTo(targetOffset: number): TruncationResult<P> {
    assert(isCount(targetOffset, 0), `PartitionLog.truncateTo: invalid offset ${targetOffset}`);
    if (targetOffset >= this.leo) {
      this.epochCache.truncateFromEnd(this.leo);
      return { ...NO_LOSS, logEndOffset: this.leo };
    }
    if (targetOffset < this.segments[0]!.baseOffset) return this.truncateFullyAndStartAt(targetOffset);
    const cutIndex = this.firstIndexWhere((batch) => batch.lastOffset >= targetOffset);
    const removedBatches = this.stored.slice(cutIndex);
    this.stored.length = cutIndex;
    this.truncations++;
    const newLogEndOffset = removedBatches[0]!.baseOffset;
    while (this.segments.length > 1 && this.segments[this.segments.length - 1]!.baseOffset > newLogEndOffset) {
      this.segments.pop();
    }
    this.trimActiveSegment(this.slotBase + cutIndex, removedBatches);
    let removedRecordCount = 0;
    let removedBytes = 0;
    for (const batch of removedBatches) {
      removedRecordCount += batch.recordCount;
      removedBytes += batch.sizeBytes;
    }
    this.totalRecords -= removedRecordCount;
    this.totalBytes -= removedBytes;
    this.leo = newLogEndOffset;
    this.startOffset = Math.min(this.startOffset, newLogEndOffset);
    this.epochCache.truncateFromEnd(newLogEndOffset);
    return { removedBatches, removedRecordCount, removedBytes, logEndOffset: newLogEndOffset };
  }

  /** UnifiedLog.truncateFullyAndStartAt: drops everything and the epoch cache; LEO = start = offset. */
  truncateFullyAndStartAt(offset: number): TruncationResult<P> {
    assert(isCount(offset, 0), `PartitionLog.truncateFullyAndStartAt: invalid offset ${offset}`);
    const removedBatches = this.stored.slice(this.head);
    const endSlot = this.slotBase + this.stored.length;
    const result = {
      removedBatches,
      removedRecordCount: this.totalRecords,
      removedBytes: this.totalBytes,
      logEndOffset: offset,
    };
    this.stored = [];
    this.head = 0;
    this.slotBase = endSlot;
    this.truncations++;
    this.segments = [newSegment(offset, endSlot)];
    this.totalBytes = 0;
    this.totalRecords = 0;
    this.leo = offset;
    this.startOffset = offset;
    this.epochCache.clear();
    return result;
  }

  /**
   * Log recovery after a power loss: keeps exactly the batches that end at or before
   * `durableBytePosition` and truncates from the first one that does not (a torn or lost batch),
   * trimming the epoch cache to the recovered LEO as Kafka's log loading does.
   */
  recoverTo(durableBytePosition: number): TruncationResult<P> {
    const cutIndex = this.firstIndexWhere((batch) => batch.endBytePosition > durableBytePosition);
    const firstLost = this.stored[cutIndex];
    return this.truncateTo(firstLost === undefined ? this.leo : firstLost.baseOffset);
  }

  /**
   * UnifiedLog.maybeIncrementLogStartOffset (DeleteRecords, or a follower following its leader's
   * start offset). The caller checks offset ≤ HW; the segments below go at the next retention pass.
   */
  advanceLogStartOffset(offset: number): boolean {
    assert(
      Number.isInteger(offset) && offset <= this.leo,
      () => `PartitionLog.advanceLogStartOffset: ${offset} is beyond the log end offset ${this.leo}`,
    );
    if (offset <= this.startOffset) return false;
    this.startOffset = offset;
    this.epochCache.truncateFromStart(offset);
    return true;
  }

  /**
   * One LogManager cleanup pass (UnifiedLog.deleteOldSegments, Kafka 3.x order: log start offset,
   * retention.bytes, retention.ms). `highWatermark` bounds what may go: a segment is deletable only
   * if every offset in it is below the HW. Returns the deleted segments, oldest first.
   */
  applyRetention(nowUs: number, highWatermark: number): DeletedSegment[] {
    const deleted: DeletedSegment[] = [];
    this.deleteOldSegments(
      (_, next) => next !== undefined && next.baseOffset <= this.startOffset,
      'log-start-offset', highWatermark, deleted,
    );
    const { retentionBytes, retentionMs } = this.logConfig;
    if (retentionBytes >= 0 && this.totalBytes >= retentionBytes) {
      let excessBytes = this.totalBytes - retentionBytes;
      this.deleteOldSegments((segment) => {
        if (excessBytes < segment.sizeBytes) return false;
        excessBytes -= segment.sizeBytes;
        return true;
      }, 'retention-bytes', highWatermark, deleted);
    }
    if (retentionMs >= 0) {
      const retentionUs = retentionMs * US_PER_MS;
      this.deleteOldSegments(
        (segment) => nowUs - segment.largestTimestampUs > retentionUs,
        'retention-ms', highWatermark, deleted,
      );
    }
    return deleted;
  }

  /** Per-segment introspection, oldest first; the last one is the active segment. */
  segmentInfos(): SegmentInfo[] {
    return this.segments.map((segment, i) => this.describe(segment, this.segments[i + 1]));
  }

  private checkBatch(batch: BatchInput<P>): void {
    assert(
      isCount(batch.recordCount, 1) && isCount(batch.sizeBytes, 1) && isCount(batch.leaderEpoch, 0) &&
        Number.isFinite(batch.maxTimestampUs),
      () => `PartitionLog: malformed batch (records ${batch.recordCount}, bytes ${batch.sizeBytes}, ` +
        `epoch ${batch.leaderEpoch}, timestamp ${batch.maxTimestampUs})`,
    );
    assert(
      batch.sizeBytes <= this.logConfig.segmentBytes,
      () => `PartitionLog: a ${batch.sizeBytes}-byte batch exceeds segment.bytes ` +
        `${this.logConfig.segmentBytes}; the broker must reject it (RECORD_BATCH_TOO_LARGE)`,
    );
    assert(
      this.batchCount < this.maxBatches,
      () => `PartitionLog: more than ${this.maxBatches} batches in one log (MAX_BATCHES_PER_LOG); ` +
        'shorten the run, lower retention, or raise batch.size',
    );
  }

  private store(src: BatchInput<P>, baseOffset: number, lastOffset: number, appendTimeUs: number): LogBatch<P> {
    let segment = this.segments[this.segments.length - 1]!;
    if (this.shouldRoll(segment, src)) {
      segment = newSegment(baseOffset, this.slotBase + this.stored.length);
      this.segments.push(segment);
    }
    this.bytePosition += src.sizeBytes;
    const batch: LogBatch<P> = {
      baseOffset,
      lastOffset,
      recordCount: src.recordCount,
      leaderEpoch: src.leaderEpoch,
      producerId: src.producerId,
      producerEpoch: src.producerEpoch,
      baseSequence: src.baseSequence,
      sizeBytes: src.sizeBytes,
      appendTimeUs,
      maxTimestampUs: src.maxTimestampUs,
      payload: src.payload,
      endBytePosition: this.bytePosition,
    };
    if (segment.bytesSinceLastIndexEntry > this.logConfig.indexIntervalBytes) {
      segment.indexLastOffsets.push(lastOffset);
      segment.indexSlots.push(this.slotBase + this.stored.length);
      segment.indexPriorLargestTimestampsUs.push(segment.largestTimestampUs);
      segment.bytesSinceLastIndexEntry = 0;
    }
    segment.bytesSinceLastIndexEntry += src.sizeBytes;
    segment.batchCount++;
    segment.recordCount += src.recordCount;
    segment.sizeBytes += src.sizeBytes;
    segment.largestTimestampUs = Math.max(segment.largestTimestampUs, src.maxTimestampUs);
    this.stored.push(batch);
    this.totalBytes += src.sizeBytes;
    this.totalRecords += src.recordCount;
    this.leo = lastOffset + 1;
    this.epochCache.assign(src.leaderEpoch, baseOffset);
    return batch;
  }

  /** LogSegment.shouldRoll for a non-empty active segment (an empty one is never rolled). */
  private shouldRoll(active: Segment, incoming: BatchInput<P>): boolean {
    if (active.batchCount === 0) return false;
    if (active.sizeBytes > this.logConfig.segmentBytes - incoming.sizeBytes) return true;
    const firstTimestampUs = this.batchAtSlot(active.firstSlot).maxTimestampUs;
    return incoming.maxTimestampUs - firstTimestampUs > this.logConfig.segmentMs * US_PER_MS;
  }

  /**
   * After a truncation that removed every batch from `endSlot` on: shrink the new active segment
   * by the removed batches that were in it, drop their index entries, and find its largest
   * timestamp from the last remaining index entry, so the work is bounded by index.interval.bytes.
   */
  private trimActiveSegment(endSlot: number, removedBatches: readonly LogBatch<P>[]): void {
    const segment = this.segments[this.segments.length - 1]!;
    const removedHere = segment.firstSlot + segment.batchCount - endSlot;
    for (let i = 0; i < removedHere; i++) {
      segment.recordCount -= removedBatches[i]!.recordCount;
      segment.sizeBytes -= removedBatches[i]!.sizeBytes;
    }
    segment.batchCount -= removedHere;
    const slots = segment.indexSlots;
    while (slots.length > 0 && slots[slots.length - 1]! >= endSlot) {
      slots.pop();
      segment.indexLastOffsets.pop();
      segment.indexPriorLargestTimestampsUs.pop();
    }
    const entries = slots.length;
    let largestUs = entries === 0 ? NO_TIMESTAMP : segment.indexPriorLargestTimestampsUs[entries - 1]!;
    for (let slot = entries === 0 ? segment.firstSlot : slots[entries - 1]!; slot < endSlot; slot++) {
      largestUs = Math.max(largestUs, this.batchAtSlot(slot).maxTimestampUs);
    }
    segment.largestTimestampUs = largestUs;
    segment.bytesSinceLastIndexEntry = 0;
  }

  private deleteOldSegments(
    shouldDelete: (segment: Segment, next: Segment | undefined) => boolean,
    reason: SegmentDeletionReason,
    highWatermark: number,
    deleted: DeletedSegment[],
  ): void {
    let count = 0;
    while (count < this.segments.length) {
      const segment = this.segments[count]!;
      const next = this.segments[count + 1];
      if (next === undefined && segment.batchCount === 0) break;
      if (highWatermark < (next === undefined ? this.leo : next.baseOffset)) break;
      if (!shouldDelete(segment, next)) break;
      count++;
    }
    if (count === 0) return;
    // A log always has an active segment: when every segment goes, roll a new one first.
    if (count === this.segments.length) this.segments.push(newSegment(this.leo, this.endSlot));
    let batches = 0;
    for (let i = 0; i < count; i++) {
      const segment = this.segments[i]!;
      deleted.push({ ...this.describe(segment, this.segments[i + 1]), reason });
      batches += segment.batchCount;
      this.totalBytes -= segment.sizeBytes;
      this.totalRecords -= segment.recordCount;
    }
    this.segments.splice(0, count);
    this.dropOldestBatches(batches);
    const firstBaseOffset = this.segments[0]!.baseOffset;
    if (firstBaseOffset > this.startOffset) {
      this.startOffset = firstBaseOffset;
      this.epochCache.truncateFromStart(firstBaseOffset);
    }
  }

  /** Advances past deleted batches; compacts the array once the dead prefix is its larger half. */
  private dropOldestBatches(count: number): void {
    this.head += count;
    if (this.head >= 16 && this.head * 2 >= this.stored.length) {
      this.stored.copyWithin(0, this.head);
      this.stored.length -= this.head;
      this.slotBase += this.head;
      this.head = 0;
    }
  }

  private describe(segment: Segment, next: Segment | undefined): SegmentInfo {
    return {
      baseOffset: segment.baseOffset,
      endOffset: next === undefined ? this.leo : next.baseOffset,
      batchCount: segment.batchCount,
      recordCount: segment.recordCount,
      sizeBytes: segment.sizeBytes,
      largestTimestampUs: segment.largestTimestampUs,
      indexEntryCount: segment.indexSlots.length,
    };
  }

  private get endSlot(): number {
    return this.slotBase + this.stored.length;
  }

  private batchAtSlot(slot: number): LogBatch<P> {
    return this.stored[slot - this.slotBase]!;
  }

  /** Index of the last segment whose base offset is ≤ offset (binary search). */
  private segmentIndexFor(offset: number): number {
    let low = 0;
    let high = this.segments.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) low = mid + 1;
      else high = mid;
    }
    return Math.max(0, low - 1);
  }

  /**
   * OffsetIndex.lookup then a forward scan, as LogSegment.translateOffset: the last index entry
   * whose key (an indexed batch's last offset) is ≤ offset, then batches until one reaches it.
   */
  private slotContaining(segment: Segment, offset: number): number {
    const keys = segment.indexLastOffsets;
    let low = 0;
    let high = keys.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (keys[mid]! <= offset) low = mid + 1;
      else high = mid;
    }
    let slot = low === 0 ? segment.firstSlot : segment.indexSlots[low - 1]!;
    const lastSlot = segment.firstSlot + segment.batchCount - 1;
    while (slot < lastSlot && this.batchAtSlot(slot).lastOffset < offset) slot++;
    return slot;
  }

  /** First array index in [head, length) whose batch satisfies a predicate monotone in offset. */
  private firstIndexWhere(predicate: (batch: LogBatch<P>) => boolean): number {
    let low = this.head;
    let high = this.stored.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (predicate(this.stored[mid]!)) high = mid;
      else low = mid + 1;
    }
    return low;
  }
}
