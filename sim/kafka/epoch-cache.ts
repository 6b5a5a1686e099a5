// The leader-epoch cache of one replica's log: kafka.server.epoch.LeaderEpochFileCache (Kafka
// 2.x/3.x, the `leader-epoch-checkpoint` file). Each entry (epoch, startOffset) says "the first
// batch written in this leader epoch has this offset"; entries are strictly increasing in both.
// A log appends to it on every batch (assign(batch.leaderEpoch, batch.baseOffset)), a new leader
// assigns its epoch at its log end offset before writing anything (Partition.makeLeader), and the
// log truncates it whenever the log itself is truncated or its start offset advances.
//
// Why it exists:
// - KIP-101 (Kafka 0.11/1.0): a restarting or demoted follower used to truncate its log to its
//   high watermark, which could drop committed records (a lagging HW) or keep divergent ones.
//   Instead it asks the leader, with OffsetsForLeaderEpoch, for the end offset of the follower's
//   latest epoch: the start offset of the leader's first later epoch, or the leader's LEO if the
//   epoch is still current. The follower truncates to that offset. Kafka 1.0 answered only an
//   offset, and UNDEFINED when the epoch was below the leader's first cached epoch, in which case
//   the follower fell back to its HW (`endOffsetForKip101`).
// - KIP-279 (Kafka 2.0, KAFKA-6361): the answer also carries the epoch it found: the largest epoch
//   ≤ the requested one that the leader knows. When the leader never had the follower's epoch,
//   the follower looks up its own end offset for the leader's epoch and truncates to the smaller
//   of the two, walking back to the largest common (epoch, offset) over one or more rounds
//   (`endOffsetFor`). This closes the divergence after fast back-to-back leader changes.
//
// Simplified: the checkpoint file is not modelled separately (Kafka flushes it on every change,
// so after a power loss it may hold entries beyond the recovered log, and log recovery truncates
// it to the recovered LEO; PartitionLog.recoverTo does the same).

import { assert } from '../core/assert.ts';

/** Kafka's RecordBatch.NO_PARTITION_LEADER_EPOCH / EpochEndOffset.UNDEFINED_EPOCH. */
export const UNDEFINED_EPOCH = -1;
/** EpochEndOffset.UNDEFINED_EPOCH_OFFSET. */
export const UNDEFINED_EPOCH_OFFSET = -1;
/** Leader elections per partition a run may record before it is treated as runaway. */
export const MAX_EPOCH_ENTRIES = 1_000_000;

export interface EpochEntry {
  readonly epoch: number;
  readonly startOffset: number;
}

/** An OffsetsForLeaderEpoch answer for one partition (without the error code). */
export interface EpochEndOffset {
  readonly leaderEpoch: number;
  readonly endOffset: number;
}

const UNDEFINED_END_OFFSET: EpochEndOffset = {
  leaderEpoch: UNDEFINED_EPOCH,
  endOffset: UNDEFINED_EPOCH_OFFSET,
};

export class LeaderEpochCache {
  // Parallel arrays, sorted ascending in both columns; a partition sees few leader changes.
  private readonly epochs: number[] = [];
  private readonly startOffsets: number[] = [];
  /**
   * The last entry's epoch, kept beside the arrays: every follower fetch request reads it for each
   * of its partitions (lastFetchedEpoch), and a field is one memory access where the array is
   * two more.
   */
  private latest = UNDEFINED_EPOCH;

  /**
   * Records that `epoch` starts at `startOffset`, as LeaderEpochFileCache.assign (Kafka 2.x+).
   * Nothing changes when the latest entry already has this epoch at an offset ≤ startOffset (the
   * common case: every batch of the current epoch calls this). Otherwise every trailing entry
   * that conflicts (an epoch ≥ `epoch` or a start offset ≥ `startOffset`) is removed first, so
   * both columns stay strictly increasing. Returns whether the cache changed.
   */
  assign(epoch: number, startOffset: number): boolean {
    assert(
      Number.isInteger(epoch) && epoch >= 0 && Number.isInteger(startOffset) && startOffset >= 0,
      () => `LeaderEpochCache.assign: invalid entry (epoch ${epoch}, startOffset ${startOffset})`,
    );
    if (this.latest === epoch && startOffset >= this.startOffsets[this.startOffsets.length - 1]!) {
      return false;
    }
    while (this.epochs.length > 0) {
      const i = this.epochs.length - 1;
      if (this.epochs[i]! < epoch && this.startOffsets[i]! < startOffset) break;
      this.epochs.pop();
      this.startOffsets.pop();
    }
    assert(
      this.epochs.length < MAX_EPOCH_ENTRIES,
      `LeaderEpochCache: more than ${MAX_EPOCH_ENTRIES} leader epochs in one log`,
    );
    this.epochs.push(epoch);
    this.startOffsets.push(startOffset);
    this.latest = epoch;
    return true;
  }

