// The contract between the virtual hardware and everything that runs on it (DESIGN §1.4): a
// broker, a ZooKeeper server or a client is an *actor* — a process on a machine with private state
// — that talks to other actors only through the simulated network, and sets timers only through
// its process. That is what lets the hardware layer model faults faithfully:
//
// - crash (process killed, machine up): the incarnation ends; its timers never fire; peers with an
//   open connection see it reset (as the kernel sends FIN/RST for a killed process); its page
//   cache survives in the OS.
// - power loss: as crash, but peers hear nothing (silence until their own timeouts) and unflushed
//   page-cache data is lost.
// - pause (GC pause / SIGSTOP): nothing is delivered and no timer fires until resume; then the
//   backlog is handled in order and timers fire late.
//
// Connections are TCP-like: ordered and reliable while they live. A message lost to a network
// partition breaks its connection: everything sent after it on that connection is lost too
// (TCP never delivers past a gap), until the sender closes the connection — which Kafka's and
// ZooKeeper's clients do when a request times out — and a new one is opened by the next send.

import type { Rng } from '../core/rng.ts';
import type { Trace } from '../core/trace.ts';
import type { TimerId } from '../core/scheduler.ts';

/** A network endpoint: "broker-1", "zk-2", "producer-p1", "consumer-billing-0". */
export type NodeId = string;

/** Why a connection ended, as the side that learns of it sees it. */
export type DisconnectReason = 'reset' | 'closed';

export interface Actor {
  /** The process (re)started: a fresh incarnation with empty memory; disks keep what survived. */
  onStart(ctx: ActorContext): void;
  /** A message arrived from `from` (delivered in send order per connection). */
  onMessage(from: NodeId, message: unknown): void;
  /** The connection with `peer` was reset or closed by the other side. */
  onDisconnect?(peer: NodeId, reason: DisconnectReason): void;
  /** The process is being stopped cleanly (after a controlled shutdown); optional. */
  onStop?(): void;
}

/** What a running process may do. Valid only for the incarnation it was handed to. */
export interface ActorContext {
  readonly id: NodeId;
  /** The rack of this actor's machine. */
  readonly rack: string;
  /** Current simulated time in microseconds. */
  readonly now: number;
  /** This actor's random stream (stable across restarts' draws of other actors). */
  readonly rng: Rng;
  readonly trace: Trace;
  /** Sends `message` of `sizeBytes` on the connection to `to`, opening it if needed. */
  send(to: NodeId, message: unknown, sizeBytes: number): void;
  /** Closes this side's connection to `peer`; the next send opens a fresh one. */
  closeConnection(peer: NodeId): void;
  /** Runs `fn(arg)` after `delayUs` of this process's time: never after a crash, late after a pause. */
  setTimer<A>(delayUs: number, fn: (arg: A) => void, arg?: A): TimerId;
  cancelTimer(id: TimerId): void;
  /** Runs `fn` after `costUs` of CPU time on this machine's pool of `threads` (FIFO when busy). */
  compute(costUs: number, fn: () => void): void;
}
