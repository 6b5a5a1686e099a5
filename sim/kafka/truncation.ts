// What a follower replica truncates, and when, under each `replication.protocol`: the per-partition
// state of Kafka's AbstractFetcherThread (PartitionFetchState: Truncating / Fetching) with the
// truncation rules of ReplicaManager.makeFollowers and AbstractFetcherThread of each era. The
// fetcher is a small state machine driven by request and response values; the owner (Partition)
// applies the truncations it decides, and the broker actor only ferries messages.
//
// Phases: `idle` (not a follower, or no leader), `needs-epoch-query` (Kafka's Truncating: send
// OffsetsForLeaderEpoch before fetching), `fetching`, `fenced` (FENCED_LEADER_EPOCH: wait for the
// next LeaderAndIsr), `failed` (the fetched data does not continue the log; Kafka marks the
// partition failed until it is re-added).
//
// - `hw-truncation` (before 0.11): on becoming a follower the replica truncates to its own high
//   watermark, then fetches from its LEO. Its HW lags the leader's by a fetch round, so a restart
//   can drop committed records (KIP-101 scenario 1); and a replica whose HW is at its LEO keeps
//   records the new leader never had (scenario 2: divergence).
// - `kip-101` (1.0-1.1): the follower sends OffsetsForLeaderEpoch with its latest epoch; the leader
//   answers only an end offset (the start of its first later epoch, or its LEO), UNDEFINED when it
//   cannot tell, and the follower truncates to min(answer, LEO), or to its HW on UNDEFINED. If the
//   leader never had the follower's latest epoch (fast back-to-back elections), the answer can lie
//   above the point where the logs diverge and the replicas diverge for good (KAFKA-6361).
// - `kip-279` (2.0): the answer carries the epoch it found too. A follower that does not have
//   that epoch truncates to its own end of the largest epoch below it and asks again; otherwise it
//   truncates to min(its end, the leader's end): the largest common (epoch, offset).
// - `kip-320` (today; KIP-320 fencing in 2.1, truncation on fetch in 2.7 by KAFKA-10554): no
//   query up front. Fetches carry currentLeaderEpoch (the leader answers FENCED_LEADER_EPOCH or
//   UNKNOWN_LEADER_EPOCH when they differ) and lastFetchedEpoch; a leader whose log diverges
//   answers with divergingEpoch, and the follower truncates by the KIP-279 rule above.
//
// Before KAFKA-7164 (2.1) Partition.makeFollower skipped the become-follower steps, truncation
// included, when the leader broker did not change, so a follower that missed a whole epoch never
// truncated what that epoch overwrote; the three historical modes keep that rule, `kip-320`
// restarts the fetcher on every new epoch.
//
// OFFSET_OUT_OF_RANGE is handled as AbstractFetcherThread.handleOutOfRangeError: truncate to the
// leader's LEO when it is below the follower's (the classic unclean-election loss), or restart the
// log at the leader's log start offset when that is above the follower's LEO; Kafka learns both
// offsets with ListOffsets requests, here the error response carries them.

import { UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET, type EpochEndOffset } from './epoch-cache.ts';
import type { LogBatch, PartitionLog } from './log.ts';
import type { ProducerStateManager } from './producer-state.ts';
import { ErrorCode, type FetchPartitionResponse } from './protocol.ts';

/** `replication.protocol` (DESIGN §6); the scenario layer offers the same four names. */
export type ReplicationProtocol = 'hw-truncation' | 'kip-101' | 'kip-279' | 'kip-320';

export type FetcherPhase = 'idle' | 'needs-epoch-query' | 'fetching' | 'fenced' | 'failed';

/** What the rules read of the follower's own log. */
export interface FollowerLogView {
  readonly logEndOffset: number;
  readonly logStartOffset: number;
  readonly highWatermark: number;
  /** The latest epoch in the log's epoch cache, UNDEFINED_EPOCH when it is empty. */
  readonly latestEpoch: number;
  endOffsetForEpoch(epoch: number): EpochEndOffset;
}

