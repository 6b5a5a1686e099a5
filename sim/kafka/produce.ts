// The leader's side of one partition of a ProduceRequest: ReplicaManager.appendRecords,
// Partition.appendRecordsToLeader and the produce purgatory (DelayedProduce,
// Partition.checkEnoughReplicasReachOffset), Kafka 2.x-3.x.
//
// In Kafka's order:
// 1. Not the leader: NOT_LEADER_OR_FOLLOWER (unknown partition: UNKNOWN_TOPIC_OR_PARTITION).
// 2. acks=all and the committed ISR is smaller than min.insync.replicas: NOT_ENOUGH_REPLICAS and
//    nothing is appended (FIDELITY A1 with min.insync.replicas=2).
// 3. The idempotence check (producer-state.ts): a duplicate of one of the producer's last five
//    batches is not appended again and is answered with the original offsets; an out-of-order
//    sequence or a fenced producer epoch is an error.
// 4. Append, stamped with the leader epoch.
// 5. acks=0: no response at all (after an error the broker closes the connection instead, as
//    KafkaApis does, so the producer notices). acks=1: answer now. acks=all: a purgatory entry
//    that completes when the HW reaches the batch's last offset + 1 (DelayedProduce.tryComplete),
//    with NOT_ENOUGH_REPLICAS_AFTER_APPEND if the maximal ISR is then smaller than
//    min.insync.replicas (the record stays in the log and may still be read: FIDELITY A11), with
//    NOT_LEADER_OR_FOLLOWER if the replica stopped leading, or with REQUEST_TIMED_OUT when the
//    request's timeout passes first (DelayedProduce.onExpiration). A retried duplicate under
//    acks=all waits for the original batch in the same way.
//
// The purgatory is pure: the broker actor calls checkCompletion after anything that may advance
// the HW or change leadership (an append, a follower fetch, an ISR change, a LeaderAndIsr; Kafka
// completes delayed produces when a replica becomes follower), and expire from its own timer.
// Responses carry the batch's base offset even with an error, for the checker's explanations.

import { assert } from '../core/assert.ts';
import { US_PER_MS } from '../core/time.ts';
import type { LogBatch } from './log.ts';
import type { Partition } from './partition.ts';
import {
  ErrorCode,
  type BatchPayload,
  type PartitionName,
  type PartitionProduce,
  type PartitionProduceResponse,
} from './protocol.ts';

/** Produce requests one broker may hold in purgatory before the run is treated as runaway. */
export const MAX_PENDING_PRODUCES = 1_000_000;

/** What an acks=all append waits for. */
export interface DelayedProduce {
  readonly partition: PartitionName;
  readonly baseOffset: number;
  /** The HW that completes it: the batch's last offset + 1. */
  readonly requiredOffset: number;
  readonly leaderEpoch: number;
  /** When REQUEST_TIMED_OUT answers it (the request's timeoutMs after it arrived). */
  readonly deadlineUs: number;
}

export interface PendingProduce extends DelayedProduce {
  readonly id: number;
}

export type ProduceDecision = {
  /** The batch this request appended; undefined when it appended nothing (errors, duplicates). */
  readonly appended: LogBatch<BatchPayload> | undefined;
  readonly highWatermarkChanged: boolean;
} & (
  | { readonly kind: 'respond'; readonly response: PartitionProduceResponse }
  | { readonly kind: 'no-response'; readonly closeConnection: boolean }
  | { readonly kind: 'wait'; readonly delayed: DelayedProduce }
);

function response(request: PartitionProduce, error: ErrorCode, baseOffset: number, leaderEpoch: number): PartitionProduceResponse {
  return { partition: request.partition, error, baseOffset, leaderEpoch };
}

