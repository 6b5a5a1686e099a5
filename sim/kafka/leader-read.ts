// What a partition leader answers to Fetch and OffsetsForLeaderEpoch, without changing any state:
// Partition.readRecords, checkCurrentLeaderEpoch and lastOffsetForLeaderEpoch (Kafka 2.8 / 3.x).
//
// - Fencing (KIP-320): a request's currentLeaderEpoch below the replica's epoch is answered
//   FENCED_LEADER_EPOCH (the requester is behind), above it UNKNOWN_LEADER_EPOCH (this replica has
//   not yet heard of the new epoch); -1, sent by older followers and clients, skips the check.
//   Then only the leader answers; anyone else says NOT_LEADER_OR_FOLLOWER.
// - Divergence (KIP-320 as used by the follower fetcher since 2.7, KAFKA-10554): a fetch with
//   lastFetchedEpoch ≥ 0 is checked against the epoch cache first. The cache's end offset for that
//   epoch (the largest epoch ≤ it that the leader knows, ending where the next one starts) tells
//   whether the follower's log still matches: if the epoch found is smaller, or it ends before the
//   fetch offset, the answer is that (epoch, end offset) as divergingEpoch and no records.
// - A fetch offset outside [log start, LEO] is OFFSET_OUT_OF_RANGE. The answer then also carries
//   the leader's LEO and log start offset, which Kafka's follower would fetch with ListOffsets.
// - Followers read up to the LEO, consumers up to the high watermark; whole batches, at least one
//   (KIP-74), within the partition's maxBytes (PartitionLog.read).
// - OffsetsForLeaderEpoch answers with LeaderEpochFileCache.endOffsetFor (KIP-279); a `kip-101`
//   leader answers as Kafka 1.0 did, with an offset only (endOffsetForKip101).
//
// Error answers carry -1 for the high watermark and log start offset, as Kafka's do.

import { UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from './epoch-cache.ts';
import type { LogBatch, PartitionLog } from './log.ts';
import {
  ErrorCode,
  type BatchPayload,
  type FetchPartitionRequest,
  type OffsetsForLeaderEpochRequest,
  type OffsetsForLeaderEpochResponse,
  type PartitionName,
  type WireBatch,
} from './protocol.ts';
import type { ReplicaFetchPartitionResponse, ReplicationProtocol } from './truncation.ts';

export type EpochQueryEntry = OffsetsForLeaderEpochRequest['partitions'][number];
export type EpochAnswerEntry = OffsetsForLeaderEpochResponse['partitions'][number];

/** What the read path needs to know of a replica. */
export interface LeaderReadView {
  readonly name: PartitionName;
  readonly log: PartitionLog<BatchPayload>;
  readonly isLeader: boolean;
  readonly leaderEpoch: number;
  readonly highWatermark: number;
  readonly replicationProtocol: ReplicationProtocol;
}

/** The batches of an answer with none (most fetches of an idle partition): shared and frozen. */
const NO_BATCHES: readonly WireBatch[] = Object.freeze([]);

export function toWireBatch(batch: LogBatch<BatchPayload>): WireBatch {
  return {
    baseOffset: batch.baseOffset,
    recordCount: batch.recordCount,
    leaderEpoch: batch.leaderEpoch,
    producerId: batch.producerId,
    producerEpoch: batch.producerEpoch,
    baseSequence: batch.baseSequence,
    sizeBytes: batch.sizeBytes,
    createTimeUs: batch.maxTimestampUs,
    payload: batch.payload,
  };
}

/** Partition.checkCurrentLeaderEpoch, then "is this replica the leader". */
export function leaderError(view: LeaderReadView, currentLeaderEpoch: number): ErrorCode {
  if (currentLeaderEpoch >= 0 && view.leaderEpoch > currentLeaderEpoch) return ErrorCode.FENCED_LEADER_EPOCH;
  if (currentLeaderEpoch >= 0 && view.leaderEpoch < currentLeaderEpoch) return ErrorCode.UNKNOWN_LEADER_EPOCH;
  return view.isLeader ? ErrorCode.NONE : ErrorCode.NOT_LEADER_OR_FOLLOWER;
}

/** A follower fetch: fencing, divergence, then records up to the LEO. */
export function readForFollower(
  view: LeaderReadView,
  request: FetchPartitionRequest,
): ReplicaFetchPartitionResponse {
  const error = leaderError(view, request.currentLeaderEpoch);
  if (error !== ErrorCode.NONE) return errorResponse(view.name, error);
  if (request.lastFetchedEpoch >= 0) {
    const end = view.log.endOffsetForEpoch(request.lastFetchedEpoch);
    if (end.endOffset === UNDEFINED_EPOCH_OFFSET) return outOfRange(view);
    if (end.leaderEpoch < request.lastFetchedEpoch || end.endOffset < request.fetchOffset) {
      return { ...okResponse(view, []), divergingEpoch: { epoch: end.leaderEpoch, endOffset: end.endOffset } };
    }
  }
  return read(view, request, view.log.logEndOffset);
}

/** A consumer fetch: fencing, then records below the high watermark. */
export function readForConsumer(
  view: LeaderReadView,
  request: FetchPartitionRequest,
): ReplicaFetchPartitionResponse {
  const error = leaderError(view, request.currentLeaderEpoch);
  return error === ErrorCode.NONE ? read(view, request, view.highWatermark) : errorResponse(view.name, error);
}

/** Partition.lastOffsetForLeaderEpoch, answered by the leader only. */
export function answerEpochQuery(view: LeaderReadView, query: EpochQueryEntry): EpochAnswerEntry {
  const error = leaderError(view, query.currentLeaderEpoch);
  if (error !== ErrorCode.NONE) {
    return { partition: view.name, error, leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
  }
  if (view.replicationProtocol === 'kip-101') {
    const endOffset = view.log.epochCache.endOffsetForKip101(query.leaderEpoch, view.log.logEndOffset);
    return { partition: view.name, error, leaderEpoch: UNDEFINED_EPOCH, endOffset };
  }
  return { partition: view.name, error, ...view.log.endOffsetForEpoch(query.leaderEpoch) };
}

function read(
  view: LeaderReadView,
  request: FetchPartitionRequest,
  maxOffsetExclusive: number,
): ReplicaFetchPartitionResponse {
  const log = view.log;
  if (request.fetchOffset < log.logStartOffset || request.fetchOffset > log.logEndOffset) return outOfRange(view);
  const result = log.read(request.fetchOffset, request.maxBytes, maxOffsetExclusive);
  return okResponse(view, result.batches.length === 0 ? NO_BATCHES : result.batches.map(toWireBatch));
}

function okResponse(view: LeaderReadView, batches: readonly WireBatch[]): ReplicaFetchPartitionResponse {
  return {
    partition: view.name,
    error: ErrorCode.NONE,
    highWatermark: view.highWatermark,
    logStartOffset: view.log.logStartOffset,
    batches,
  };
}

function outOfRange(view: LeaderReadView): ReplicaFetchPartitionResponse {
  const leaderLogEndOffset = view.log.logEndOffset;
  return { ...okResponse(view, []), error: ErrorCode.OFFSET_OUT_OF_RANGE, leaderLogEndOffset };
}

function errorResponse(partition: PartitionName, error: ErrorCode): ReplicaFetchPartitionResponse {
  return { partition, error, highWatermark: -1, logStartOffset: -1, batches: [] };
}
