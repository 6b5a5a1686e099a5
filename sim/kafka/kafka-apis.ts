// How a broker handles the requests it receives: kafka.server.KafkaApis (Kafka 2.8). Every request
// first takes a request-handler thread (KafkaRequestHandlerPool, `num.io.threads`) for the
// machine's per-request CPU cost plus its per-byte cost on the records it carries, then is
// dispatched by type: produce, fetch and OffsetsForLeaderEpoch to the replica code; Metadata from
// the metadata cache; LeaderAndIsr, UpdateMetadata and StopReplica to the replica manager (which
// fences stale controllers); ControlledShutdown and AlterIsr to this broker's controller, which
// answers "not the controller" unless it is the active one; InitProducerId from a local counter.
// Any other request type goes to the broker's plugins (the group coordinator's APIs).
//
// Simplified: one request-handler pool for every listener (no separate control-plane listener),
// no request queue bound other than the pool's (queued.max.requests is not enforced), and
// producer ids come from the broker id and incarnation rather than ZooKeeper id blocks.

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
  type ProduceRequest,
} from './protocol.ts';
import type { ReplicaManager } from './replica-manager.ts';
import type { ReplicaRequests, Send } from './replica-requests.ts';
import { runTask } from './task.ts';

/** The request-handler pool's name (ActorContext.definePool). */
export const REQUEST_HANDLER_POOL = 'request-handler';
/** Producer ids one incarnation may hand out (each id is brokerId · 10^9 + incarnation · 10^5 + n). */
export const MAX_PRODUCER_IDS_PER_INCARNATION = 100_000;

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

  constructor(
    private readonly parts: KafkaApisParts,
    private readonly send: Send,
    /** Broker plugins' turn at a request type the core does not handle. */
    private readonly other: (from: NodeId, request: { readonly type: string; readonly correlationId: number }) => boolean,
  ) {}

  /** A request arrived: it waits for a handler thread, then runs. */
  receive(from: NodeId, request: { readonly type: string; readonly correlationId: number }): void {
    const { hardware } = this.parts.ctx;
    const recordBytes = request.type === 'produce' ? (request as ProduceRequest).batch.sizeBytes : 0;
    const costUs = hardware.requestCpuUs + (recordBytes * hardware.brokerCpuNsPerByte) / 1000;
    this.parts.ctx.compute(REQUEST_HANDLER_POOL, costUs, () => {
      if (isCoreRequest(request)) this.handle(from, request);
      else this.other(from, request);
    });
  }

  private handle(from: NodeId, request: KafkaRequest): void {
    const { replicaManager, requests, controller, metadataCache } = this.parts;
    switch (request.type) {
      case 'produce':
        return requests.produce(from, request);
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
