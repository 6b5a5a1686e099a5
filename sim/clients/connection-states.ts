// A client's view of its connections to brokers: org.apache.kafka.clients.ClusterConnectionStates.
//
// A node whose connection failed or ended is DISCONNECTED and blacked out for a reconnect backoff:
// reconnect.backoff.ms, doubled per consecutive failure up to reconnect.backoff.max.ms, with ±20 %
// jitter (ExponentialBackoff(base, 2, max, 0.2) in Kafka 2.6+, KIP-144). A node becomes CONNECTED
// again — and its failure count resets — when the connection works, which the simulator takes
// to be the first response that comes back on it. While a node is blacked out the client neither
// sends to it nor picks it as the least loaded node (NetworkClient.isUnavailable, canConnect), so
// a crashed broker costs one failed attempt per backoff, not one per loop of the caller.
//
// Simplified: connection setup is not a separate step, so socket.connection.setup.timeout.ms is
// not modelled.

import type { Rng } from '../core/rng.ts';
import type { NodeId } from '../hw/actor.ts';

/** ExponentialBackoff's jitter in ClusterConnectionStates. */
export const RECONNECT_JITTER = 0.2;

export interface ReconnectSettings {
  readonly reconnectBackoffUs: number;
  readonly reconnectBackoffMaxUs: number;
}

interface NodeState {
  connected: boolean;
  failures: number;
  lastAttemptUs: number;
  backoffUs: number;
}

export class ConnectionStates {
  private readonly nodes = new Map<NodeId, NodeState>();

  constructor(
    private readonly settings: ReconnectSettings,
    private readonly rng: Rng,
  ) {}

  /** A response came back from `node`: the connection works. */
  connected(node: NodeId): void {
    const state = this.state(node);
    state.connected = true;
    state.failures = 0;
  }

  /** A connection attempt to `node` at `nowUs` (a request sent while it is not connected). */
  attempted(node: NodeId, nowUs: number): void {
    const state = this.state(node);
    if (!state.connected) state.lastAttemptUs = nowUs;
  }

  isConnected(node: NodeId): boolean {
    return this.nodes.get(node)?.connected ?? false;
  }

  /** When `node` was last tried (−Infinity if never). */
  lastAttemptUs(node: NodeId): number {
    return this.nodes.get(node)?.lastAttemptUs ?? -Infinity;
  }

  /** The connection to `node` failed or ended at `nowUs` (ClusterConnectionStates.disconnected). */
  disconnected(node: NodeId, nowUs: number): void {
    const state = this.state(node);
    state.connected = false;
    state.lastAttemptUs = nowUs;
    state.backoffUs = this.backoffUs(state.failures);
    state.failures++;
  }

  /** Whether `node` is waiting out its reconnect backoff at `nowUs`. */
  isBlackedOut(node: NodeId, nowUs: number): boolean {
    return this.remainingUs(node, nowUs) > 0;
  }

  /** µs until `node` may be tried again (0 when it may be now). */
  remainingUs(node: NodeId, nowUs: number): number {
    const state = this.nodes.get(node);
    if (state === undefined || state.connected || state.failures === 0) return 0;
    return Math.max(0, state.lastAttemptUs + state.backoffUs - nowUs);
  }

  /** Consecutive failures of `node` since it last worked. */
  failures(node: NodeId): number {
    return this.nodes.get(node)?.failures ?? 0;
  }

  private backoffUs(failures: number): number {
    const { reconnectBackoffUs, reconnectBackoffMaxUs } = this.settings;
    let backoffUs = reconnectBackoffUs;
    for (let i = 0; i < failures && backoffUs < reconnectBackoffMaxUs; i++) backoffUs *= 2;
    backoffUs = Math.min(backoffUs, reconnectBackoffMaxUs);
    const jitter = 1 - RECONNECT_JITTER + this.rng.float() * 2 * RECONNECT_JITTER;
    return Math.round(backoffUs * jitter);
  }

  private state(node: NodeId): NodeState {
    let state = this.nodes.get(node);
    if (state === undefined) {
      state = { connected: false, failures: 0, lastAttemptUs: -Infinity, backoffUs: 0 };
      this.nodes.set(node, state);
    }
    return state;
  }
}