export type TruncationReason =
  | 'high-watermark'
  | 'leader-epoch'
  | 'diverging-epoch'
  | 'leader-log-end'
  | 'leader-log-start';

export interface TruncateTo {
  readonly offset: number;
  readonly reason: TruncationReason;
  /** UnifiedLog.truncateFullyAndStartAt rather than truncateTo. */
  readonly fully: boolean;
}

/** A truncation done, for the trace and the checker's explanations. */
export interface TruncationRecord<P> {
  readonly reason: TruncationReason;
  readonly protocol: ReplicationProtocol;
  readonly fromLogEndOffset: number;
  readonly toLogEndOffset: number;
  /** The batches this replica lost, in offset order. */
  readonly removedBatches: readonly LogBatch<P>[];
  readonly removedRecordCount: number;
}

/** The epoch question of an OffsetsForLeaderEpoch request for this partition. */
export interface EpochQuery {
  readonly currentLeaderEpoch: number;
  readonly leaderEpoch: number;
}

export interface EpochAnswer {
  readonly error: ErrorCode;
  readonly leaderEpoch: number;
  readonly endOffset: number;
}

/** The position fields of a follower's FetchRequest for this partition. */
export interface FetchPosition {
  readonly fetchOffset: number;
  readonly currentLeaderEpoch: number;
  readonly lastFetchedEpoch: number;
}

/**
 * A leader's fetch answer for one partition as followers read it. With OFFSET_OUT_OF_RANGE it
 * also carries the leader's LEO and log start offset, which Kafka's follower would learn with two
 * ListOffsets requests (one round trip instead of three; see the header).
 */
export interface ReplicaFetchPartitionResponse extends FetchPartitionResponse {
  leaderLogEndOffset?: number;
}

export type FetcherStep =
  /** A stale answer: the fetcher moved on since the request was sent. */
  | { readonly kind: 'ignore' }
  /** Back off (replica.fetch.backoff.ms) and ask again. */
  | { readonly kind: 'retry'; readonly error: ErrorCode }
  | { readonly kind: 'fenced' }
  | { readonly kind: 'truncate'; readonly truncateTo: TruncateTo }
  | { readonly kind: 'append' }
  /** The fetched batches do not continue the log; fetching stops until the next LeaderAndIsr. */
  | { readonly kind: 'failed'; readonly detail: string };

export interface FollowStart {
  /** False when Partition.makeFollower's answer is "nothing to do" (same leader before KAFKA-7164). */
  readonly restarted: boolean;
  readonly truncateTo?: TruncateTo;
}

const IGNORE: FetcherStep = { kind: 'ignore' };

/**
 * AbstractFetcherThread.getOffsetTruncationState (KIP-279, Kafka 2.0+): where a follower
 * truncates given the leader's (epoch, end offset), and whether it must ask again.
 */
export function truncationPoint(
  leader: EpochEndOffset,
  log: FollowerLogView,
): { readonly offset: number; readonly completed: boolean; readonly reason: TruncationReason } {
  const logEndOffset = log.logEndOffset;
  if (leader.endOffset === UNDEFINED_EPOCH_OFFSET) {
    return { offset: Math.min(log.highWatermark, logEndOffset), completed: true, reason: 'high-watermark' };
  }
  if (leader.leaderEpoch === UNDEFINED_EPOCH) {
    // A KIP-101 (version 0) answer: an offset only.
    return { offset: Math.min(leader.endOffset, logEndOffset), completed: true, reason: 'leader-epoch' };
  }
  const own = log.endOffsetForEpoch(leader.leaderEpoch);
  if (own.endOffset === UNDEFINED_EPOCH_OFFSET) {
    return { offset: Math.min(leader.endOffset, logEndOffset), completed: true, reason: 'leader-epoch' };
  }
  if (own.leaderEpoch !== leader.leaderEpoch) {
    return { offset: Math.min(own.endOffset, logEndOffset), completed: false, reason: 'leader-epoch' };
  }
  return {
    offset: Math.min(own.endOffset, leader.endOffset, logEndOffset),
    completed: true,
    reason: 'leader-epoch',
  };
}

