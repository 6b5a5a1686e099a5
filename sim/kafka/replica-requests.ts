// The data half of a broker's request handling (KafkaApis.handleProduceRequest, handleFetchRequest,
// handleOffsetForLeaderEpochRequest over ReplicaManager.appendRecords and fetchMessages, Kafka
// 2.8). The decisions are issue-6's pure code (produce.ts, Partition, leader-read.ts); this file
// writes appended bytes to disk, holds requests in the purgatories, and answers.
//
// - Produce: an appended batch goes to the log's file (the page cache); if the machine is past
//   vm.dirty_ratio the handler thread blocks and the answer waits that long. A request's batches
//   are all appended before anything waiting on them is woken (ReplicaManager.appendRecords adds
//   one completion action per request to its ActionQueue, which KafkaApis.handle runs through
//   replicaManager.tryCompleteActions once the request is handled, Kafka 2.7+): then each
//   partition's append wakes the followers' long-polling fetches, and a HW advance settles acks=all
//   producers and consumer fetches. So a follower waiting on several partitions of one request gets
//   all of them in one fetch response, as in Kafka, not the first partition alone.
// - Fetch: a follower's fetch is read and recorded (it may advance the HW and propose an ISR
//   expansion); a consumer's reads below the HW. With fewer than minBytes readable and no error,
//   the fetch waits in the purgatory (purgatory.ts) for data or its maxWaitMs.
// - A partition this broker does not host is NOT_LEADER_OR_FOLLOWER when the metadata knows the
//   topic, else UNKNOWN_TOPIC_OR_PARTITION (ReplicaManager.getPartitionOrError).
//
// Simplified: reads are served from the page cache (no disk reads for lagging consumers).

