// One producer batch (org.apache.kafka.clients.producer.internals.ProducerBatch with its
// MemoryRecordsBuilder): the records the producer has gathered for one partition, sized as the
// v2 record format sizes them, plus the state the Sender and TransactionManager keep on it
// (attempts, backoff clock, producer id / epoch / base sequence, done).
//
// Sizes follow DefaultRecord.sizeInBytes (varint lengths, zig-zag encoded) and the 61-byte
// RecordBatch header. A batch is full when the header plus the estimated written bytes reach
// batch.size (MemoryRecordsBuilder.isFull / hasRoomFor); with compression the estimate is the
// uncompressed size times the topic's estimated ratio times 1.05
// (COMPRESSION_RATE_ESTIMATION_FACTOR), and the estimate learns from each closed batch as
// CompressionRatioEstimator does: down by 0.005 per batch that compressed better, up by at least
// 0.05 when one compressed worse. The first record always fits.
//
// Simplified: record contents are not materialised; a compressed batch is its uncompressed record
// bytes divided by the codec's ratio (producer-config.ts), so every batch of a codec compresses
// alike. Headers are never set; batches are never split (MESSAGE_TOO_LARGE is not produced).

import { BATCH_HEADER_BYTES, type PartitionName } from '../kafka/protocol.ts';
import { COMPRESSION_RATIO, type CompressionCodec } from './producer-config.ts';
import { PartitionQueues } from './partition-queues.ts';
import type { PartitionRef } from './producer-metadata.ts';

const COMPRESSION_RATE_ESTIMATION_FACTOR = 1.05;
const COMPRESSION_RATIO_IMPROVING_STEP = 0.005;
const COMPRESSION_RATIO_DETERIORATE_STEP = 0.05;
/** DefaultRecord.MAX_RECORD_OVERHEAD: the largest varint framing of one record. */
const MAX_RECORD_OVERHEAD_BYTES = 21;

/** ByteUtils.sizeOfVarlong for a value ≥ −1 (zig-zag, then 7 bits per byte). */
export function varintSizeBytes(value: number): number {
  let zigzag = value >= 0 ? value * 2 : -value * 2 - 1;
  let bytes = 1;
  while (zigzag >= 128) {
    zigzag = Math.floor(zigzag / 128);
    bytes++;
  }
  return bytes;
}

/** DefaultRecord.sizeInBytes with no headers; a key of −1 bytes is a null key. */
export function recordSizeBytes(offsetDelta: number, timestampDeltaMs: number, keyBytes: number, valueBytes: number): number {
  const keyPart = keyBytes < 0 ? 1 : varintSizeBytes(keyBytes) + keyBytes;
  const body = 1 + varintSizeBytes(timestampDeltaMs) + varintSizeBytes(offsetDelta) + keyPart + varintSizeBytes(valueBytes) + valueBytes + 1;
  return varintSizeBytes(body) + body;
}

/** DefaultRecordBatch.estimateBatchSizeUpperBound: the buffer a record alone may need. */
export function batchUpperBoundBytes(keyBytes: number, valueBytes: number): number {
  return BATCH_HEADER_BYTES + MAX_RECORD_OVERHEAD_BYTES + Math.max(0, keyBytes) + valueBytes;
}

/** CompressionRatioEstimator: one learned ratio per topic and codec. */
export class CompressionRatioEstimator {
  private readonly ratioByTopic = new Map<string, number>();

  estimate(topic: string): number {
    return this.ratioByTopic.get(topic) ?? 1;
  }

  update(topic: string, observedRatio: number): void {
    const current = this.estimate(topic);
    if (observedRatio > current) {
      this.ratioByTopic.set(topic, Math.max(current + COMPRESSION_RATIO_DETERIORATE_STEP, observedRatio));
    } else if (observedRatio < current) {
      this.ratioByTopic.set(topic, Math.max(current - COMPRESSION_RATIO_IMPROVING_STEP, observedRatio));
    }
  }
}

export class ProducerBatch {
  recordCount = 0;
  uncompressedRecordsBytes = 0;
  /** Set when drained: no more records are appended (MemoryRecordsBuilder closed). */
  closed = false;
  /** Times the batch was handed back for another attempt (ProducerBatch.attempts). */
  attempts = 0;
  /** Start of the current wait: creation, then each re-enqueue (lastAttemptMs in Kafka). */
  lastAttemptUs: number;
  /** ProducerBatch.inRetry(). */
  retry = false;
  done = false;
  /** Some earlier attempt may have reached the log: its failure would then be unknown, not definite. */
  mayHaveBeenAppended = false;
  producerId = -1;
  producerEpoch = -1;
  baseSequence = -1;
  /** ProducerBatch.sequenceHasBeenReset(): renumbered after an epoch bump. */
  sequenceReset = false;
  private baseTimestampMs = -1;

  readonly partition: PartitionName;
  readonly topic: string;
  readonly partitionNumber: number;

  constructor(
    ref: PartitionRef,
    /** The partition's index in the producer's history. */
    readonly historyPartition: number,
    /** The batch's range id in the history. */
    readonly rangeId: number,
    /** Index of the first record in the partition's send order (ProducerRecords.firstRecord). */
    readonly firstRecord: number,
    readonly createdUs: number,
    /** Bytes taken from buffer.memory, returned when the batch is done. */
    readonly bufferBytes: number,
    private readonly compression: CompressionCodec,
  ) {
    this.partition = ref.name;
    this.topic = ref.topic;
    this.partitionNumber = ref.partition;
    this.lastAttemptUs = createdUs;
  }

