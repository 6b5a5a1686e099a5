// A broker's logs on its disks: kafka.log.LogManager (Kafka 2.8 / 3.x). Each partition replica's
// log is a file on one of the machine's disks (a log dir, JBOD); the PartitionLog object is the
// file's structured image, so it outlives the broker process as the disk does.
//
// - Startup (LogManager.loadLogs): every log on every disk is opened. After a power loss the
//   bytes that were not yet durable are gone: the log recovers to the batches that lie wholly
//   within the surviving bytes (log.ts `recoverTo`), dropping a torn tail, and the epoch cache is
//   trimmed with it. A process crash loses nothing: the OS kept the page cache (FIDELITY A9).
// - Appends write each batch's bytes to the log's file (into the page cache; the disk model writes
//   them back as Linux does). `flush.messages` / `flush.ms` (log.flush.interval.*), when set,
//   fsync the log; by default Kafka never does and relies on replication.
// - Retention (LogManager.cleanupLogs every log.retention.check.interval.ms): each log deletes
//   closed segments past retention.ms / retention.bytes, below its own high watermark.
// - replication-offset-checkpoint: every replica.high.watermark.checkpoint.interval.ms the
//   broker writes every partition's HW to a checkpoint file (write, fsync, rename); a restarted
//   broker reads the last durable one. The pre-KIP-101 truncation rule starts from it.
//
// A new log goes to the disk holding the fewest logs (LogManager.nextLogDirs). Simplified: no
// recovery-point checkpoint (recovery always scans to the surviving end, at no CPU cost), no
// log-start-offset checkpoint, no compaction; flush.ms is checked every flush.ms.

import { SimAssertionError, assert } from '../core/assert.ts';
import type { ActorContext, FileHandle } from '../hw/actor.ts';
import type { KafkaBrokerConfig } from './broker-config.ts';
import { PartitionLog, type LogBatch, type LogConfig } from './log.ts';
import type { BatchPayload, PartitionName } from './protocol.ts';

/** Logs one broker may hold. */
export const MAX_LOGS_PER_BROKER = 100_000;
const HW_CHECKPOINT_FILE = 'replication-offset-checkpoint';
/** Bytes per entry of a checkpoint file ("topic partition offset\n"). */
const CHECKPOINT_ENTRY_BYTES = 32;

/** What a log file holds: the partition it belongs to and its log. */
interface LogFileContents {
  readonly partition: PartitionName;
  log: PartitionLog<BatchPayload> | null;
}

export interface FlushPolicy {
  /** flush.messages (log.flush.interval.messages); null: never by count. */
  readonly flushMessages: number | null;
  /** flush.ms (log.flush.interval.ms); null: never by time. */
  readonly flushMs: number | null;
}

interface OpenLog {
  readonly file: FileHandle;
  readonly log: PartitionLog<BatchPayload>;
  flush: FlushPolicy;
  unflushedRecords: number;
}

export interface RecoveredLog {
  readonly partition: PartitionName;
  readonly log: PartitionLog<BatchPayload>;
}

export class LogManager {
  private readonly logs = new Map<PartitionName, OpenLog>();
  private readonly logsPerDisk: number[];

  constructor(
    private readonly ctx: ActorContext,
    private readonly brokerId: number,
    private readonly config: KafkaBrokerConfig,
  ) {
    this.logsPerDisk = new Array<number>(ctx.diskCount).fill(0);
  }

  /** LogManager.loadLogs: opens and recovers every log on every disk, in disk and creation order. */
  loadLogs(): RecoveredLog[] {
    const recovered: RecoveredLog[] = [];
    for (let index = 0; index < this.ctx.diskCount; index++) {
      const disk = this.ctx.disk(index);
      for (const name of disk.fileNames()) {
        const file = disk.file(name);
        const contents = file.contents as LogFileContents | undefined;
        if (contents?.log === undefined || contents.log === null) continue;
        this.recover(contents.partition, contents.log, file);
        this.logs.set(contents.partition, { file, log: contents.log, flush: this.defaultFlush(), unflushedRecords: 0 });
        this.logsPerDisk[index]!++;
        recovered.push({ partition: contents.partition, log: contents.log });
      }
    }
    return recovered;
  }

  log(partition: PartitionName): PartitionLog<BatchPayload> | undefined {
    return this.logs.get(partition)?.log;
  }

  /** LogManager.getOrCreateLog: an empty log on the least used disk. */
  getOrCreateLog(partition: PartitionName, logConfig: LogConfig, flush: FlushPolicy): PartitionLog<BatchPayload> {
    const open = this.logs.get(partition);
    if (open !== undefined) {
      open.log.setConfig(logConfig);
      open.flush = flush;
      return open.log;
    }
    assert(this.logs.size < MAX_LOGS_PER_BROKER, () => `broker ${this.brokerId}: more than ${MAX_LOGS_PER_BROKER} logs`);
    const diskIndex = this.logsPerDisk.indexOf(Math.min(...this.logsPerDisk));
    const file = this.freshFile(diskIndex, partition);
    const log = new PartitionLog<BatchPayload>({ config: logConfig });
    const contents: LogFileContents = { partition, log };
    file.contents = contents;
    this.logs.set(partition, { file, log, flush, unflushedRecords: 0 });
    this.logsPerDisk[diskIndex]!++;
    return log;
  }

