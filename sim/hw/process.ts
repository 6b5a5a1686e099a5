// One incarnation of a process: the ActorContext an actor gets at start, valid until the process
// dies (actor.ts states the contract). Everything the process would react to — messages,
// disconnects, timers, finished CPU and disk work — enters through here, so one place decides
// what a dead or frozen process does with it:
//
// - dead (crashed, stopped, powered off): nothing runs again. Timers and CPU jobs are cancelled;
//   late disk completions are dropped. Using a dead context is a simulator bug (an assertion).
// - paused (GC pause / SIGSTOP): messages, disconnects, due timers and disk completions wait in
//   arrival order and run at resume, so timers fire late as they do after a real stall (the
//   clock is wall time). CPU work is frozen with its threads: each unfinished job finishes the
//   pause's length later, as a stop-the-world pause delays the work in progress.
//
// Disks are reached through per-incarnation views (`ProcessDisk`, `ProcessFile`): the files and
// their bytes belong to the machine (disk.ts) and outlive the process, but every completion (fsync
// done, read done, snapshot durable) is routed through the incarnation that asked.
//
// Simplified: a pause stops the whole process at once (no safepoint delay); inputs queue without
// limit other than MAX_PAUSE_BACKLOG (no TCP receive window pushing back on senders).

import { assert } from '../core/assert.ts';
import type { Rng } from '../core/rng.ts';
import type { Scheduler, TimerId } from '../core/scheduler.ts';
import type { Trace } from '../core/trace.ts';
import type { Actor, ActorContext, DisconnectReason, DiskAccess, FileHandle, NodeId } from './actor.ts';
import { CpuPool } from './cpu.ts';
import type { Disk, DiskFile } from './disk.ts';
import type { NetNode, Network } from './network.ts';
import type { HardwareProfile } from './profiles.ts';

/** Timers one process may have pending. */
export const MAX_TIMERS_PER_PROCESS = 1_000_000;
/** CPU jobs one process may have unfinished. */
export const MAX_COMPUTE_JOBS_PER_PROCESS = 1_000_000;
/** Death hooks one incarnation may register. */
export const MAX_DEATH_HOOKS = 1_000;
/** Inputs a paused process may accumulate. */
export const MAX_PAUSE_BACKLOG = 1_000_000;
/** The pool `compute(costUs, fn)` uses: one thread per core. */
export const DEFAULT_POOL = 'cpu';

/** What an incarnation needs from the machine it runs on. */
export interface ProcessEnvironment {
  readonly scheduler: Scheduler;
  readonly trace: Trace;
  readonly network: Network;
  readonly netNode: NetNode;
  readonly rack: string;
  readonly hardware: HardwareProfile;
  readonly disks: readonly Disk[];
}

class TimerRecord {
  id: TimerId = -1;
  constructor(
    readonly owner: Incarnation,
    readonly fn: (arg: unknown) => void,
    readonly arg: unknown,
  ) {}
}

class ComputeJob {
  timerId: TimerId = -1;
  constructor(
    readonly owner: Incarnation,
    readonly fn: (arg: unknown) => void,
    readonly arg: unknown,
    /** When the job finishes (fractional µs). */
    public doneUs: number,
  ) {}
}

const timerDue = (record: TimerRecord): void => record.owner.timerDue(record);
const jobDue = (job: ComputeJob): void => job.owner.jobDue(job);

export class Incarnation implements ActorContext {
  readonly id: NodeId;
  readonly rack: string;
  readonly hardware: HardwareProfile;
  readonly trace: Trace;
  readonly diskCount: number;
  private alive = true;
  /** When the current pause began, or -1 while running. */
  private pausedAtUs = -1;
  /** When this incarnation started, and how long its finished pauses lasted in all. */
  private readonly startedAtUs: number;
  private pausedTotalUs = 0;
  private deathHooks: ((nowUs: number) => void)[] = [];
  private readonly scheduler: Scheduler;
  private readonly timers = new Map<TimerId, TimerRecord>();
  private readonly jobs = new Set<ComputeJob>();
  private readonly pools = new Map<string, CpuPool>();
  private backlog: (() => void)[] = [];
  private readonly diskViews: (ProcessDisk | undefined)[];

  constructor(
    private readonly env: ProcessEnvironment,
    private readonly actor: Actor,
    readonly incarnation: number,
    readonly rng: Rng,
  ) {
    this.id = env.netNode.id;
    this.rack = env.rack;
    this.hardware = env.hardware;
    this.trace = env.trace;
    this.scheduler = env.scheduler;
    this.startedAtUs = env.scheduler.now;
    this.diskCount = env.disks.length;
    this.diskViews = new Array<ProcessDisk | undefined>(env.disks.length);
  }

  get now(): number {
    return this.scheduler.now;
  }