/**
 * Applies a truncation to a follower's log (the log trims its epoch cache too) and rebuilds the
 * producer state from what is left when idempotent batches went (UnifiedLog.truncateTo).
 */
export function truncateLog<P>(
  log: PartitionLog<P>,
  producerState: ProducerStateManager,
  target: TruncateTo,
  protocol: ReplicationProtocol,
): TruncationRecord<P> {
  const fromLogEndOffset = log.logEndOffset;
  const result = target.fully ? log.truncateFullyAndStartAt(target.offset) : log.truncateTo(target.offset);
  if (result.removedBatches.some((batch) => batch.producerId >= 0)) producerState.rebuild(log.batches());
  return {
    reason: target.reason,
    protocol,
    fromLogEndOffset,
    toLogEndOffset: log.logEndOffset,
    removedBatches: result.removedBatches,
    removedRecordCount: result.removedRecordCount,
  };
}

export class FollowerFetcher {
  private currentPhase: FetcherPhase = 'idle';
  private leader = -1;
  private epoch = UNDEFINED_EPOCH;

  constructor(readonly protocol: ReplicationProtocol) {}

  get phase(): FetcherPhase {
    return this.currentPhase;
  }

  get leaderId(): number {
    return this.leader;
  }

  get leaderEpoch(): number {
    return this.epoch;
  }

  /**
   * A LeaderAndIsr makes this replica a follower of `leaderId` in `leaderEpoch`
   * (Partition.makeFollower, ReplicaManager.makeFollowers, AbstractFetcherThread.addPartitions).
   */
  follow(leaderId: number, leaderEpoch: number, log: FollowerLogView): FollowStart {
    const wasFollowing = this.currentPhase !== 'idle' && this.leader === leaderId;
    const sameEpoch = this.epoch === leaderEpoch;
    this.leader = leaderId;
    this.epoch = leaderEpoch;
    const unchanged = this.protocol === 'kip-320' ? wasFollowing && sameEpoch : wasFollowing;
    if (unchanged) return { restarted: false };
    if (leaderId < 0) {
      this.currentPhase = 'idle';
      return { restarted: false };
    }
    const toHighWatermark: TruncateTo = { offset: log.highWatermark, reason: 'high-watermark', fully: false };
    if (this.protocol === 'hw-truncation' || log.latestEpoch === UNDEFINED_EPOCH) {
      this.currentPhase = 'fetching';
      return { restarted: true, truncateTo: toHighWatermark };
    }
    this.currentPhase = this.protocol === 'kip-320' ? 'fetching' : 'needs-epoch-query';
    return { restarted: true };
  }

  /** No longer a follower (became leader, StopReplica, offline). */
  stop(): void {
    this.currentPhase = 'idle';
    this.leader = -1;
  }

  epochQuery(log: FollowerLogView): EpochQuery | undefined {
    if (this.currentPhase !== 'needs-epoch-query') return undefined;
    return { currentLeaderEpoch: this.fencingEpoch(), leaderEpoch: log.latestEpoch };
  }

