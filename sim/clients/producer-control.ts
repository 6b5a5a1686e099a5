// The producer's requests other than Produce, sent by the Sender thread before it produces:
//
// - MetadataRequest for the producer's topics, as NetworkClient's DefaultMetadataUpdater does:
//   when the cache is due (producer-metadata.ts decides when), to the least loaded broker, one
//   at a time; a failed one counts as an attempt, so the next waits retry.backoff.ms.
// - InitProducerId for the idempotent producer (TransactionManager's InitProducerIdHandler): to
//   the least loaded broker; on success the producer id and epoch are set; the coordinator
//   errors (COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR) and a lost
//   connection are retried after retry.backoff.ms; any other error is fatal to the producer.
//
// Both go to the brokers of the last metadata, or the bootstrap list until there is one.

import type { ActorContext, NodeId } from '../hw/actor.ts';
import { ErrorCode, REQUEST_HEADER_BYTES, type InitProducerIdResponse, type MetadataResponse } from '../kafka/protocol.ts';
import type { ProducerSettings } from './producer-config.ts';
import type { ProducerMetadata } from './producer-metadata.ts';
import type { ProducerNetwork } from './producer-network.ts';
import type { TransactionManager } from './transaction-manager.ts';

/** InitProducerId errors that are retried (InitProducerIdHandler); others are fatal. */
const INIT_RETRIABLE: ReadonlySet<string> = new Set<string>([
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR,
]);

export interface ControlParts {
  readonly ctx: ActorContext;
  readonly producer: string;
  readonly settings: ProducerSettings;
  readonly metadata: ProducerMetadata;
  readonly network: ProducerNetwork;
  readonly bootstrap: readonly NodeId[];
  readonly onMetadataUpdate: () => void;
  /** Asks the Sender to run again (an answer arrived or a retry is due). */
  readonly wakeup: () => void;
}

export class ControlRequests {
  private initInFlight = false;
  private initRetryAtUs = 0;

  constructor(private readonly parts: ControlParts) {}

  /**
   * Whether a Sender visit now would do nothing here: no metadata or InitProducerId request to
   * send, and no sequence to resolve or epoch to bump (Sender.runOnce's preamble).
   */
  idle(txn: TransactionManager | null, nowUs: number): boolean {
    const { metadata } = this.parts;
    if (!metadata.updateInFlight && metadata.timeToNextUpdateUs(nowUs) <= 0) return false;
    if (txn === null) return true;
    return txn.settled && (txn.state !== 'initializing' || this.initInFlight || nowUs < this.initRetryAtUs);
  }

  /** DefaultMetadataUpdater.maybeUpdate; returns µs until it should look again. */
  maybeUpdateMetadata(nowUs: number): number {
    const { metadata, network, ctx } = this.parts;
    if (metadata.updateInFlight) return Infinity;
    const waitUs = metadata.timeToNextUpdateUs(nowUs);
    if (waitUs > 0) return waitUs;
    const node = this.leastLoadedNode(nowUs);
    if (node === undefined) return this.parts.settings.reconnectBackoffUs;
    metadata.updateInFlight = true;
    const correlationId = network.correlationId();
    const request = network.register(node, true, {
      onResponse: (response) => {
        metadata.update(response as MetadataResponse, ctx.now);
        this.parts.onMetadataUpdate();
        this.parts.wakeup();
      },
      onFailure: () => {
        metadata.failedUpdate(ctx.now);
        this.parts.wakeup();
      },
    });
    const message = { type: 'metadata', correlationId, topics: metadata.topicNames };
    network.transmit(request, { correlationId, message, sizeBytes: REQUEST_HEADER_BYTES });
    return Infinity;
  }

  /** Sends InitProducerId when the producer needs an id; returns µs until it should look again. */
  maybeInitProducerId(txn: TransactionManager, nowUs: number): number {
    if (txn.state !== 'initializing' || this.initInFlight) return Infinity;
    if (nowUs < this.initRetryAtUs) return this.initRetryAtUs - nowUs;
    const node = this.leastLoadedNode(nowUs);
    if (node === undefined) return this.parts.settings.reconnectBackoffUs;
    this.initInFlight = true;
    const { network } = this.parts;
    const correlationId = network.correlationId();
    const request = network.register(node, true, {
      onResponse: (response) => this.onInitProducerId(txn, response as InitProducerIdResponse),
      onFailure: () => this.retryInitProducerId(),
    });
    network.transmit(request, { correlationId, message: { type: 'init-producer-id', correlationId }, sizeBytes: REQUEST_HEADER_BYTES });
    return Infinity;
  }

  private leastLoadedNode(nowUs: number): NodeId | undefined {
    const known = this.parts.metadata.knownNodes;
    return this.parts.network.leastLoadedNode(known.length > 0 ? known : this.parts.bootstrap, nowUs);
  }

  private onInitProducerId(txn: TransactionManager, response: InitProducerIdResponse): void {
    if (INIT_RETRIABLE.has(response.error)) {
      this.retryInitProducerId();
      return;
    }
    this.initInFlight = false;
    if (response.error === ErrorCode.NONE) {
      txn.setProducerIdAndEpoch(response.producerId, response.producerEpoch);
      const { producerId, producerEpoch } = response;
      this.parts.ctx.trace.emit('producer-id', { producer: this.parts.producer, producerId, producerEpoch });
    } else {
      txn.initFailed(response.error);
    }
    this.parts.wakeup();
  }

  private retryInitProducerId(): void {
    this.initInFlight = false;
    this.initRetryAtUs = this.parts.ctx.now + this.parts.settings.retryBackoffUs;
    this.parts.wakeup();
  }
}