  get runningUs(): number {
    const nowUs = this.scheduler.now;
    const pausingUs = this.pausedAtUs >= 0 ? nowUs - this.pausedAtUs : 0;
    return nowUs - this.startedAtUs - this.pausedTotalUs - pausingUs;
  }

  onDeath(fn: (nowUs: number) => void): void {
    this.checkAlive('onDeath');
    assert(this.deathHooks.length < MAX_DEATH_HOOKS, () => `${this.id}: more than ${MAX_DEATH_HOOKS} death hooks`);
    this.deathHooks.push(fn);
  }

  get running(): boolean {
    return this.alive && this.pausedAtUs < 0;
  }

  send(to: NodeId, message: unknown, sizeBytes: number): void {
    this.checkAlive('send');
    this.env.network.send(this.env.netNode, to, message, sizeBytes);
  }

  closeConnection(peer: NodeId): void {
    this.checkAlive('closeConnection');
    this.env.network.close(this.env.netNode, peer);
  }

  setTimer<A>(delayUs: number, fn: (arg: A) => void, arg?: A): TimerId {
    return this.addTimer(delayUs, fn as (arg: unknown) => void, arg, false);
  }

  setLateTimer<A>(delayUs: number, fn: (arg: A) => void, arg?: A): TimerId {
    return this.addTimer(delayUs, fn as (arg: unknown) => void, arg, true);
  }

  private addTimer(delayUs: number, fn: (arg: unknown) => void, arg: unknown, late: boolean): TimerId {
    this.checkAlive('setTimer');
    assert(this.timers.size < MAX_TIMERS_PER_PROCESS, () => `${this.id}: more than ${MAX_TIMERS_PER_PROCESS} timers pending`);
    const record = new TimerRecord(this, fn, arg);
    record.id = late ? this.scheduler.scheduleLate(delayUs, this.env.netNode.index, timerDue, record) : this.scheduler.schedule(delayUs, timerDue, record);
    this.timers.set(record.id, record);
    return record.id;
  }

  cancelTimer(id: TimerId): void {
    if (this.timers.delete(id)) this.scheduler.cancel(id);
  }

  compute<A>(costOrPool: number | string, costOrFn: number | ((arg: A) => void), fnOrArg?: ((arg: A) => void) | A, arg?: A): void {
    this.checkAlive('compute');
    const named = typeof costOrPool === 'string';
    const poolName = named ? costOrPool : DEFAULT_POOL;
    const costUs = (named ? costOrFn : costOrPool) as number;
    const fn = (named ? fnOrArg : costOrFn) as (arg: unknown) => void;
    const jobArg = named ? arg : fnOrArg;
    assert(this.jobs.size < MAX_COMPUTE_JOBS_PER_PROCESS, () => `${this.id}: more than ${MAX_COMPUTE_JOBS_PER_PROCESS} CPU jobs unfinished`);
    const nowUs = this.scheduler.now;
    const job = new ComputeJob(this, fn, jobArg, this.pool(poolName).reserve(nowUs, costUs));
    job.timerId = this.scheduler.schedule(Math.ceil(job.doneUs) - nowUs, jobDue, job);
    this.jobs.add(job);
  }

  definePool(name: string, threads: number): void {
    this.checkAlive('definePool');
    this.pools.set(name, new CpuPool(`${this.id}/${name}`, threads));
  }

  disk(index = 0): DiskAccess {
    this.checkAlive('disk');
    const disk = this.env.disks[index];
    assert(disk !== undefined, () => `${this.id} has ${this.env.disks.length} disk(s); there is no disk ${index}`);
    let view = this.diskViews[index];
    if (view === undefined) {
      view = new ProcessDisk(index, disk, this);
      this.diskViews[index] = view;
    }
    return view;
  }

  /** The CPU pool `name` (the default pool is created on first use). */
  pool(name: string): CpuPool {
    let pool = this.pools.get(name);
    if (pool === undefined) {
      assert(name === DEFAULT_POOL, () => `${this.id}: no CPU pool "${name}" (call definePool first)`);
      pool = new CpuPool(`${this.id}/${DEFAULT_POOL}`, this.hardware.cores);
      this.pools.set(name, pool);
    }
    return pool;
  }

  /** Starts the actor on this incarnation. */
  start(): void {
    this.actor.onStart(this);
  }

  /** A message from the network. */
  receive(from: NodeId, message: unknown): void {
    if (this.pausedAtUs >= 0) this.defer(() => this.actor.onMessage(from, message));
    else this.actor.onMessage(from, message);
  }

  disconnected(peer: NodeId, reason: DisconnectReason): void {
    const onDisconnect = this.actor.onDisconnect;
    if (onDisconnect === undefined) return;
    if (this.pausedAtUs >= 0) this.defer(() => onDisconnect.call(this.actor, peer, reason));
    else onDisconnect.call(this.actor, peer, reason);
  }

  /** Runs a completion (disk work) now, later if paused, or never if this incarnation died. */
  complete(fn: () => void): void {
    if (!this.alive) return;
    if (this.pausedAtUs >= 0) this.defer(fn);
    else fn();
  }

