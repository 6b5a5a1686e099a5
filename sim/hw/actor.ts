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
//
// Disks: a process reaches its machine's disks through `disk(i)`; files there outlive every
// incarnation. A file's `contents` is where its owner keeps the structured image of its bytes (a
// partition's log), so a restarted broker finds its log again; after a power loss the image still
// holds what was lost, and the owner must first recover it to `survivingPosition`
// (`log.recoverTo(file.survivingPosition)` on every start; after a crash that is a no-op).
//
// CPU: `compute` runs work on a named pool of threads (`definePool`), by default one of
// `hardware.cores` threads called "cpu"; costs come from `hardware` (per request, per byte, per
// record). Completions of disk and CPU work, like messages and timers, reach the process only
// while it runs: never after it died, late after a pause.

import type { Rng } from '../core/rng.ts';
import type { Trace } from '../core/trace.ts';
import type { TimerId } from '../core/scheduler.ts';
import type { HardwareProfile } from './profiles.ts';

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
  /**
   * The process is about to freeze (a pause). Bookkeeping only, optional: an actor that planned
   * work ahead (the producer's deferred sends) gives it its own timers again, which then wait out
   * the pause as every timer does.
   */
  onPause?(): void;
}

/** What a running process may do. Valid only for the incarnation it was handed to. */
export interface ActorContext {
  readonly id: NodeId;
  /** 1 for the first start of this node, then one more per restart. */
  readonly incarnation: number;
  /** The machine's hardware, for CPU costs and sizes (read-only). */
  readonly hardware: HardwareProfile;
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
  /** µs this incarnation has spent running, pauses excluded: the clock of work in progress. */
  readonly runningUs: number;
  /**
   * Runs `fn(nowUs)` once, synchronously, when this incarnation ends (crash, power loss, stop).
   * For bookkeeping outside the simulated world — a client's Jepsen-style history recording how
   * far the work in progress got — never for simulated behaviour: `fn` may read the context (`runningUs`) but not act through it.
   */
  onDeath(fn: (nowUs: number) => void): void;
  /** Runs `fn(arg)` after `delayUs` of this process's time: never after a crash, late after a pause. */
  setTimer<A>(delayUs: number, fn: (arg: A) => void, arg?: A): TimerId;
  /**
   * The same, but the timer runs after every other event of its microsecond (see event-queue.ts):
   * for work whose effects a catch-up may apply later without changing their order.
   */
  setLateTimer<A>(delayUs: number, fn: (arg: A) => void, arg?: A): TimerId;
  cancelTimer(id: TimerId): void;
  /** Runs `fn(arg)` after `costUs` (may be fractional) of CPU on the default pool "cpu" (FIFO when busy). */
  compute<A>(costUs: number, fn: (arg: A) => void, arg?: A): void;
  /** The same on the pool named `pool` (see `definePool`). */
  compute<A>(pool: string, costUs: number, fn: (arg: A) => void, arg?: A): void;
  /** Creates a pool of `threads`, e.g. ('request-handler', num.io.threads); again: replaces it. */
  definePool(name: string, threads: number): void;
  /** Disks of this machine, one per log dir. */
  readonly diskCount: number;
  /** The machine's disk `index` (default 0). */
  disk(index?: number): DiskAccess;
}

/** One disk as a process sees it. */
export interface DiskAccess {
  readonly index: number;
  /** The file called `name`, created empty on first use. Cheap to call again. */
  file(name: string): FileHandle;
  /** Names of the files on this disk, in creation order. */
  fileNames(): string[];
}

/**
 * A file on a disk. Appends go to the end of a file that only grows; positions are never reused
 * (truncation is the owner's business), so "bytes below N are durable" is meaningful.
 */
export interface FileHandle {
  readonly name: string;
  /** Bytes ever appended. */
  readonly endPosition: number;
  /** Bytes below this are on stable storage (written back or fsynced). */
  readonly durablePosition: number;
  /** Where the data a reader finds ends: the end, or after a power loss what was durable then. */
  readonly survivingPosition: number;
  /** The owner's structured image of the bytes (e.g. its log); survives crashes and power loss. */
  contents: unknown;
  /** The latest snapshot written (checkpoint files); after a power loss, the last durable one. */
  readonly snapshot: unknown;
  /**
   * Appends `bytes` (into the page cache). Returns the µs the write() blocks: 0, or longer past
   * vm.dirty_ratio — hold the writing thread that long to feel the disk's speed.
   */
  append(bytes: number): number;
  /** `done` runs once every byte appended so far is durable. */
  fsync(done: () => void): void;
  /** `done` runs once [position, position + bytes) is in memory: at once if cached. */
  read(position: number, bytes: number, done: () => void): void;
  /** Replaces the snapshot and makes it durable (write, fsync, rename); `done` when durable. */
  writeSnapshot(snapshot: unknown, bytes: number, done?: () => void): void;
}