  /** The latest epoch with an entry, or UNDEFINED_EPOCH when the cache is empty. */
  get latestEpoch(): number {
    return this.latest;
  }

  get latestEntry(): EpochEntry | undefined {
    return this.entryAt(this.epochs.length - 1);
  }

  get earliestEntry(): EpochEntry | undefined {
    return this.entryAt(0);
  }

  get size(): number {
    return this.epochs.length;
  }

  /** A copy of the entries, oldest first. */
  epochEntries(): EpochEntry[] {
    return this.epochs.map((epoch, i) => ({ epoch, startOffset: this.startOffsets[i]! }));
  }

  /**
   * The leader's answer to OffsetsForLeaderEpoch since KIP-279 (LeaderEpochFileCache.endOffsetFor,
   * Kafka 2.0+): the largest known epoch ≤ requestedEpoch and its end offset, which is the start
   * offset of the next known epoch, or `logEndOffset` when requestedEpoch is the latest epoch.
   * A requested epoch below every known epoch answers (requestedEpoch, first start offset): that
   * data was deleted, and the follower should resume from the leader's earliest epoch. Undefined
   * (-1, -1) when the requested epoch is undefined or above the latest.
   */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): EpochEndOffset {
    if (requestedEpoch === UNDEFINED_EPOCH) return UNDEFINED_END_OFFSET;
    if (this.epochs.length > 0 && this.latestEpoch === requestedEpoch) {
      return { leaderEpoch: requestedEpoch, endOffset: logEndOffset };
    }
    const higher = this.firstIndexAbove(requestedEpoch);
    if (higher === this.epochs.length) return UNDEFINED_END_OFFSET;
    const endOffset = this.startOffsets[higher]!;
    if (higher === 0) return { leaderEpoch: requestedEpoch, endOffset };
    return { leaderEpoch: this.epochs[higher - 1]!, endOffset };
  }

  /**
   * The same question as answered by Kafka 1.0-1.1 (KIP-101 before KIP-279): only an offset, and
   * UNDEFINED_EPOCH_OFFSET both above the latest epoch and below the first one, where the
   * follower then falls back to truncating to its high watermark.
   */
  endOffsetForKip101(requestedEpoch: number, logEndOffset: number): number {
    if (requestedEpoch === UNDEFINED_EPOCH) return UNDEFINED_EPOCH_OFFSET;
    if (this.epochs.length > 0 && this.latestEpoch === requestedEpoch) return logEndOffset;
    const higher = this.firstIndexAbove(requestedEpoch);
    if (higher === this.epochs.length || requestedEpoch < this.epochs[0]!) {
      return UNDEFINED_EPOCH_OFFSET;
    }
    return this.startOffsets[higher]!;
  }

  /**
   * Removes the entries whose start offset is ≥ endOffset (the log was truncated to endOffset),
   * as LeaderEpochFileCache.truncateFromEnd. Returns the removed entries, oldest first.
   */
  truncateFromEnd(endOffset: number): EpochEntry[] {
    const removed: EpochEntry[] = [];
    if (endOffset < 0) return removed;
    while (this.epochs.length > 0 && this.startOffsets[this.epochs.length - 1]! >= endOffset) {
      removed.push({ epoch: this.epochs.pop()!, startOffset: this.startOffsets.pop()! });
    }
    this.latest = this.epochs.length === 0 ? UNDEFINED_EPOCH : this.epochs[this.epochs.length - 1]!;
    return removed.reverse();
  }

  /**
   * The log start offset advanced to startOffset (retention or DeleteRecords), as
   * LeaderEpochFileCache.truncateFromStart: entries starting at or before it are dropped, but the
   * last of them is kept with its start moved up to startOffset, because the records from
   * startOffset up to the next entry still belong to that epoch. Returns the dropped entries.
   */
  truncateFromStart(startOffset: number): EpochEntry[] {
    let count = 0;
    while (count < this.epochs.length && this.startOffsets[count]! <= startOffset) count++;
    if (count === 0) return [];
    const removed = this.epochEntries().slice(0, count);
    const keptEpoch = this.epochs[count - 1]!;
    this.epochs.splice(0, count, keptEpoch);
    this.startOffsets.splice(0, count, startOffset);
    return removed;
  }

  /** Forgets every entry (LeaderEpochFileCache.clearAndFlush, on truncateFullyAndStartAt). */
  clear(): void {
    this.epochs.length = 0;
    this.startOffsets.length = 0;
    this.latest = UNDEFINED_EPOCH;
  }

  /** Index of the first entry whose epoch is > epoch (binary search; length when none). */
  private firstIndexAbove(epoch: number): number {
    let low = 0;
    let high = this.epochs.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.epochs[mid]! > epoch) high = mid;
      else low = mid + 1;
    }
    return low;
  }

  private entryAt(i: number): EpochEntry | undefined {
    if (i < 0 || i >= this.epochs.length) return undefined;
    return { epoch: this.epochs[i]!, startOffset: this.startOffsets[i]! };
  }
}