  /** The size the next record would add (DefaultRecord.sizeInBytes with its deltas). */
  nextRecordBytes(nowUs: number, keyBytes: number, valueBytes: number): number {
    const timestampMs = Math.floor(nowUs / 1000);
    const deltaMs = this.baseTimestampMs < 0 ? 0 : timestampMs - this.baseTimestampMs;
    return recordSizeBytes(this.recordCount, deltaMs, keyBytes, valueBytes);
  }

  /** MemoryRecordsBuilder.hasRoomFor against batch.size. */
  hasRoomFor(recordBytes: number, batchSizeBytes: number, ratioEstimate: number): boolean {
    if (this.closed) return false;
    if (this.recordCount === 0) return true;
    return batchSizeBytes >= this.estimatedBytes(ratioEstimate) + recordBytes;
  }

  isFull(batchSizeBytes: number, ratioEstimate: number): boolean {
    return this.closed || (this.recordCount > 0 && batchSizeBytes <= this.estimatedBytes(ratioEstimate));
  }

  /**
   * The bytes a record appended at `nowUs` would add if the batch held `count` records of
   * `recordsBytes` (the records planned ahead of it included) and the append were quiet: it fits
   * (hasRoomFor) and leaves the batch not full (isFull), so send() wakes nobody. −1 otherwise.
   */
  quietAppendBytes(count: number, recordsBytes: number, nowUs: number, keyBytes: number, valueBytes: number, batchSizeBytes: number, ratioEstimate: number): number {
    if (this.closed || count === 0) return -1;
    const recordBytes = recordSizeBytes(count, Math.floor(nowUs / 1000) - this.baseTimestampMs, keyBytes, valueBytes);
    if (batchSizeBytes < this.estimateOf(recordsBytes, ratioEstimate) + recordBytes) return -1;
    if (batchSizeBytes <= this.estimateOf(recordsBytes + recordBytes, ratioEstimate)) return -1;
    return recordBytes;
  }

  append(nowUs: number, recordBytes: number): void {
    if (this.baseTimestampMs < 0) this.baseTimestampMs = Math.floor(nowUs / 1000);
    this.recordCount++;
    this.uncompressedRecordsBytes += recordBytes;
  }

  /** MemoryRecordsBuilder.estimatedBytesWritten. */
  estimatedBytes(ratioEstimate: number): number {
    return this.estimateOf(this.uncompressedRecordsBytes, ratioEstimate);
  }

  private estimateOf(recordsBytes: number, ratioEstimate: number): number {
    if (this.compression === 'none') return BATCH_HEADER_BYTES + recordsBytes;
    return BATCH_HEADER_BYTES + Math.floor(recordsBytes * ratioEstimate * COMPRESSION_RATE_ESTIMATION_FACTOR);
  }

  /** Bytes on the wire: the header and the records as the codec compresses them. */
  get sizeBytes(): number {
    return BATCH_HEADER_BYTES + Math.ceil(this.uncompressedRecordsBytes / COMPRESSION_RATIO[this.compression]);
  }

  /** Compressed / uncompressed record bytes, fed to the ratio estimator when the batch closes. */
  get observedCompressionRatio(): number {
    return 1 / COMPRESSION_RATIO[this.compression];
  }

  get hasSequence(): boolean {
    return this.baseSequence >= 0;
  }

  get lastSequence(): number {
    return this.baseSequence + this.recordCount - 1;
  }

  /** ProducerBatch.reenqueued: another attempt starts its backoff now. */
  reenqueued(nowUs: number): void {
    this.attempts++;
    this.lastAttemptUs = nowUs;
    this.retry = true;
  }

  hasReachedDeliveryTimeout(deliveryTimeoutUs: number, nowUs: number): boolean {
    return deliveryTimeoutUs <= nowUs - this.createdUs;
  }

  setProducerState(producerId: number, producerEpoch: number, baseSequence: number): void {
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.baseSequence = baseSequence;
  }

  /** ProducerBatch.resetProducerState: renumbered by an epoch bump (KIP-360). */
  resetProducerState(producerId: number, producerEpoch: number, baseSequence: number): void {
    this.setProducerState(producerId, producerEpoch, baseSequence);
    this.sequenceReset = true;
  }
}

/** Sender.inFlightBatches: per partition, the drained batches not yet done, in drain order. */
export class InFlightBatches {
  private readonly byPartition = new PartitionQueues<ProducerBatch>();

  add(batch: ProducerBatch): void {
    this.byPartition.queue(batch.partition).push(batch);
  }

  remove(batch: ProducerBatch): void {
    const list = this.byPartition.get(batch.partition);
    const at = list === undefined ? -1 : list.indexOf(batch);
    if (at >= 0) (list as ProducerBatch[]).splice(at, 1);
  }

  /** Sender.getExpiredInflightBatches: removes and returns those past the delivery timeout. */
  expired(deliveryTimeoutUs: number, nowUs: number): ProducerBatch[] {
    const expired: ProducerBatch[] = [];
    for (const list of this.byPartition.nonEmpty()) {
      while (list.length > 0 && (list[0] as ProducerBatch).hasReachedDeliveryTimeout(deliveryTimeoutUs, nowUs)) {
        expired.push(list.shift() as ProducerBatch);
      }
    }
    return expired;
  }

  nextExpiryUs(deliveryTimeoutUs: number): number {
    let earliest = Infinity;
    for (const list of this.byPartition.nonEmpty()) {
      const head = list[0];
      if (head !== undefined) earliest = Math.min(earliest, head.createdUs + deliveryTimeoutUs);
    }
    return earliest;
  }

  /** Removes and returns every batch. */
  takeAll(): ProducerBatch[] {
    const all = this.byPartition.nonEmpty().flat();
    this.byPartition.clear();
    return all;
  }
}
