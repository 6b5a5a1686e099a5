// The physical world of a run: racks of machines on one network, and every hardware fault the
// fault timeline (DESIGN §8) can inject. The scenario builder describes machines — an id, a rack,
// a hardware profile — installs an actor on each and starts them; the timeline then calls the
// fault operations here at their moments, resolving targets such as `rack: r1` with
// `nodesInRack`.
//
// Process faults (crash, stop, power loss, power on, restart, pause, resume) act at once and are
// undone by their opposite. Lasting faults (partitions, slow disks, slow networks) get a FaultId;
// `heal(id)` ends one (a `for:` duration), `heal()` ends every one in force (`heal: {}`). Lasting
// faults overlap: partitions add up, added latencies add up, a node's bandwidth is the smallest
// cap in force, and its disks are as slow as the largest slow-disk factor in force.

import { assert } from '../core/assert.ts';
import type { Rng } from '../core/rng.ts';
import type { Scheduler } from '../core/scheduler.ts';
import type { Trace } from '../core/trace.ts';
import type { Actor, NodeId } from './actor.ts';
import type { FaultId, PartitionShape } from './link-faults.ts';
import { Machine } from './machine.ts';
import { Network, type NetworkOptions } from './network.ts';
import { resolveHardwareProfile, type HardwareProfile } from './profiles.ts';

export type { FaultId, PartitionShape };

export interface WorldOptions {
  readonly scheduler: Scheduler;
  readonly trace: Trace;
  /** The run's root stream; the world forks "hw/net" and "hw/<node>" from it. */
  readonly rng: Rng;
  readonly network?: NetworkOptions;
  /** Page-cache model granularity (see page-cache.ts); tests use small values. */
  readonly pageCacheChunkBytes?: number;
}

export interface MachineOptions {
  readonly id: NodeId;
  /** Rack name (Kafka's broker.rack); machines without racks can all share one, e.g. "default". */
  readonly rack: string;
  /** A resolved profile, or a profile name (default ssd-10g) with `overrides`. */
  readonly hardware?: HardwareProfile | string;
  readonly overrides?: Readonly<Record<string, number | string>>;
  readonly actor?: Actor;
}

export interface SlowNetworkOptions {
  /** Extra one-way latency on every message to or from the node. */
  readonly addedLatencyUs?: number;
  /** The node's NIC bandwidth cap, both directions. */
  readonly bandwidthBytesPerSecond?: number;
}

type LastingFault =
  | { readonly kind: 'partition' }
  | { readonly kind: 'slow-disk'; readonly node: NodeId; readonly factor: number }
  | { readonly kind: 'slow-network'; readonly node: NodeId; readonly bandwidthBitsPerSecond: number };

export class World {
  readonly scheduler: Scheduler;
  readonly trace: Trace;
  readonly network: Network;
  private readonly rng: Rng;
  private readonly machines = new Map<NodeId, Machine>();
  private readonly lasting = new Map<FaultId, LastingFault>();
  private nextFaultId = 1;

  constructor(private readonly options: WorldOptions) {
    this.scheduler = options.scheduler;
    this.trace = options.trace;
    this.rng = options.rng;
    this.network = new Network(options.scheduler, options.trace, options.rng.fork('hw/net'), options.network);
  }

  addMachine(options: MachineOptions): Machine {
    assert(!this.machines.has(options.id), () => `machine ${options.id} added twice`);
    assert(options.rack.length > 0, () => `machine ${options.id} needs a rack name`);
    const hardware = typeof options.hardware === 'object' ? options.hardware : resolveHardwareProfile(options.hardware, options.overrides);
    const machine = new Machine(
      {
        scheduler: this.scheduler,
        trace: this.trace,
        network: this.network,
        rng: this.rng.fork(`hw/${options.id}`),
        ...(this.options.pageCacheChunkBytes === undefined ? {} : { pageCacheChunkBytes: this.options.pageCacheChunkBytes }),
      },
      options.id,
      options.rack,
      hardware,
    );
    this.machines.set(options.id, machine);
    if (options.actor !== undefined) machine.install(options.actor);
    return machine;
  }

  machine(id: NodeId): Machine {
    const machine = this.machines.get(id);
    assert(machine !== undefined, () => `no machine ${id}`);
    return machine;
  }

  /** Node ids in the order they were added. */
  nodes(): NodeId[] {
    return [...this.machines.keys()];
  }

  nodesInRack(rack: string): NodeId[] {
    return [...this.machines.values()].filter((m) => m.rack === rack).map((m) => m.id);
  }

  /** Runs the simulation up to `timeUs`. */
  runUntil(timeUs: number): void {
    this.scheduler.runUntil(timeUs);
  }

