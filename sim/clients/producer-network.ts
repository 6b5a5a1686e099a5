// The producer's side of the network: the parts of org.apache.kafka.clients.NetworkClient,
// InFlightRequests and ClusterConnectionStates the Sender relies on.
//
// - One connection per broker, opened by the first send. A request is registered (it counts
//   against max.in.flight.requests.per.connection from then on), then transmitted once the Sender
//   thread has spent its CPU time building it; a request that expects no response (acks=0) leaves
//   the in-flight list as soon as it is written.
// - request.timeout.ms: a request unanswered that long makes the client close the connection
//   (ctx.closeConnection, as NetworkClient.handleTimedOutRequests does) and fail every request
//   in flight on it as timed out; a reset or close from the peer fails them as disconnected.
//   Either way the metadata is marked for update (the disconnect may be stale metadata) and the
//   broker is blacked out for reconnect.backoff.ms, doubling per consecutive failure up to
//   reconnect.backoff.max.ms with ±20 % jitter (ExponentialBackoff; connection-states.ts, shared
//   with the consumer).
// - leastLoadedNode: among brokers (the bootstrap list until metadata arrives), starting at a
//   random offset, a connected one with the fewest requests in flight, else the one not blacked
//   out that was tried longest ago.
//
// - ready (NetworkClient.ready): produce requests go only to a broker whose connection is known
//   to work. Kafka sends nothing but ApiVersions on a new connection until that is answered
//   (ClusterConnectionStates READY), so nothing is drained for a broker whose process is down (its
//   kernel refuses the connection) or that cannot be reached: batches wait in the accumulator
//   without sequence numbers, and an acks=0 send never "completes" into a dead socket. A probe —
//   a Metadata request for no topics, standing in for ApiVersions — opens such a connection;
//   its answer marks the broker ready and wakes the Sender.
//
// Simplified: connection setup is not a separate step (a connection is "connected" once a response
// has come back on it), so socket.connection.setup.timeout.ms is not modelled: a probe to an
// unreachable broker waits for request.timeout.ms. Metadata and InitProducerId requests go out on
// any connection not blacked out; their own answer confirms it, one round trip sooner than Kafka.

import type { Rng } from '../core/rng.ts';
import type { TimerId } from '../core/scheduler.ts';
import type { ActorContext, NodeId } from '../hw/actor.ts';
import { REQUEST_HEADER_BYTES } from '../kafka/protocol.ts';
import { ConnectionStates } from './connection-states.ts';
import type { ProducerSettings } from './producer-config.ts';


/** What became of a request that got no (complete) answer. */
export interface RequestFailure {
  /** REQUEST_TIMED_OUT (our timeout) or NETWORK_EXCEPTION (the connection broke). */
  readonly error: 'REQUEST_TIMED_OUT' | 'NETWORK_EXCEPTION';
  /** False when it failed before it was written: then the broker surely never saw it. */
  readonly transmitted: boolean;
}

export interface RequestHandlers {
  onResponse(response: unknown): void;
  onFailure(failure: RequestFailure): void;
}

export interface OutgoingMessage {
  readonly correlationId: number;
  readonly message: unknown;
  readonly sizeBytes: number;
}

export class InFlightRequest {
  transmitted = false;
  done = false;
  timer: TimerId | null = null;
  /** The correlation id its answer will carry, once it is written and expects one; else −1. */
  awaiting = -1;

  constructor(
    readonly node: NodeId,
    readonly expectResponse: boolean,
    readonly handlers: RequestHandlers,
  ) {}
}

interface NodeConnection {
  readonly inFlight: InFlightRequest[];
  /** A probe is on its way to confirm the connection. */
  probing: boolean;
}

export class ProducerNetwork {
  private readonly nodes = new Map<NodeId, NodeConnection>();
  private readonly byCorrelation = new Map<number, InFlightRequest>();
  private readonly states: ConnectionStates;
  private nextCorrelationId: number;

  constructor(
    private readonly ctx: ActorContext,
    private readonly settings: ProducerSettings,
    private readonly rng: Rng,
    /** Called after a connection is lost (timeout or peer), so metadata can be refreshed. */
    private readonly onDisconnected: (node: NodeId) => void,
    firstCorrelationId: number,
    /** Called when a probe confirmed a connection: produce requests may go to the node now. */
    private readonly onReady: (node: NodeId) => void = () => {},
  ) {
    this.nextCorrelationId = firstCorrelationId;
    this.states = new ConnectionStates(settings, rng);
  }

  correlationId(): number {
    return this.nextCorrelationId++;
  }

  /**
   * NetworkClient.ready for produce requests: a confirmed connection below
   * max.in.flight.requests.per.connection. An unconfirmed one not blacked out gets a probe.
   */
  ready(node: NodeId, nowUs: number): boolean {
    const conn = this.connection(node);
    if (this.states.isConnected(node)) return conn.inFlight.length < this.settings.maxInFlight;
    if (!conn.probing && !this.states.isBlackedOut(node, nowUs)) this.probe(node, conn);
    return false;
  }

