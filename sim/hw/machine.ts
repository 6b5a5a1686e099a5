// A machine in a rack (DESIGN §4): a NIC, one or more disks behind one page cache, and one process
// — a broker, a ZooKeeper server or a client — whose lifecycle the fault timeline drives:
//
//   stopped ──start──▶ up ⇄ paused           (pause(for) / resume)
//   up, paused ──crash──▶ crashed             process killed; peers get a reset; page cache kept
//   up ──stop──▶ stopped                      clean exit: onStop, then FIN to every peer
//   any ──powerLoss──▶ powered-off            silent; unflushed data lost (disk.ts)
//   powered-off ──powerOn──▶ stopped
//   crashed, stopped, powered-off ──restart(after)──▶ restarting ──▶ up   (a crash cancels it)
//
// Each start is a new incarnation (process.ts) with fresh memory and a fresh random stream; the
// disks keep what survived. The trace records every transition (`node-up`, `node-down` with
// `how`, `node-paused`, `node-resumed`, `node-restarting`, `node-power-on`, and `disk-lost` per
// file after a power loss). Faults that do not apply to the current state (crashing a crashed
// process) change nothing and return false, as a Jepsen nemesis would shrug.
//
// Simplified: booting takes no time unless `restart` is given a delay; the kernel, the NIC and
// the disks keep working while the process is dead or paused (writeback continues after a crash).

import { assert } from '../core/assert.ts';
import type { Rng } from '../core/rng.ts';
import type { Scheduler, TimerId } from '../core/scheduler.ts';
import { US_PER_MS } from '../core/time.ts';
import type { Trace } from '../core/trace.ts';
import type { Actor, DisconnectReason, NodeId } from './actor.ts';
import { Disk } from './disk.ts';
import type { NetNode, Network, NetworkHost } from './network.ts';
import { Nic } from './nic.ts';
import { PageCache } from './page-cache.ts';
import { Incarnation } from './process.ts';
import type { HardwareProfile } from './profiles.ts';

export type ProcessState = 'stopped' | 'up' | 'paused' | 'crashed' | 'restarting' | 'powered-off';

export interface MachineEnvironment {
  readonly scheduler: Scheduler;
  readonly trace: Trace;
  readonly network: Network;
  /** This machine's stream; each incarnation forks its own from it. */
  readonly rng: Rng;
  /** Page-cache model granularity (tests use small values). */
  readonly pageCacheChunkBytes?: number;
}

export class Machine implements NetworkHost {
  readonly nic: Nic;
  readonly pageCache: PageCache;
  readonly disks: readonly Disk[];
  readonly netNode: NetNode;
  state: ProcessState = 'stopped';
  poweredOn = true;
  private readonly powerLossTimesUs: number[] = [];
  incarnations = 0;
  private actor: Actor | null = null;
  private process: Incarnation | null = null;
  private pauseEndTimer: TimerId | null = null;
  private pauseUntilUs = 0;
  private restartTimer: TimerId | null = null;

  constructor(
    private readonly env: MachineEnvironment,
    readonly id: NodeId,
    readonly rack: string,
    readonly hardware: HardwareProfile,
  ) {
    this.nic = new Nic(id, hardware.nicBitsPerSecond);
    this.pageCache = new PageCache({
      capacityBytes: hardware.ramBytes - hardware.heapBytes,
      dirtyBackgroundRatio: hardware.vmDirtyBackgroundRatio,
      dirtyRatio: hardware.vmDirtyRatio,
      ...(env.pageCacheChunkBytes === undefined ? {} : { chunkBytes: env.pageCacheChunkBytes }),
    });
    this.disks = Array.from({ length: hardware.disks }, (_, index) => new Disk(env.scheduler, this.pageCache, {
      label: `${id}/disk-${index}`,
      writeBytesPerSecond: hardware.diskWriteBytesPerSecond,
      readBytesPerSecond: hardware.diskReadBytesPerSecond,
      latencyUs: hardware.diskLatencyUs,
      dirtyExpireUs: hardware.vmDirtyExpireCentisecs * 10 * US_PER_MS,
      dirtyWritebackIntervalUs: hardware.vmDirtyWritebackCentisecs * 10 * US_PER_MS,
    }));
    this.netNode = env.network.addNode(this);
  }

  get intraRackLatencyUs(): number {
    return this.hardware.intraRackLatencyUs;
  }

  get crossRackLatencyUs(): number {
    return this.hardware.crossRackLatencyUs;
  }

  get latencyJitterUs(): number {
    return this.hardware.latencyJitterUs;
  }

  get powerLosses(): number {
    return this.powerLossTimesUs.length;
  }

  powerLossAtUs(index: number): number {
    return this.powerLossTimesUs[index] ?? Infinity;
  }

  /** A process exists (up or paused): its sockets accept data. */
  get listening(): boolean {
    return this.process !== null;
  }

  /** Sets the program this machine runs (before its first start). */
  install(actor: Actor): void {
    assert(this.actor === null, () => `${this.id} already runs an actor`);
    this.actor = actor;
  }

  deliver(from: NodeId, message: unknown): void {
    this.process?.receive(from, message);
  }

  disconnected(peer: NodeId, reason: DisconnectReason): void {
    this.process?.disconnected(peer, reason);
  }