  /** An OffsetsForLeaderEpoch answer from broker `from`, for this partition. */
  onEpochAnswer(from: number, sent: EpochQuery, answer: EpochAnswer, log: FollowerLogView): FetcherStep {
    if (from !== this.leader || this.currentPhase !== 'needs-epoch-query') return IGNORE;
    if (sent.leaderEpoch !== log.latestEpoch) return IGNORE;
    if (sent.currentLeaderEpoch !== this.fencingEpoch()) return IGNORE;
    if (answer.error !== ErrorCode.NONE) return this.onError(answer.error);
    const point = truncationPoint({ leaderEpoch: answer.leaderEpoch, endOffset: answer.endOffset }, log);
    // Only KIP-279 walks back over several rounds; KIP-101 takes the single answer.
    if (point.completed || this.protocol !== 'kip-279') this.currentPhase = 'fetching';
    return { kind: 'truncate', truncateTo: { offset: point.offset, reason: point.reason, fully: false } };
  }

  fetchPosition(log: FollowerLogView): FetchPosition | undefined {
    if (this.currentPhase !== 'fetching') return undefined;
    const kip320 = this.protocol === 'kip-320';
    return {
      fetchOffset: log.logEndOffset,
      currentLeaderEpoch: this.fencingEpoch(),
      lastFetchedEpoch: kip320 ? log.latestEpoch : UNDEFINED_EPOCH,
    };
  }

  /**
   * A fetch answer from broker `from` for this partition. Only an answer from the current leader
   * to the request the fetcher would send now counts: Kafka runs one fetcher thread per source
   * broker and drops a partition from the old leader's thread when the leader changes, and
   * AbstractFetcherThread.processFetchRequest checks the fetch offset and the epoch.
   */
  onFetchAnswer(
    from: number,
    sent: FetchPosition,
    answer: ReplicaFetchPartitionResponse,
    log: FollowerLogView,
  ): FetcherStep {
    if (from !== this.leader || this.currentPhase !== 'fetching') return IGNORE;
    if (sent.fetchOffset !== log.logEndOffset) return IGNORE;
    if (sent.currentLeaderEpoch !== this.fencingEpoch()) return IGNORE;
    if (answer.error === ErrorCode.OFFSET_OUT_OF_RANGE) return this.onOutOfRange(answer, log);
    if (answer.error !== ErrorCode.NONE) return this.onError(answer.error);
    if (answer.divergingEpoch !== undefined) {
      const diverging = { leaderEpoch: answer.divergingEpoch.epoch, endOffset: answer.divergingEpoch.endOffset };
      const point = truncationPoint(diverging, log);
      return { kind: 'truncate', truncateTo: { offset: point.offset, reason: 'diverging-epoch', fully: false } };
    }
    const first = answer.batches[0];
    if (first !== undefined && first.baseOffset !== log.logEndOffset) {
      this.currentPhase = 'failed';
      return {
        kind: 'failed',
        detail: `fetched batch starts at ${first.baseOffset}, not at the log end offset ${log.logEndOffset}`,
      };
    }
    return { kind: 'append' };
  }

  /** KIP-320 fencing is what the fetcher sends as currentLeaderEpoch; older fetchers send -1. */
  private fencingEpoch(): number {
    return this.protocol === 'kip-320' ? this.epoch : UNDEFINED_EPOCH;
  }

  private onError(error: ErrorCode): FetcherStep {
    if (error === ErrorCode.FENCED_LEADER_EPOCH) {
      this.currentPhase = 'fenced';
      return { kind: 'fenced' };
    }
    return { kind: 'retry', error };
  }

  private onOutOfRange(answer: ReplicaFetchPartitionResponse, log: FollowerLogView): FetcherStep {
    const leaderEnd = answer.leaderLogEndOffset;
    if (leaderEnd !== undefined && leaderEnd >= 0 && leaderEnd < log.logEndOffset) {
      return { kind: 'truncate', truncateTo: { offset: leaderEnd, reason: 'leader-log-end', fully: false } };
    }
    if (answer.logStartOffset > log.logEndOffset) {
      return {
        kind: 'truncate',
        truncateTo: { offset: answer.logStartOffset, reason: 'leader-log-start', fully: true },
      };
    }
    return { kind: 'retry', error: ErrorCode.OFFSET_OUT_OF_RANGE };
  }
}