  /** Not blacked out and below max.in.flight.requests.per.connection (for any request). */
  canSendMore(node: NodeId, nowUs: number): boolean {
    const conn = this.nodes.get(node);
    if (conn === undefined) return true;
    return !this.states.isBlackedOut(node, nowUs) && conn.inFlight.length < this.settings.maxInFlight;
  }

  /** µs until a blacked-out node may be tried again (0 when it may be now). */
  blackoutRemainingUs(node: NodeId, nowUs: number): number {
    return this.states.remainingUs(node, nowUs);
  }

  inFlightCount(node: NodeId): number {
    return this.nodes.get(node)?.inFlight.length ?? 0;
  }

  leastLoadedNode(candidates: readonly NodeId[], nowUs: number): NodeId | undefined {
    if (candidates.length === 0) return undefined;
    const offset = this.rng.int(candidates.length);
    let ready: NodeId | undefined;
    let readyInFlight = Infinity;
    let connectable: NodeId | undefined;
    let connectableAttemptUs = Infinity;
    for (let i = 0; i < candidates.length; i++) {
      const node = candidates[(offset + i) % candidates.length] as NodeId;
      const conn = this.nodes.get(node);
      if (conn !== undefined && this.states.isConnected(node) && this.canSendMore(node, nowUs)) {
        if (conn.inFlight.length === 0) return node;
        if (conn.inFlight.length < readyInFlight) [ready, readyInFlight] = [node, conn.inFlight.length];
      } else if (this.canSendMore(node, nowUs)) {
        const attemptUs = this.states.lastAttemptUs(node);
        if (connectable === undefined || attemptUs < connectableAttemptUs) [connectable, connectableAttemptUs] = [node, attemptUs];
      }
    }
    return ready ?? connectable;
  }

  /** Takes an in-flight slot on `node` for a request about to be built. */
  register(node: NodeId, expectResponse: boolean, handlers: RequestHandlers): InFlightRequest {
    const request = new InFlightRequest(node, expectResponse, handlers);
    const conn = this.connection(node);
    this.states.attempted(node, this.ctx.now);
    conn.inFlight.push(request);
    return request;
  }

  /** Writes a registered request; false when it failed in the meantime. */
  transmit(request: InFlightRequest, outgoing: OutgoingMessage): boolean {
    if (request.done) return false;
    request.transmitted = true;
    this.ctx.send(request.node, outgoing.message, outgoing.sizeBytes);
    if (!request.expectResponse) {
      this.finish(request);
      return true;
    }
    request.awaiting = outgoing.correlationId;
    this.byCorrelation.set(outgoing.correlationId, request);
    request.timer = this.ctx.setTimer(this.settings.requestTimeoutUs, (timedOut: InFlightRequest) => this.onTimeout(timedOut), request);
    return true;
  }

  /** Opens a connection with a probe (ApiVersions' stand-in); its answer makes the node ready. */
  private probe(node: NodeId, conn: NodeConnection): void {
    conn.probing = true;
    const correlationId = this.correlationId();
    const request = this.register(node, true, {
      onResponse: () => {
        conn.probing = false;
        this.onReady(node);
      },
      onFailure: () => {
        conn.probing = false;
      },
    });
    const message = { type: 'metadata', correlationId, topics: [] };
    this.transmit(request, { correlationId, message, sizeBytes: REQUEST_HEADER_BYTES });
  }

  /** Routes a response by correlation id; false when nothing waits for it (a stale answer). */
  handleResponse(from: NodeId, correlationId: number, response: unknown): boolean {
    const request = this.byCorrelation.get(correlationId);
    if (request === undefined || request.node !== from) return false;
    this.states.connected(from);
    this.finish(request);
    request.handlers.onResponse(response);
    return true;
  }

  /** The peer reset or closed the connection. */
  handleDisconnect(node: NodeId): void {
    this.disconnect(node, 'NETWORK_EXCEPTION');
  }

  private onTimeout(request: InFlightRequest): void {
    if (request.done) return;
    this.ctx.closeConnection(request.node);
    this.disconnect(request.node, 'REQUEST_TIMED_OUT');
  }

  /** NetworkClient.processDisconnection: fail everything in flight, back off, refresh metadata. */
  private disconnect(node: NodeId, error: RequestFailure['error']): void {
    const conn = this.connection(node);
    const failed = conn.inFlight.splice(0);
    this.states.disconnected(node, this.ctx.now);
    for (const request of failed) {
      this.finish(request);
      request.handlers.onFailure({ error, transmitted: request.transmitted });
    }
    this.onDisconnected(node);
  }

  private finish(request: InFlightRequest): void {
    if (request.done) return;
    request.done = true;
    if (request.timer !== null) this.ctx.cancelTimer(request.timer);
    if (request.awaiting >= 0) this.byCorrelation.delete(request.awaiting);
    const inFlight = this.connection(request.node).inFlight;
    const at = inFlight.indexOf(request);
    if (at >= 0) inFlight.splice(at, 1);
  }

  private connection(node: NodeId): NodeConnection {
    let conn = this.nodes.get(node);
    if (conn === undefined) {
      conn = { inFlight: [], probing: false };
      this.nodes.set(node, conn);
    }
    return conn;
  }
}