import { assert } from '../core/assert.ts';
import type { NodeId } from '../hw/actor.ts';
import { UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from './epoch-cache.ts';
import type { Partition } from './partition.ts';
import { handleProduce } from './produce.ts';
import type { DelayedFetch, ProduceReply } from './purgatory.ts';
import {
  ErrorCode,
  PARTITION_ENTRY_BYTES,
  REQUEST_HEADER_BYTES,
  batchesBytes,
  type FetchPartitionRequest,
  type FetchPartitionResponse,
  type FetchRequest,
  type OffsetsForLeaderEpochRequest,
  type PartitionName,
  type PartitionProduce,
} from './protocol.ts';
import type { ReplicaManager, ReplicaManagerParts } from './replica-manager.ts';

export type Send = (to: NodeId, message: object, sizeBytes: number) => void;

/** Partitions one produce request may name (a bound on the request's completion actions). */
export const MAX_PARTITIONS_PER_PRODUCE = 100_000;

/** One partition's batch of a produce request, with how to answer it. */
export interface ProducePart {
  readonly request: PartitionProduce;
  readonly reply: ProduceReply;
  /** For an acks=0 request that failed (KafkaApis closes the connection). */
  readonly closeConnection: () => void;
}

/** What one partition's append may complete, checked once the whole request is appended. */
interface CompletionAction {
  readonly partition: PartitionName;
  readonly highWatermarkIncreased: boolean;
}

export class ReplicaRequests {
  constructor(
    private readonly parts: ReplicaManagerParts,
    private readonly manager: ReplicaManager,
    private readonly send: Send,
  ) {}

  /**
   * ReplicaManager.appendRecords for one partition's batch: `reply` gets the answer (never, for
   * acks=0 without error); `closeConnection` runs for an acks=0 request that failed. A broker
   * component (the group coordinator writing __consumer_offsets) calls this directly.
   */
  appendRecords(request: PartitionProduce, reply: ProduceReply, closeConnection: () => void = () => undefined): void {
    this.appendRequest([{ request, reply, closeConnection }]);
  }

  /**
   * ReplicaManager.appendRecords for a whole request: every partition's batch is appended (and
   * answered, or put in the produce purgatory) first, then the request's completion action runs.
   */
  appendRequest(parts: readonly ProducePart[]): void {
    assert(parts.length <= MAX_PARTITIONS_PER_PRODUCE, () => `${this.parts.ctx.id}: a produce request of ${parts.length} partitions`);
    const actions: CompletionAction[] = [];
    for (const part of parts) {
      const action = this.appendToLocalLog(part);
      if (action !== undefined) actions.push(action);
    }
    this.tryCompleteActions(actions);
  }

  /** One partition's append and answer; returns what its completion action must check. */
  private appendToLocalLog({ request, reply, closeConnection }: ProducePart): CompletionAction | undefined {
    const { ctx, logManager, trace } = this.parts;
    const partition = this.manager.partitions.get(request.partition);
    const decision = handleProduce(partition, request, ctx.now);
    let blockedUs = 0;
    let action: CompletionAction | undefined;
    if (decision.appended !== undefined && partition !== undefined) {
      blockedUs = logManager.appended(partition.name, decision.appended);
      trace.offsetsChanged(partition);
      action = { partition: partition.name, highWatermarkIncreased: decision.highWatermarkChanged };
    }
    switch (decision.kind) {
      case 'respond':
        if (blockedUs > 0) ctx.setTimer(Math.ceil(blockedUs), () => reply(decision.response));
        else reply(decision.response);
        break;
      case 'no-response':
        if (decision.closeConnection) closeConnection();
        break;
      case 'wait':
        this.parts.producePurgatory.watch(decision.delayed, reply);
        break;
    }
    return action;
  }

  /**
   * The completion action (LeaderHwChange): a HW that increased may complete delayed produces and
   * fetches; an append that left the HW where it was may complete followers' fetches.
   */
  private tryCompleteActions(actions: readonly CompletionAction[]): void {
    for (const action of actions) {
      if (action.highWatermarkIncreased) this.manager.settle(action.partition);
      else this.parts.fetchPurgatory.checkAndComplete(action.partition);
    }
  }

  /** ReplicaManager.fetchMessages: answer now, or hold in the fetch purgatory. */
  fetch(from: NodeId, request: FetchRequest): void {
    const answers = request.partitions.map((entry) => this.read(request.replicaId, entry, true));
    const readable = answers.reduce((sum, answer) => sum + batchesBytes(answer.batches), 0);
    const settled = answers.some((answer) => answer.error !== ErrorCode.NONE || answer.divergingEpoch !== undefined);
    if (request.maxWaitMs <= 0 || request.partitions.length === 0 || readable >= request.minBytes || settled) {
      this.answerFetch(from, request.correlationId, answers);
    } else {
      this.parts.fetchPurgatory.watch(from, request);
    }
  }

  /**
   * DelayedFetch.tryComplete. Kafka adds up every partition's readable bytes before comparing
   * them with minBytes; stopping once they reach it gives the same answer (every other way out
   * answers true as well) without reading the rest.
   */
  canCompleteFetch(fetch: DelayedFetch): boolean {
    const follower = fetch.request.replicaId >= 0;
    const minBytes = fetch.request.minBytes;
    let readable = 0;
    for (const entry of fetch.request.partitions) {
      if (readable >= minBytes) return true;
      const partition = this.manager.partitions.get(entry.partition);
      if (partition === undefined || !partition.isLeader) return true;
      if (entry.currentLeaderEpoch >= 0 && entry.currentLeaderEpoch !== partition.leaderEpoch) return true;
      if (entry.fetchOffset < partition.logStartOffset || entry.fetchOffset > partition.logEndOffset) return true;
      const endOffset = follower ? partition.logEndOffset : partition.highWatermark;
      if (entry.fetchOffset < endOffset) readable += partition.log.read(entry.fetchOffset, entry.maxBytes, endOffset).sizeBytes;
    }
    return readable >= minBytes;
  }

  /** DelayedFetch.onComplete: read again (a follower's position was recorded on arrival). */
  completeFetch(fetch: DelayedFetch): void {
    const answers = fetch.request.partitions.map((entry) => this.read(fetch.request.replicaId, entry, false));
    this.answerFetch(fetch.from, fetch.request.correlationId, answers);
  }

  /** KafkaApis.handleOffsetForLeaderEpochRequest. */
  offsetsForLeaderEpoch(from: NodeId, request: OffsetsForLeaderEpochRequest): void {
    const partitions = request.partitions.map((query) => {
      const partition = this.manager.partitions.get(query.partition);
      if (partition !== undefined) return partition.answerEpochQuery(query);
      return { partition: query.partition, error: this.missingError(query.partition), leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    });
    const response = { type: 'offsets-for-leader-epoch-response' as const, correlationId: request.correlationId, partitions };
    this.send(from, response, REQUEST_HEADER_BYTES + PARTITION_ENTRY_BYTES * partitions.length);
  }

  private read(replicaId: number, entry: FetchPartitionRequest, record: boolean): FetchPartitionResponse {
    const partition = this.manager.partitions.get(entry.partition);
    if (partition === undefined) {
      return { partition: entry.partition, error: this.missingError(entry.partition), highWatermark: -1, logStartOffset: -1, batches: [] };
    }
    if (replicaId < 0) return partition.readForConsumer(entry);
    if (!record) return partition.readForFollower(entry);
    const outcome = partition.handleFollowerFetch(replicaId, entry, this.parts.ctx.now);
    if (outcome.highWatermarkChanged) this.highWatermarkMoved(partition);
    if (outcome.isrChange !== undefined) this.parts.isrPropagation?.submit(outcome.isrChange);
    return outcome.response;
  }

  private highWatermarkMoved(partition: Partition): void {
    this.parts.trace.offsetsChanged(partition);
    this.manager.settle(partition.name);
  }

  private missingError(name: string): ErrorCode {
    return this.parts.metadataCache.partition(name) === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.NOT_LEADER_OR_FOLLOWER;
  }

  private answerFetch(to: NodeId, correlationId: number, partitions: FetchPartitionResponse[]): void {
    const bytes = partitions.reduce((sum, answer) => sum + batchesBytes(answer.batches), 0);
    this.send(to, { type: 'fetch-response', correlationId, partitions }, REQUEST_HEADER_BYTES + PARTITION_ENTRY_BYTES * partitions.length + bytes);
  }
}