  timerDue(record: TimerRecord): void {
    if (!this.timers.has(record.id)) return;
    if (this.pausedAtUs >= 0) {
      this.defer(() => this.runTimer(record));
      return;
    }
    this.runTimer(record);
  }

  jobDue(job: ComputeJob): void {
    // While paused the job stays unfinished; resume reschedules it.
    if (!this.alive || this.pausedAtUs >= 0) return;
    this.jobs.delete(job);
    job.fn(job.arg);
  }

  /** The process freezes. */
  pause(): void {
    assert(this.alive && this.pausedAtUs < 0, () => `${this.id}: pause of a process that is not running`);
    this.actor.onPause?.();
    this.pausedAtUs = this.scheduler.now;
  }

  /** The process thaws: CPU work moves later by the pause, then the backlog runs in order. */
  resume(): void {
    assert(this.alive && this.pausedAtUs >= 0, () => `${this.id}: resume of a process that is not paused`);
    const nowUs = this.scheduler.now;
    const pausedForUs = nowUs - this.pausedAtUs;
    this.pausedTotalUs += pausedForUs;
    for (const pool of this.pools.values()) pool.shift(this.pausedAtUs, pausedForUs);
    for (const job of this.jobs) {
      this.scheduler.cancel(job.timerId);
      job.doneUs += pausedForUs;
      job.timerId = this.scheduler.schedule(Math.ceil(job.doneUs) - nowUs, jobDue, job);
    }
    this.pausedAtUs = -1;
    const backlog = this.backlog;
    this.backlog = [];
    for (let i = 0; i < backlog.length; i++) {
      if (!this.alive) return;
      if (this.pausedAtUs >= 0) {
        this.backlog = backlog.slice(i).concat(this.backlog);
        return;
      }
      (backlog[i] as () => void)();
    }
  }

  /** The process dies: nothing of this incarnation runs again. */
  kill(): void {
    const nowUs = this.scheduler.now;
    const hooks = this.deathHooks;
    this.deathHooks = [];
    for (const hook of hooks) hook(nowUs);
    this.alive = false;
    for (const id of this.timers.keys()) this.scheduler.cancel(id);
    for (const job of this.jobs) this.scheduler.cancel(job.timerId);
    this.timers.clear();
    this.jobs.clear();
    this.backlog = [];
  }

  /** Calls the actor's clean-shutdown hook. */
  stopActor(): void {
    this.actor.onStop?.();
  }

  private runTimer(record: TimerRecord): void {
    if (!this.timers.delete(record.id)) return;
    record.fn(record.arg);
  }

  private defer(input: () => void): void {
    assert(this.backlog.length < MAX_PAUSE_BACKLOG, () => `${this.id}: more than ${MAX_PAUSE_BACKLOG} inputs queued during a pause`);
    this.backlog.push(input);
  }

  private checkAlive(what: string): void {
    if (!this.alive) assert(false, `${this.id}: ${what} on the context of incarnation ${this.incarnation}, which has ended`);
  }
}

/** A disk as one incarnation sees it (actor.ts `DiskAccess`). */
export class ProcessDisk implements DiskAccess {
  private readonly handles = new Map<string, ProcessFile>();

  constructor(
    readonly index: number,
    private readonly disk: Disk,
    private readonly owner: Incarnation,
  ) {}

  file(name: string): FileHandle {
    let handle = this.handles.get(name);
    if (handle === undefined) {
      handle = new ProcessFile(this.disk, this.disk.file(name), this.owner);
      this.handles.set(name, handle);
    }
    return handle;
  }

  fileNames(): string[] {
    return [...this.disk.files.keys()];
  }
}

class ProcessFile implements FileHandle {
  constructor(
    private readonly disk: Disk,
    private readonly file: DiskFile,
    private readonly owner: Incarnation,
  ) {}

  get name(): string {
    return this.file.name;
  }

  get endPosition(): number {
    return this.file.endPosition;
  }

  get durablePosition(): number {
    return this.file.durablePosition;
  }

  get survivingPosition(): number {
    return this.file.survivingPosition;
  }

  get contents(): unknown {
    return this.file.contents;
  }

  set contents(value: unknown) {
    this.file.contents = value;
  }

  get snapshot(): unknown {
    return this.file.snapshot;
  }

  append(bytes: number): number {
    return this.disk.append(this.file, bytes);
  }

  fsync(done: () => void): void {
    this.disk.fsync(this.file, () => this.owner.complete(done));
  }

  read(position: number, bytes: number, done: () => void): void {
    this.disk.read(this.file, position, bytes, () => this.owner.complete(done));
  }

  writeSnapshot(snapshot: unknown, bytes: number, done?: () => void): void {
    this.disk.writeSnapshot(this.file, snapshot, bytes, done === undefined ? undefined : () => this.owner.complete(done));
  }
}