/** ReplicaManager.appendRecords for a request's one partition; `partition` is this broker's replica. */
export function handleProduce(
  partition: Partition | undefined,
  request: PartitionProduce,
  nowUs: number,
): ProduceDecision {
  if (partition === undefined) {
    return answer(request, response(request, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1, -1), undefined, false);
  }
  const rejected = rejection(partition, request);
  if (rejected !== undefined) {
    return answer(request, response(request, rejected, -1, partition.leaderEpoch), undefined, false);
  }
  const batch = request.batch;
  const check = partition.producerState.check(batch);
  if (check.kind === 'rejected') {
    return answer(request, response(request, check.error, -1, partition.leaderEpoch), undefined, false);
  }
  if (check.kind === 'duplicate') {
    const { baseOffset, lastOffset } = check.original;
    return complete(partition, request, baseOffset, lastOffset, nowUs, undefined, false);
  }
  const appended = partition.appendAsLeader(
    {
      recordCount: batch.recordCount,
      producerId: batch.producerId,
      producerEpoch: batch.producerEpoch,
      baseSequence: batch.baseSequence,
      sizeBytes: batch.sizeBytes,
      appendTimeUs: nowUs,
      maxTimestampUs: batch.createTimeUs,
      payload: batch.payload,
    },
    nowUs,
  );
  const stored = appended.batch;
  const { baseOffset, lastOffset } = stored;
  return complete(partition, request, baseOffset, lastOffset, nowUs, stored, appended.highWatermarkChanged);
}

/**
 * Partition.checkEnoughReplicasReachOffset for one delayed produce: its response once it can be
 * answered, undefined while it must keep waiting.
 */
export function checkCompletion(
  delayed: DelayedProduce,
  partition: Partition | undefined,
): PartitionProduceResponse | undefined {
  const errorOf = (error: ErrorCode): PartitionProduceResponse => ({
    partition: delayed.partition,
    error,
    baseOffset: delayed.baseOffset,
    leaderEpoch: delayed.leaderEpoch,
  });
  if (partition === undefined || partition.role !== 'leader') return errorOf(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  if (partition.highWatermark < delayed.requiredOffset) return undefined;
  const enough = partition.maximalIsr.length >= partition.config.minInsyncReplicas;
  return errorOf(enough ? ErrorCode.NONE : ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
}

/** Steps 1 and 2 of the header: checks that come before any append. */
function rejection(partition: Partition, request: PartitionProduce): ErrorCode | undefined {
  if (partition.role !== 'leader') return ErrorCode.NOT_LEADER_OR_FOLLOWER;
  if (request.acks === -1 && partition.isr.length < partition.config.minInsyncReplicas) {
    return ErrorCode.NOT_ENOUGH_REPLICAS;
  }
  return undefined;
}

/** A request answered now: by acks=0 silence (or a closed connection), or by a response. */
function answer(
  request: PartitionProduce,
  produced: PartitionProduceResponse,
  appended: LogBatch<BatchPayload> | undefined,
  highWatermarkChanged: boolean,
): ProduceDecision {
  if (request.acks === 0) {
    return { kind: 'no-response', closeConnection: produced.error !== ErrorCode.NONE, appended, highWatermarkChanged };
  }
  return { kind: 'respond', response: produced, appended, highWatermarkChanged };
}

/** After a successful append (or a duplicate): answer by acks, or wait for the HW. */
function complete(
  partition: Partition,
  request: PartitionProduce,
  baseOffset: number,
  lastOffset: number,
  nowUs: number,
  appended: LogBatch<BatchPayload> | undefined,
  highWatermarkChanged: boolean,
): ProduceDecision {
  const leaderEpoch = partition.leaderEpoch;
  if (request.acks !== -1) {
    return answer(request, response(request, ErrorCode.NONE, baseOffset, leaderEpoch), appended, highWatermarkChanged);
  }
  const delayed: DelayedProduce = {
    partition: request.partition,
    baseOffset,
    requiredOffset: lastOffset + 1,
    leaderEpoch,
    deadlineUs: nowUs + request.timeoutMs * US_PER_MS,
  };
  const now = checkCompletion(delayed, partition);
  if (now !== undefined) return { kind: 'respond', response: now, appended, highWatermarkChanged };
  return { kind: 'wait', delayed, appended, highWatermarkChanged };
}
