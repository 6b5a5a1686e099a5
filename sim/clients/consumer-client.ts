// The consumer's side of the network: ConsumerNetworkClient over NetworkClient, with the cluster
// metadata (org.apache.kafka.clients.Metadata) the fetcher and the group leader read.
//
// Pieces are shared rather than copied: requests, correlation ids and timeouts are the broker's
// NetworkClient (sim/kafka/network-client.ts) — a request unanswered within its own timeout
// closes the connection and fails everything in flight on it, a reset or close fails them too —
// and the metadata cache is the producer's (producer-metadata.ts: refreshed when due or asked
// for, spaced by retry.backoff.ms, never rolled back to an older leader epoch). Each request has
// its own timeout because the consumer's differ: request.timeout.ms for most, the rebalance
// timeout plus 5 s for JoinGroup.
//
// Requests go to the least loaded known broker (Metadata and FindCoordinator), to a partition's
// leader (Fetch, ListOffsets) or to the coordinator (the group requests). Every answer or failure
// calls `onProgress`, which wakes the application thread if it waits in poll().
//
// A broker whose connection failed is blacked out for reconnect.backoff.ms, doubling per failure
// up to reconnect.backoff.max.ms (connection-states.ts): the fetcher skips it and a request for
// it fails at once with a disconnect, as ConsumerNetworkClient.checkDisconnects fails requests
// queued for a node whose connection failed. Without this a consumer of a crashed leader would
// retry its fetch as fast as the kernel answers with a reset.
//
// Simplified: one connection per broker (Kafka opens a separate one to the coordinator).

import type { Rng } from '../core/rng.ts';
import type { ActorContext, NodeId } from '../hw/actor.ts';
import { NetworkClient, type RequestFailure } from '../kafka/network-client.ts';
import { REQUEST_HEADER_BYTES, type MetadataResponse } from '../kafka/protocol.ts';
import type { ConsumerSettings } from './consumer-config.ts';
import { ConnectionStates } from './connection-states.ts';
import { ProducerMetadata } from './producer-metadata.ts';

export type { RequestFailure };

export class ConsumerClient {
  readonly network: NetworkClient;
  readonly metadata: ProducerMetadata;
  private readonly connections: ConnectionStates;

  constructor(
    private readonly ctx: ActorContext,
    private readonly settings: ConsumerSettings,
    topics: readonly string[],
    private readonly bootstrap: readonly NodeId[],
    brokerNodeId: (brokerId: number) => NodeId,
    private readonly rng: Rng,
    private readonly onProgress: () => void,
  ) {
    this.network = new NetworkClient(ctx, () => undefined);
    this.metadata = new ProducerMetadata(settings.metadataMaxAgeUs, settings.retryBackoffUs, brokerNodeId);
    for (const topic of topics) this.metadata.addTopic(topic);
    this.connections = new ConnectionStates(settings, rng.fork('reconnect'));
  }

  /** NetworkClient.isUnavailable: `node` is waiting out its reconnect backoff. */
  isUnavailable(node: NodeId): boolean {
    return this.connections.isBlackedOut(node, this.ctx.now);
  }

  /** Sends `request` (its correlationId from `correlationId()`); exactly one callback runs, then onProgress. */
  send<Res extends { correlationId: number }>(
    node: NodeId,
    request: { correlationId: number },
    sizeBytes: number,
    timeoutMs: number,
    onResponse: (response: Res) => void,
    onFailure: (failure: RequestFailure) => void,
  ): void {
    const failed = (failure: RequestFailure): void => {
      // The first failure at an instant is the connection's; the rest of its requests share it.
      if (!this.isUnavailable(node)) this.connections.disconnected(node, this.ctx.now);
      this.metadata.requestUpdate();
      onFailure(failure);
      this.onProgress();
    };
    if (this.isUnavailable(node)) {
      this.ctx.setTimer(0, () => failed('disconnected'));
      return;
    }
    this.network.send<Res>(
      node,
      request,
      sizeBytes,
      timeoutMs,
      (response) => {
        this.connections.connected(node);
        onResponse(response);
        this.onProgress();
      },
      failed,
    );
  }

  correlationId(): number {
    return this.network.correlationId();
  }

  /** NetworkClient.leastLoadedNode: a known broker not blacked out with the fewest requests in flight. */
  leastLoadedNode(): NodeId | undefined {
    const known = this.metadata.knownNodes;
    const candidates = known.length > 0 ? known : this.bootstrap;
    if (candidates.length === 0) return undefined;
    const offset = this.rng.int(candidates.length);
    let best: NodeId | undefined;
    let bestInFlight = Infinity;
    for (let i = 0; i < candidates.length; i++) {
      const node = candidates[(offset + i) % candidates.length] as NodeId;
      if (this.isUnavailable(node)) continue;
      const inFlight = this.network.inFlightTo(node);
      if (inFlight < bestInFlight) [best, bestInFlight] = [node, inFlight];
    }
    return best;
  }

  /** DefaultMetadataUpdater.maybeUpdate: one Metadata request when due. */
  maybeUpdateMetadata(): void {
    const { metadata } = this;
    if (metadata.updateInFlight || metadata.timeToNextUpdateUs(this.ctx.now) > 0) return;
    const node = this.leastLoadedNode();
    if (node === undefined) return;
    metadata.updateInFlight = true;
    const request = { type: 'metadata' as const, correlationId: this.correlationId(), topics: metadata.topicNames };
    this.send<MetadataResponse>(
      node,
      request,
      REQUEST_HEADER_BYTES,
      this.settings.requestTimeoutMs,
      (response) => metadata.update(response, this.ctx.now),
      () => metadata.failedUpdate(this.ctx.now),
    );
  }

  /** Every subscribed topic's partition count is known. */
  hasMetadataFor(topics: readonly string[]): boolean {
    return topics.every((topic) => (this.metadata.topic(topic)?.partitionCount ?? 0) > 0);
  }

  handleResponse(message: { correlationId: number }): void {
    this.network.handleResponse(message);
  }

  handleDisconnect(peer: NodeId): void {
    this.network.handleDisconnect(peer);
  }
}