  /** Starts a new incarnation (powering the machine on first if needed). */
  start(): boolean {
    if (!this.poweredOn) this.powerOn();
    if (this.state !== 'stopped' && this.state !== 'crashed' && this.state !== 'restarting') return false;
    assert(this.actor !== null, () => `${this.id} has no actor to start`);
    this.cancelRestart();
    this.incarnations++;
    this.process = new Incarnation(
      { scheduler: this.env.scheduler, trace: this.env.trace, network: this.env.network, netNode: this.netNode, rack: this.rack, hardware: this.hardware, disks: this.disks },
      this.actor,
      this.incarnations,
      this.env.rng.fork(`incarnation-${this.incarnations}`),
    );
    this.state = 'up';
    this.env.trace.emit('node-up', { node: this.id, incarnation: this.incarnations });
    this.process.start();
    return true;
  }

  /** Kills the process (SIGKILL): its kernel resets every connection. */
  crash(): boolean {
    if (this.state === 'restarting') {
      this.cancelRestart();
      this.state = 'crashed';
      this.env.trace.emit('node-restart-cancelled', { node: this.id });
      return true;
    }
    if (!this.endProcess('reset')) return false;
    this.state = 'crashed';
    this.env.trace.emit('node-down', { node: this.id, how: 'crash' });
    return true;
  }

  /** Clean exit: the actor's onStop runs, then every connection is closed. */
  stop(): boolean {
    if (this.state !== 'up') return false;
    (this.process as Incarnation).stopActor();
    this.endProcess('closed');
    this.state = 'stopped';
    this.env.trace.emit('node-down', { node: this.id, how: 'stop' });
    return true;
  }

  /** The machine loses power: the process vanishes silently and unflushed data is lost. */
  powerLoss(): boolean {
    if (!this.poweredOn) return false;
    this.cancelRestart();
    this.endProcess('silent');
    const nowUs = this.env.scheduler.now;
    this.poweredOn = false;
    this.powerLossTimesUs.push(nowUs);
    this.nic.reset(nowUs);
    const losses = this.disks.map((disk) => disk.powerLoss());
    this.pageCache.clear();
    this.state = 'powered-off';
    const lostBytes = losses.flat().reduce((sum, loss) => sum + loss.lostBytes, 0);
    this.env.trace.emit('node-down', { node: this.id, how: 'power-loss', lostBytes });
    losses.forEach((fileLosses, disk) => {
      for (const loss of fileLosses) this.env.trace.emit('disk-lost', { node: this.id, disk, file: loss.file, lostBytes: loss.lostBytes, survivingPosition: loss.survivingPosition });
    });
    return true;
  }

  /** Power returns; the process stays down until started. */
  powerOn(): boolean {
    if (this.poweredOn) return false;
    this.poweredOn = true;
    this.state = 'stopped';
    this.env.trace.emit('node-power-on', { node: this.id });
    return true;
  }

  /**
   * Brings the process back after `delayUs` (a running one is killed first; a powered-off
   * machine is powered on).
   */
  restart(delayUs = 0): boolean {
    if (this.state === 'restarting') return false;
    if (this.state === 'up' || this.state === 'paused') this.crash();
    if (!this.poweredOn) this.powerOn();
    if (delayUs === 0) return this.start();
    this.state = 'restarting';
    this.restartTimer = this.env.scheduler.schedule(delayUs, () => {
      this.restartTimer = null;
      this.start();
    });
    this.env.trace.emit('node-restarting', { node: this.id, startsAtUs: this.env.scheduler.now + delayUs });
    return true;
  }

  /** Freezes the process for `forUs` (a longer pause while paused extends it). */
  pause(forUs: number): boolean {
    assert(Number.isInteger(forUs) && forUs > 0, () => `pause of ${this.id} for ${forUs}us: needs a positive whole number of microseconds`);
    const untilUs = this.env.scheduler.now + forUs;
    if (this.state === 'paused') {
      if (untilUs <= this.pauseUntilUs) return false;
      this.env.scheduler.cancel(this.pauseEndTimer as TimerId);
    } else if (this.state === 'up') {
      (this.process as Incarnation).pause();
      this.state = 'paused';
    } else {
      return false;
    }
    this.pauseUntilUs = untilUs;
    this.pauseEndTimer = this.env.scheduler.schedule(forUs, () => this.resume());
    this.env.trace.emit('node-paused', { node: this.id, untilUs });
    return true;
  }

  /** Ends a pause now. */
  resume(): boolean {
    if (this.state !== 'paused') return false;
    this.clearPauseTimer();
    this.state = 'up';
    this.env.trace.emit('node-resumed', { node: this.id });
    (this.process as Incarnation).resume();
    return true;
  }

  private endProcess(how: DisconnectReason | 'silent'): boolean {
    const process = this.process;
    if (process === null) return false;
    this.clearPauseTimer();
    process.kill();
    this.process = null;
    this.env.network.processEnded(this.netNode, how);
    return true;
  }

  private clearPauseTimer(): void {
    if (this.pauseEndTimer !== null) this.env.scheduler.cancel(this.pauseEndTimer);
    this.pauseEndTimer = null;
  }

  private cancelRestart(): void {
    if (this.restartTimer !== null) this.env.scheduler.cancel(this.restartTimer);
    this.restartTimer = null;
  }
}
