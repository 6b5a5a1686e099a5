// A broker's outgoing requests to other brokers: org.apache.kafka.clients.NetworkClient as the
// controller's RequestSendThreads, the replica fetcher threads, controlled shutdown and AlterIsr
// use it. Each request gets a correlation id; the response with the same id completes it. A
// request fails (the caller decides whether to retry) when the connection to its peer is reset or
// closed, or when no response came within its timeout — then, as NetworkClient does on
// `request.timeout.ms` / `replica.socket.timeout.ms` / `controller.socket.timeout.ms`, the
// connection is closed, which also fails every other request in flight on it.
//
// Requests to one peer are not serialised here: Kafka opens a connection per purpose (controller,
// each fetcher thread, clients), and the simulated network has one per pair of nodes, so a
// long-polling fetch must not hold back a LeaderAndIsr behind it.
//
// Timeouts are checked as NetworkClient.handleTimedOutRequests does, not with a timer per request:
// one timer per peer, armed at the earliest deadline of its requests in flight. When it fires,
// the expired requests time out and it is re-armed for the next; a request answered in time costs
// no timer at all. (Most requests are answered in milliseconds against a 30 s timeout, so a timer
// each would be set and cancelled by the hundred thousand.)
//
// A request to this broker itself (the controller's own broker, a controller's own AlterIsr) goes
// over the loopback interface, as in Kafka: not through the simulated network (which carries
// messages between machines), but after LOOPBACK_US, to the broker's own message handler.

import { assert } from '../core/assert.ts';
import type { TimerId } from '../core/scheduler.ts';
import type { ActorContext, NodeId } from '../hw/actor.ts';

/** Latency of a message a process sends to itself over the loopback interface. */
export const LOOPBACK_US = 20;

/** Sends `message` to `to`, over the loopback interface when `to` is the sender itself. */
export function sendOrLoop(ctx: ActorContext, to: NodeId, message: unknown, sizeBytes: number, loopback: (message: unknown) => void): void {
  if (to === ctx.id) ctx.setTimer(LOOPBACK_US, () => loopback(message));
  else ctx.send(to, message, sizeBytes);
}

/** Requests one broker may have in flight at once (all peers together). */
export const MAX_IN_FLIGHT_REQUESTS = 1_000_000;

export type RequestFailure = 'disconnected' | 'timeout';

export interface OutgoingRequest {
  readonly correlationId: number;
}

export interface IncomingResponse {
  readonly correlationId: number;
}

interface InFlight {
  readonly peer: NodeId;
  readonly onResponse: (response: never) => void;
  readonly onFailure: (failure: RequestFailure) => void;
  readonly deadlineUs: number;
}

/** A peer's timeout timer: when it fires, and its id (−1 when none is armed). */
interface PeerTimer {
  atUs: number;
  id: TimerId;
}

export class NetworkClient {
  private nextCorrelationId = 1;
  private readonly inFlight = new Map<number, InFlight>();
  private readonly timers = new Map<NodeId, PeerTimer>();

  constructor(
    private readonly ctx: ActorContext,
    /** Delivers a message this process sent to itself (see the header). */
    private readonly loopback: (message: unknown) => void,
  ) {}

  /** A fresh correlation id for a request the caller is about to build. */
  correlationId(): number {
    return this.nextCorrelationId++;
  }

  /**
   * Sends `request` (whose correlationId came from `correlationId()`) to `peer`; exactly one of
   * `onResponse` and `onFailure` runs later, unless this incarnation dies first.
   */
  send<Res extends IncomingResponse>(
    peer: NodeId,
    request: OutgoingRequest,
    sizeBytes: number,
    timeoutMs: number,
    onResponse: (response: Res) => void,
    onFailure: (failure: RequestFailure) => void,
  ): void {
    assert(this.inFlight.size < MAX_IN_FLIGHT_REQUESTS, () => `${this.ctx.id}: more than ${MAX_IN_FLIGHT_REQUESTS} requests in flight`);
    assert(!this.inFlight.has(request.correlationId), () => `${this.ctx.id}: correlation id ${request.correlationId} reused`);
    const deadlineUs = this.ctx.now + Math.max(1, Math.round(timeoutMs * 1000));
    this.inFlight.set(request.correlationId, {
      peer,
      onResponse: onResponse as (response: never) => void,
      onFailure,
      deadlineUs,
    });
    this.armTimeout(peer, deadlineUs);
    sendOrLoop(this.ctx, peer, request, sizeBytes, this.loopback);
  }

  /** Routes a response; false when nothing waits for it (it timed out or the peer was dropped). */
  handleResponse(response: IncomingResponse): boolean {
    const pending = this.inFlight.get(response.correlationId);
    if (pending === undefined) return false;
    this.inFlight.delete(response.correlationId);
    pending.onResponse(response as never);
    return true;
  }

  /** The connection with `peer` ended: every request in flight to it fails. */
  handleDisconnect(peer: NodeId): void {
    this.failAll(peer, 'disconnected');
  }

  /** Gives up on one request without calling back (its sender no longer wants the answer). */
  forget(correlationId: number): void {
    const pending = this.inFlight.get(correlationId);
    if (pending === undefined) return;
    this.inFlight.delete(correlationId);
  }

  inFlightTo(peer: NodeId): number {
    let count = 0;
    for (const pending of this.inFlight.values()) if (pending.peer === peer) count++;
    return count;
  }

  /** Makes sure the peer's timer fires no later than `deadlineUs`. */
  private armTimeout(peer: NodeId, deadlineUs: number): void {
    let timer = this.timers.get(peer);
    if (timer === undefined) {
      timer = { atUs: Infinity, id: -1 };
      this.timers.set(peer, timer);
    }
    if (timer.id >= 0 && timer.atUs <= deadlineUs) return;
    if (timer.id >= 0) this.ctx.cancelTimer(timer.id);
    timer.atUs = deadlineUs;
    timer.id = this.ctx.setTimer(deadlineUs - this.ctx.now, () => this.checkTimeouts(peer));
  }

  /** handleTimedOutRequests for one peer: the oldest expired request closes the connection. */
  private checkTimeouts(peer: NodeId): void {
    const timer = this.timers.get(peer);
    if (timer !== undefined) timer.id = -1;
    const nowUs = this.ctx.now;
    let nextUs = Infinity;
    let expired = false;
    for (const pending of this.inFlight.values()) {
      if (pending.peer !== peer) continue;
      if (pending.deadlineUs <= nowUs) expired = true;
      else if (pending.deadlineUs < nextUs) nextUs = pending.deadlineUs;
    }
    if (expired) {
      // NetworkClient closes the connection of a timed-out request; the others on it fail too.
      this.ctx.closeConnection(peer);
      this.failAll(peer, 'timeout');
      return;
    }
    if (nextUs < Infinity) this.armTimeout(peer, nextUs);
  }

  private failAll(peer: NodeId, failure: RequestFailure): void {
    const failed: InFlight[] = [];
    for (const [correlationId, pending] of [...this.inFlight]) {
      if (pending.peer !== peer) continue;
      this.inFlight.delete(correlationId);
      failed.push(pending);
    }
    const timer = this.timers.get(peer);
    if (timer !== undefined && timer.id >= 0) {
      this.ctx.cancelTimer(timer.id);
      timer.id = -1;
    }
    for (const pending of failed) pending.onFailure(failure);
  }
}