  start(id: NodeId): boolean {
    return this.machine(id).start();
  }
  crash(id: NodeId): boolean {
    return this.machine(id).crash();
  }
  stop(id: NodeId): boolean {
    return this.machine(id).stop();
  }
  powerLoss(id: NodeId): boolean {
    return this.machine(id).powerLoss();
  }
  powerOn(id: NodeId): boolean {
    return this.machine(id).powerOn();
  }
  restart(id: NodeId, delayUs = 0): boolean {
    return this.machine(id).restart(delayUs);
  }
  pause(id: NodeId, forUs: number): boolean {
    return this.machine(id).pause(forUs);
  }
  resume(id: NodeId): boolean {
    return this.machine(id).resume();
  }

  /** Starts a network partition; messages it drops vanish without a trace to the sender. */
  partition(shape: PartitionShape): FaultId {
    for (const node of partitionNodes(shape)) this.machine(node);
    const id = this.nextFaultId++;
    this.network.faults.addPartition(id, shape);
    this.network.refreshFaults();
    this.lasting.set(id, { kind: 'partition' });
    this.trace.emit('partition-start', { fault: id, ...shape });
    return id;
  }

  /** Adds latency to, and/or caps the bandwidth of, everything `node` sends and receives. */
  slowNetwork(node: NodeId, options: SlowNetworkOptions): FaultId {
    const machine = this.machine(node);
    const addedLatencyUs = options.addedLatencyUs ?? 0;
    const bandwidthBitsPerSecond = options.bandwidthBytesPerSecond === undefined ? Infinity : options.bandwidthBytesPerSecond * 8;
    assert(bandwidthBitsPerSecond > 0, () => `slow-network on ${node}: bandwidth must be positive`);
    const id = this.nextFaultId++;
    this.network.faults.addLatency(id, node, addedLatencyUs);
    this.network.refreshFaults();
    this.lasting.set(id, { kind: 'slow-network', node, bandwidthBitsPerSecond });
    this.applyBandwidth(machine);
    this.trace.emit('slow-network', { fault: id, node, addedLatencyUs, bandwidthBytesPerSecond: options.bandwidthBytesPerSecond ?? null });
    return id;
  }

  /** Multiplies the service time of `node`'s disks by `factor` (≥ 1 slows, < 1 speeds up). */
  slowDisk(node: NodeId, factor: number): FaultId {
    assert(factor > 0 && Number.isFinite(factor), () => `slow-disk on ${node}: factor must be positive, got ${factor}`);
    const machine = this.machine(node);
    const id = this.nextFaultId++;
    this.lasting.set(id, { kind: 'slow-disk', node, factor });
    this.applyDiskFactor(machine);
    this.trace.emit('slow-disk', { fault: id, node, factor });
    return id;
  }

  /** Ends one lasting fault, or with no id every one in force. Returns whether anything ended. */
  heal(id?: FaultId): boolean {
    if (id === undefined) {
      const ids = [...this.lasting.keys()];
      for (const each of ids) this.heal(each);
      return ids.length > 0;
    }
    const fault = this.lasting.get(id);
    if (fault === undefined) return false;
    this.lasting.delete(id);
    if (fault.kind === 'partition' || fault.kind === 'slow-network') {
      this.network.faults.remove(id);
      this.network.refreshFaults();
    }
    if (fault.kind === 'partition') {
      this.trace.emit('partition-heal', { fault: id });
    } else if (fault.kind === 'slow-network') {
      this.applyBandwidth(this.machine(fault.node));
      this.trace.emit('slow-network-end', { fault: id, node: fault.node });
    } else {
      this.applyDiskFactor(this.machine(fault.node));
      this.trace.emit('slow-disk-end', { fault: id, node: fault.node });
    }
    return true;
  }

  /** Lasting faults in force, by id. */
  activeFaults(): FaultId[] {
    return [...this.lasting.keys()];
  }

  private applyBandwidth(machine: Machine): void {
    let capBitsPerSecond = Infinity;
    for (const fault of this.lasting.values()) {
      if (fault.kind === 'slow-network' && fault.node === machine.id) capBitsPerSecond = Math.min(capBitsPerSecond, fault.bandwidthBitsPerSecond);
    }
    machine.nic.setCap(capBitsPerSecond);
  }

  private applyDiskFactor(machine: Machine): void {
    let factor = 1;
    let any = false;
    for (const fault of this.lasting.values()) {
      if (fault.kind !== 'slow-disk' || fault.node !== machine.id) continue;
      factor = any ? Math.max(factor, fault.factor) : fault.factor;
      any = true;
    }
    for (const disk of machine.disks) disk.slowFactor = factor;
  }
}

function partitionNodes(shape: PartitionShape): readonly NodeId[] {
  switch (shape.kind) {
    case 'isolate':
      return shape.nodes;
    case 'between':
      return shape.groups.flat();
    case 'one-way':
      return [...shape.from, ...shape.to];
  }
}
