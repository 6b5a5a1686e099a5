// The nemesis: plays a scenario's fault timeline (DESIGN §8) against the running world, as
// Jepsen's nemesis does — it only injects faults; clients and the checker are elsewhere.
//
// Each fault fires at its `at`. Dynamic targets (`leader: orders/0`, `controller`) are resolved at
// that moment from the omniscient view of the cluster, and the resolution is written to the trace
// and the story ("crash the leader of orders/0 (broker 2)"). A fault with `for:` is undone that
// long after it fired: a crashed or powered-off process comes back, a pause ends, a partition or
// slow-down heals. A fault whose target cannot be resolved (no leader at that moment) is skipped
// with a trace event saying why, rather than guessed.
//
// Simplified: a `rack` target applies the fault to every machine in the rack at the same instant.

import type { NodeId } from '../hw/actor.ts';
import type { FaultId, World } from '../hw/world.ts';
import type { PartitionShape as HwPartitionShape } from '../hw/link-faults.ts';
import type { ConfigScope, FaultSpec, PartitionShape, TargetSpec } from '../scenario/spec.ts';

/** What the nemesis needs from the cluster beyond the hardware: names and omniscient reads. */
export interface FaultSurface {
  readonly world: World;
  brokerNode(brokerId: number): NodeId;
  zkNode(serverId: number): NodeId;
  producerNode(producer: string): NodeId;
  consumerNode(group: string, member: number): NodeId;
  /** The broker leading `topic/partition` right now according to the controller's state, if any. */
  leaderOf(topic: string, partition: number): number | null;
  /** The broker that is controller right now, if any. */
  controllerId(): number | null;
  /** Kafka controlled shutdown (controlled.shutdown.enable): move leaderships, then stop. */
  controlledShutdown(brokerId: number): void;
  /** Applies dynamic configuration (kafka-configs.sh --alter). */
  applyConfig(scope: ConfigScope, set: Record<string, unknown>): void;
}

interface Resolved {
  nodes: NodeId[];
  /** How the target reads in the story: "broker 2", "the leader of orders/0 (broker 2)". */
  label: string;
  brokerIds: number[];
}

export class Nemesis {
  private readonly faultIdsByIndex = new Map<number, FaultId[]>();

  constructor(
    private readonly surface: FaultSurface,
    private readonly faults: readonly FaultSpec[],
  ) {}

  /** Schedules every fault of the timeline on the world's scheduler. */
  schedule(): void {
    const scheduler = this.surface.world.scheduler;
    for (const fault of this.faults) scheduler.scheduleAt(fault.atUs, (f: FaultSpec) => this.fire(f), fault);
  }

  private fire(fault: FaultSpec): void {
    const trace = this.surface.world.trace;
    const outcome = this.inject(fault);
    if (typeof outcome === 'string') {
      trace.emit('fault-skipped', { fault: fault.index, kind: fault.kind, reason: outcome });
      return;
    }
    trace.emit('fault', { fault: fault.index, kind: fault.kind, target: outcome.label, nodes: outcome.nodes });
    if (fault.forUs !== null) {
      this.surface.world.scheduler.schedule(fault.forUs, () => this.undo(fault, outcome));
    }
  }

  /** Injects one fault; returns what it hit, or why it could not fire. */
  private inject(fault: FaultSpec): Resolved | string {
    const world = this.surface.world;
    switch (fault.kind) {
      case 'partition':
        return this.partition(fault.index, fault.shape);
      case 'heal':
        world.heal();
        return { nodes: [], label: 'every partition and slow-down', brokerIds: [] };
      case 'config':
        this.surface.applyConfig(fault.scope, fault.set as Record<string, unknown>);
        return { nodes: [], label: describeConfigChange(fault.scope, fault.set as Record<string, unknown>), brokerIds: [] };
      default:
        break;
    }
    const resolved = this.resolve(fault.target);
    if (typeof resolved === 'string') return resolved;
    switch (fault.kind) {
      case 'slow-disk':
        this.remember(fault.index, resolved.nodes.map((node) => world.slowDisk(node, fault.factor)));
        return resolved;
      case 'slow-network':
        this.remember(
          fault.index,
          resolved.nodes.map((node) =>
            world.slowNetwork(node, {
              addedLatencyUs: fault.addedLatencyUs,
              ...(fault.bandwidthBytesPerSecond === null ? {} : { bandwidthBytesPerSecond: fault.bandwidthBytesPerSecond }),
            }),
          ),
        );
        return resolved;
      case 'shutdown':
        for (const brokerId of resolved.brokerIds) this.surface.controlledShutdown(brokerId);
        return resolved;
      case 'pause':
        for (const node of resolved.nodes) world.pause(node, fault.forUs ?? 0);
        return resolved;
      default:
        for (const node of resolved.nodes) applyProcessFault(world, fault.kind, node);
        return resolved;
    }
  }

  private undo(fault: FaultSpec, resolved: Resolved): void {
    const world = this.surface.world;
    const lasting = this.faultIdsByIndex.get(fault.index);
    if (lasting !== undefined) {
      for (const id of lasting) world.heal(id);
      this.faultIdsByIndex.delete(fault.index);
    } else if (fault.kind === 'crash' || fault.kind === 'zk-crash' || fault.kind === 'client-crash' || fault.kind === 'shutdown') {
      for (const node of resolved.nodes) world.start(node);
    } else if (fault.kind === 'power-loss') {
      for (const node of resolved.nodes) {
        world.powerOn(node);
        world.start(node);
      }
    } else if (fault.kind === 'pause') {
      // The hardware ends a pause by itself after its duration.
      return;
    }
    world.trace.emit('fault-end', { fault: fault.index, kind: fault.kind, target: resolved.label });
  }

