// How a broker handles the requests it receives: kafka.server.KafkaApis (Kafka 2.8). Every request
// first takes a request-handler thread (KafkaRequestHandlerPool, `num.io.threads`) for the
// machine's per-request CPU cost plus its per-byte cost on the records it carries, then is
// dispatched by type: produce, fetch and OffsetsForLeaderEpoch to the replica code; Metadata from
// the metadata cache; LeaderAndIsr, UpdateMetadata and StopReplica to the replica manager (which
// fences stale controllers); ControlledShutdown and AlterIsr to this broker's controller, which
// answers "not the controller" unless it is the active one; InitProducerId from a local counter.
// Any other request type goes to the broker's plugins (the group coordinator's APIs).
//
// Produce requests keep their connection's order, as SocketServer does by muting a channel from
// the moment a request is read until its response is sent: a client's next ProduceRequest is
// not handled before the previous one is answered — for acks=all, until it is replicated
// (DelayedProduce). A request's partitions are appended together on one handler thread, for one
// per-request cost; its one response goes out when the last partition is settled (each waits in
// the produce purgatory on its own; the response gathers them in the request's order), and then
// the connection frees up. A disconnect forgets the connection's queue.
//
// Simplified: one request-handler pool for every listener (no separate control-plane listener),
// no request queue bound other than the pool's (queued.max.requests is not enforced), only
// produce requests wait for their connection (the simulator's one connection per pair of nodes
// carries what Kafka sends on several, e.g. a consumer's fetches and its coordinator requests),
// and producer ids come from the broker id and incarnation rather than ZooKeeper id blocks.

import { assert } from '../core/assert.ts';
import type { ActorContext, NodeId } from '../hw/actor.ts';
import type { KafkaController } from './controller.ts';
import type { MetadataCache } from './metadata-cache.ts';
import {
  ErrorCode,
  PARTITION_ENTRY_BYTES,
  REQUEST_HEADER_BYTES,
  type ControllerResponse,
  type KafkaRequest,
  type PartitionProduceResponse,
  type ProduceRequest,
} from './protocol.ts';
import type { ReplicaManager } from './replica-manager.ts';
import type { ReplicaRequests, Send } from './replica-requests.ts';
import { runTask } from './task.ts';

/** The request-handler pool's name (ActorContext.definePool). */
export const REQUEST_HANDLER_POOL = 'request-handler';
/** Producer ids one incarnation may hand out (each id is brokerId · 10^9 + incarnation · 10^5 + n). */
export const MAX_PRODUCER_IDS_PER_INCARNATION = 100_000;
/** Produce requests one client connection may have waiting (max.in.flight.requests.per.connection, with room). */
export const MAX_WAITING_PRODUCE_REQUESTS = 10_000;

/** A client connection's produce requests: those received and not yet handled, and the one in hand. */
class ProduceChannel {
  readonly waiting: ProduceRequest[] = [];
  /** Set while a request is handled and not yet answered: the channel is muted. */
  busy = false;
}

export interface KafkaApisParts {
  readonly ctx: ActorContext;
  readonly brokerId: number;
  readonly metadataCache: MetadataCache;
  readonly replicaManager: ReplicaManager;
  readonly requests: ReplicaRequests;
  readonly controller: KafkaController;
  /** Whether the broker's current incarnation is still the one handling (for async answers). */
  readonly alive: () => boolean;
}

export function isKafkaResponse(message: unknown): message is { type: string; correlationId: number } {
  const type = (message as { type?: unknown } | null)?.type;
  return typeof type === 'string' && type.endsWith('-response');
}

export function isKafkaRequest(message: unknown): message is { type: string; correlationId: number } {
  const type = (message as { type?: unknown } | null)?.type;
  return typeof type === 'string' && !type.endsWith('-response');
}

const CORE_REQUESTS: ReadonlySet<string> = new Set<KafkaRequest['type']>([
  'produce',
  'fetch',
  'offsets-for-leader-epoch',
  'metadata',
  'leader-and-isr',
  'update-metadata',
  'stop-replica',
  'controlled-shutdown',
  'alter-isr',
  'init-producer-id',
]);

function isCoreRequest(request: { readonly type: string }): request is KafkaRequest {
  return CORE_REQUESTS.has(request.type);
}

export class KafkaApis {
  private nextProducerId = 0;
  private readonly produceChannels = new Map<NodeId, ProduceChannel>();

  constructor(
    private readonly parts: KafkaApisParts,
    private readonly send: Send,
    /** Broker plugins' turn at a request type the core does not handle. */
    private readonly other: (from: NodeId, request: { readonly type: string; readonly correlationId: number }) => boolean,
  ) {}

  /** A request arrived: it waits for a handler thread (a produce request for its connection first), then runs. */
  receive(from: NodeId, request: { readonly type: string; readonly correlationId: number }): void {
    if (request.type === 'produce') {
      this.receiveProduce(from, request as ProduceRequest);
      return;
    }
    this.parts.ctx.compute(REQUEST_HANDLER_POOL, this.parts.ctx.hardware.requestCpuUs, () => {
      if (isCoreRequest(request)) this.handle(from, request);
      else this.other(from, request);
    });
  }