  /**
   * Writes an appended batch's bytes to the log's file and applies flush.messages. Returns how
   * long the writing thread blocks (past vm.dirty_ratio), in µs.
   */
  appended(partition: PartitionName, batch: LogBatch<BatchPayload>): number {
    const open = this.logs.get(partition);
    assert(open !== undefined, () => `broker ${this.brokerId}: append to ${partition}, which has no log`);
    const blockedUs = open.file.append(batch.sizeBytes);
    assert(
      open.file.endPosition === batch.endBytePosition,
      () => `broker ${this.brokerId}: ${partition} log bytes (${batch.endBytePosition}) out of step with its file (${open.file.endPosition})`,
    );
    open.unflushedRecords += batch.recordCount;
    const { flushMessages } = open.flush;
    if (flushMessages !== null && open.unflushedRecords >= flushMessages) this.flush(open);
    return blockedUs;
  }

  /** StopReplica with deletePartition: the log is gone (its file's bytes stay as a hole). */
  deleteLog(partition: PartitionName): void {
    const open = this.logs.get(partition);
    if (open === undefined) return;
    (open.file.contents as LogFileContents).log = null;
    this.logs.delete(partition);
  }

  /** One retention pass over every log (LogManager.cleanupLogs). */
  applyRetention(highWatermarkOf: (partition: PartitionName) => number): void {
    for (const [partition, open] of this.logs) {
      const deleted = open.log.applyRetention(this.ctx.now, highWatermarkOf(partition));
      for (const segment of deleted) {
        this.ctx.trace.emit('segment-deleted', {
          broker: this.brokerId,
          partition,
          baseOffset: segment.baseOffset,
          endOffset: segment.endOffset,
          records: segment.recordCount,
          bytes: segment.sizeBytes,
          reason: segment.reason,
          logStartOffset: open.log.logStartOffset,
        });
      }
    }
  }

  /** LogManager.flushDirtyLogs for logs with flush.ms set (run every flush.ms). */
  flushByTime(): void {
    for (const open of this.logs.values()) if (open.flush.flushMs !== null && open.unflushedRecords > 0) this.flush(open);
  }

  /** The smallest flush.ms of any log, for the flusher's period; null when none sets it. */
  flushIntervalMs(): number | null {
    let smallest: number | null = this.config['log.flush.interval.ms'];
    for (const open of this.logs.values()) {
      const ms = open.flush.flushMs;
      if (ms !== null && (smallest === null || ms < smallest)) smallest = ms;
    }
    return smallest;
  }

  /** Writes replication-offset-checkpoint (ReplicaManager.checkpointHighWatermarks). */
  checkpointHighWatermarks(highWatermarks: ReadonlyMap<PartitionName, number>): void {
    const file = this.ctx.disk(0).file(HW_CHECKPOINT_FILE);
    file.writeSnapshot(new Map(highWatermarks), CHECKPOINT_ENTRY_BYTES * (highWatermarks.size + 1));
  }

  /** The last checkpointed high watermarks that survived (the durable one after a power loss). */
  checkpointedHighWatermarks(): ReadonlyMap<PartitionName, number> {
    const snapshot = this.ctx.disk(0).file(HW_CHECKPOINT_FILE).snapshot;
    return snapshot instanceof Map ? (snapshot as Map<PartitionName, number>) : new Map();
  }

  /**
   * An unused file for a new log: a log's byte positions start at 0 and must match its file's, so
   * a partition deleted and created again (its old file's bytes still counted) gets a new file.
   */
  private freshFile(diskIndex: number, partition: PartitionName): FileHandle {
    const disk = this.ctx.disk(diskIndex);
    const base = partition.replace('/', '-');
    for (let generation = 0; generation < MAX_LOGS_PER_BROKER; generation++) {
      const file = disk.file(generation === 0 ? `${base}.log` : `${base}.${generation}.log`);
      if (file.endPosition === 0 && file.contents === undefined) return file;
    }
    throw new SimAssertionError(`broker ${this.brokerId}: no free file for ${partition}`);
  }

  private defaultFlush(): FlushPolicy {
    return { flushMessages: this.config['log.flush.interval.messages'], flushMs: this.config['log.flush.interval.ms'] };
  }

  private flush(open: OpenLog): void {
    open.unflushedRecords = 0;
    open.file.fsync(() => undefined);
  }

  private recover(partition: PartitionName, log: PartitionLog<BatchPayload>, file: FileHandle): void {
    const fromLogEndOffset = log.logEndOffset;
    const result = log.recoverTo(file.survivingPosition);
    if (result.removedRecordCount === 0) return;
    this.ctx.trace.emit('log-recovered', {
      broker: this.brokerId,
      partition,
      fromLogEndOffset,
      toLogEndOffset: log.logEndOffset,
      removedRecords: result.removedRecordCount,
      removedBytes: result.removedBytes,
    });
  }
}