  private partition(index: number, shape: PartitionShape): Resolved | string {
    const hwShape = this.partitionShape(shape);
    if (typeof hwShape === 'string') return hwShape;
    const id = this.surface.world.partition(hwShape.shape);
    this.remember(index, [id]);
    return { nodes: hwShape.nodes, label: hwShape.label, brokerIds: [] };
  }

  private partitionShape(shape: PartitionShape): { shape: HwPartitionShape; nodes: NodeId[]; label: string } | string {
    const group = (targets: TargetSpec[]): Resolved | string => {
      const parts = targets.map((t) => this.resolve(t));
      const failed = parts.find((p): p is string => typeof p === 'string');
      if (failed !== undefined) return failed;
      const ok = parts as Resolved[];
      return { nodes: ok.flatMap((p) => p.nodes), label: ok.map((p) => p.label).join(', '), brokerIds: ok.flatMap((p) => p.brokerIds) };
    };
    if (shape.type === 'isolate') {
      const target = group([shape.target]);
      if (typeof target === 'string') return target;
      return { shape: { kind: 'isolate', nodes: target.nodes }, nodes: target.nodes, label: `isolate ${target.label}` };
    }
    if (shape.type === 'between') {
      const groups = shape.groups.map(group);
      const failed = groups.find((g): g is string => typeof g === 'string');
      if (failed !== undefined) return failed;
      const ok = groups as Resolved[];
      return {
        shape: { kind: 'between', groups: ok.map((g) => g.nodes) },
        nodes: ok.flatMap((g) => g.nodes),
        label: ok.map((g) => `[${g.label}]`).join(' | '),
      };
    }
    const from = group(shape.from);
    const to = group(shape.to);
    if (typeof from === 'string') return from;
    if (typeof to === 'string') return to;
    return {
      shape: { kind: 'one-way', from: from.nodes, to: to.nodes },
      nodes: [...from.nodes, ...to.nodes],
      label: `${from.label} cannot reach ${to.label}`,
    };
  }

  /** Resolves a target to machines now; a string explains why it cannot be. */
  private resolve(target: TargetSpec): Resolved | string {
    const s = this.surface;
    switch (target.type) {
      case 'broker':
        return { nodes: [s.brokerNode(target.brokerId)], label: `broker ${target.brokerId}`, brokerIds: [target.brokerId] };
      case 'zk':
        return { nodes: [s.zkNode(target.serverId)], label: `ZooKeeper server ${target.serverId}`, brokerIds: [] };
      case 'rack': {
        const nodes = s.world.nodesInRack(target.rack);
        return { nodes, label: `rack ${target.rack}`, brokerIds: [] };
      }
      case 'producer':
        return { nodes: [s.producerNode(target.producer)], label: `producer ${target.producer}`, brokerIds: [] };
      case 'consumer':
        return {
          nodes: [s.consumerNode(target.group, target.member)],
          label: `consumer ${target.group}/${target.member}`,
          brokerIds: [],
        };
      case 'leader': {
        const leader = s.leaderOf(target.topic, target.partition);
        if (leader === null) return `${target.topic}/${target.partition} has no leader at this moment`;
        return {
          nodes: [s.brokerNode(leader)],
          label: `the leader of ${target.topic}/${target.partition} (broker ${leader})`,
          brokerIds: [leader],
        };
      }
      case 'controller': {
        const controller = s.controllerId();
        if (controller === null) return 'there is no controller at this moment';
        return { nodes: [s.brokerNode(controller)], label: `the controller (broker ${controller})`, brokerIds: [controller] };
      }
    }
  }

  private remember(index: number, ids: FaultId[]): void {
    this.faultIdsByIndex.set(index, [...(this.faultIdsByIndex.get(index) ?? []), ...ids]);
  }
}

function applyProcessFault(world: World, kind: FaultSpec['kind'], node: NodeId): void {
  switch (kind) {
    case 'crash':
    case 'zk-crash':
    case 'client-crash':
      world.crash(node);
      return;
    case 'power-loss':
      world.powerLoss(node);
      return;
    case 'start':
      world.start(node);
      return;
    case 'restart':
    case 'zk-restart':
    case 'client-restart':
      restartNode(world, node);
      return;
    default:
      throw new Error(`nemesis: ${kind} is not a process fault`);
  }
}

/** Brings a process back whatever happened to it: power on if needed, then (re)start. */
function restartNode(world: World, node: NodeId): void {
  const state = world.machine(node).state;
  if (state === 'powered-off') {
    world.powerOn(node);
    world.start(node);
  } else if (state === 'up' || state === 'paused') {
    world.restart(node);
  } else {
    world.start(node);
  }
}

/** "log.flush.interval.messages=1 on broker 1": the settings, so the story says what changed. */
function describeConfigChange(scope: ConfigScope, set: Record<string, unknown>): string {
  const settings = Object.entries(set).map(([key, value]) => `${key}=${String(value)}`).join(', ');
  const where = scope.type === 'broker' ? `broker ${scope.brokerId}` : scope.type === 'topic' ? `topic ${scope.topic}` : `producer ${scope.producer}`;
  return `${settings} on ${where}`;
}