  /** The connection with `peer` is gone: requests waiting on it are too. */
  handleDisconnect(peer: NodeId): void {
    this.produceChannels.delete(peer);
  }

  private receiveProduce(from: NodeId, request: ProduceRequest): void {
    let channel = this.produceChannels.get(from);
    if (channel === undefined) this.produceChannels.set(from, (channel = new ProduceChannel()));
    assert(channel.waiting.length < MAX_WAITING_PRODUCE_REQUESTS, () => `broker ${this.parts.brokerId}: more than ${MAX_WAITING_PRODUCE_REQUESTS} produce requests waiting from ${from}`);
    channel.waiting.push(request);
    this.handleNextProduce(from, channel);
  }

  /** Takes the connection's next request, if the connection is free, onto a handler thread. */
  private handleNextProduce(from: NodeId, channel: ProduceChannel): void {
    if (channel.busy) return;
    const request = channel.waiting.shift();
    if (request === undefined) return;
    channel.busy = true;
    const { ctx } = this.parts;
    let recordBytes = 0;
    for (const entry of request.partitions) recordBytes += entry.batch.sizeBytes;
    ctx.compute(REQUEST_HANDLER_POOL, ctx.hardware.requestCpuUs + (recordBytes * ctx.hardware.brokerCpuNsPerByte) / 1000, () => {
      this.produce(from, channel, request);
    });
  }

  /**
   * KafkaApis.handleProduceRequest for the request in hand: all its partitions are appended
   * before the waiting fetches are woken (replica-requests.ts, appendRequest); the response goes
   * once every partition has its answer.
   */
  private produce(from: NodeId, channel: ProduceChannel, request: ProduceRequest): void {
    const answered = (): void => {
      channel.busy = false;
      if (this.produceChannels.get(from) === channel) this.handleNextProduce(from, channel);
    };
    const closeConnection = (): void => {
      this.handleDisconnect(from);
      this.parts.ctx.closeConnection(from);
    };
    const { acks, timeoutMs, partitions } = request;
    assert(partitions.length > 0, () => `broker ${this.parts.brokerId}: a produce request from ${from} with no partitions`);
    const answers: PartitionProduceResponse[] = new Array(partitions.length);
    let unanswered = partitions.length;
    const replyFor = (index: number) => (answer: PartitionProduceResponse): void => {
      answers[index] = answer;
      if (--unanswered > 0) return;
      const response = { type: 'produce-response' as const, correlationId: request.correlationId, partitions: answers };
      this.send(from, response, REQUEST_HEADER_BYTES + PARTITION_ENTRY_BYTES * answers.length);
      answered();
    };
    this.parts.requests.appendRequest(partitions.map(({ partition, batch }, index) => ({
      request: { acks, timeoutMs, partition, batch },
      reply: replyFor(index),
      closeConnection,
    })));
    // acks=0: no response will come, so the connection is free once the request is handled.
    if (acks === 0) answered();
  }

  private handle(from: NodeId, request: KafkaRequest): void {
    const { replicaManager, requests, controller, metadataCache } = this.parts;
    switch (request.type) {
      case 'fetch':
        return requests.fetch(from, request);
      case 'offsets-for-leader-epoch':
        return requests.offsetsForLeaderEpoch(from, request);
      case 'metadata': {
        const response = metadataCache.metadata(request.correlationId, request.topics);
        const entries = response.brokers.length + response.topics.reduce((sum, topic) => sum + 1 + topic.partitions.length, 0);
        return this.send(from, response, REQUEST_HEADER_BYTES + PARTITION_ENTRY_BYTES * entries);
      }
      case 'leader-and-isr':
        return runTask(replicaManager.becomeLeaderOrFollower(request), (response) => this.answerController(from, response), this.parts.alive);
      case 'update-metadata':
        return this.answerController(from, replicaManager.updateMetadata(request));
      case 'stop-replica':
        return this.answerController(from, replicaManager.stopReplicas(request));
      case 'controlled-shutdown':
        return controller.handleControlledShutdown(request, (response) => this.send(from, response, REQUEST_HEADER_BYTES + PARTITION_ENTRY_BYTES * response.remainingPartitions.length));
      case 'alter-isr':
        return controller.handleAlterIsr(request, (response) => this.send(from, response, REQUEST_HEADER_BYTES + PARTITION_ENTRY_BYTES * response.partitions.length));
      case 'init-producer-id':
        return this.send(from, this.initProducerId(request.correlationId), REQUEST_HEADER_BYTES);
    }
  }

  private answerController(to: NodeId, response: ControllerResponse): void {
    this.send(to, response, REQUEST_HEADER_BYTES + PARTITION_ENTRY_BYTES * response.partitionErrors.length);
  }

  private initProducerId(correlationId: number) {
    assert(this.nextProducerId < MAX_PRODUCER_IDS_PER_INCARNATION, () => `broker ${this.parts.brokerId}: more than ${MAX_PRODUCER_IDS_PER_INCARNATION} producer ids`);
    const producerId = this.parts.brokerId * 1_000_000_000 + this.parts.ctx.incarnation * 100_000 + this.nextProducerId++;
    return { type: 'init-producer-id-response' as const, correlationId, error: ErrorCode.NONE, producerId, producerEpoch: 0 };
  }
}
