// The omniscient observer of a running simulation (DESIGN §9): the one place allowed to read every
// actor's memory, and only to read. It answers the nemesis's dynamic targets (which broker leads
// orders/0 now, which is controller), runs the live invariants of sim/check/invariants.ts after
// every event that can change replication state, and at the end assembles the checker's input:
// producer histories, every replica's final log and the recorded violations.
//
// Partitions touched by an event are marked dirty and examined together by one zero-delay event,
// so a burst of events at one instant costs one observation per partition. An observation looks
// only at the partition's assigned replicas (its topic's assignment znode, which never changes:
// no reassignment), so it costs the same with 3 brokers or 100.

import type { TraceEvent } from '../core/trace.ts';
import { brokerNodeId } from '../kafka/broker-config.ts';
import { decodeState, partitionStatePath } from '../kafka/kafka-zk-ops.ts';
import { parsePartitionName, partitionName } from '../kafka/protocol.ts';
import { decodeTopicAssignment, topicPath } from '../zk/paths.ts';
import type { PartitionState } from '../kafka/election.ts';
import { InvariantMonitor, type PartitionSnapshot, type ReplicaSnapshot } from '../check/invariants.ts';
import {
  producerHistoryInput,
  replicaFinalLog,
  type CheckInput,
  type PartitionFinalState,
  type RecordedViolation,
} from '../check/check-input.ts';
import type { Simulation } from './build.ts';
import { comparePartitionNames } from '../report/run-facts.ts';

/** Events after which a partition's replication state may have changed. */
const REPLICATION_EVENTS = new Set(['leader-election', 'isr-change', 'replica-offsets', 'truncation', 'log-recovered', 'partition-offline']);

export class ClusterObserver {
  readonly violations: RecordedViolation[] = [];
  private readonly monitor = new InvariantMonitor();
  private readonly dirty = new Set<string>();
  private dirtySinceEvent = -1;
  private lastControllerEpoch = -1;
  /** Assigned replica ids by partition, ascending (the brokers map's order), once its topic exists. */
  private readonly replicasByPartition = new Map<string, readonly number[]>();
  /** Each partition's state znode path, built once (zkState runs after every replication event). */
  private readonly statePaths = new Map<string, string>();
  /** The last decoded state znode by path (see zkState). */
  private readonly decodedStates = new Map<string, { readonly data: string; readonly state: PartitionState }>();

  constructor(private readonly sim: Simulation) {
    sim.trace.observe((event) => this.onEvent(event));
  }

  /** The broker serving as leader of `name`: running, leading, at the newest epoch; null if none. */
  leaderOf(name: string): number | null {
    let leader: number | null = null;
    let epoch = -1;
    for (const id of this.replicaIds(name)) {
      if (!this.running(id)) continue;
      const partition = this.sim.brokers.get(id)?.current?.replicaManager.partitions.get(name);
      if (partition === undefined || !partition.isLeader || partition.leaderEpoch <= epoch) continue;
      leader = id;
      epoch = partition.leaderEpoch;
    }
    return leader;
  }

  /** The running broker whose controller is active (the newest epoch if several think so). */
  controllerId(): number | null {
    let best: number | null = null;
    let bestEpoch = -1;
    for (const [id, actor] of this.sim.brokers) {
      const controller = actor.current?.controller;
      if (!this.running(id) || controller === undefined || !controller.isActive) continue;
      const epoch = controller.context?.epoch ?? -1;
      if (epoch > bestEpoch) {
        best = id;
        bestEpoch = epoch;
      }
    }
    return best;
  }

  /** The partition's state znode in the most advanced ZooKeeper server's tree. */
  zkState(name: string): PartitionState | null {
    let path = this.statePaths.get(name);
    if (path === undefined) {
      path = partitionStatePath(name);
      this.statePaths.set(name, path);
    }
    let bestData: string | null = null;
    let bestVersion = -1;
    for (const server of this.sim.zookeeper.servers) {
      const stat = server.db.tree.stat(path);
      const data = server.db.tree.data(path);
      if (stat === null || data === null) continue;
      if (bestData === null || stat.version > bestVersion) {
        bestData = data;
        bestVersion = stat.version;
      }
    }
    if (bestData === null) return null;
    // The observer reads the state after every replication event; it changes only on elections
    // and ISR changes, so the last decoding of each path is kept.
    const cached = this.decodedStates.get(path);
    if (cached !== undefined && cached.data === bestData && cached.state.zkVersion === bestVersion) return cached.state;
    const state = decodeState(bestData, bestVersion);
    this.decodedStates.set(path, { data: bestData, state });
    return state;
  }

  /** Everything the post-run checker needs, as plain data. */
  checkInput(events?: Iterable<TraceEvent>): CheckInput {
    this.flush();
    const producers = [...this.sim.producers.values()].map((p) => producerHistoryInput(p.history));
    const partitions = this.partitionNames().map((name) => this.finalState(name));
    const groups = this.sim.groupHistories();
    return { producers, partitions, groups, violations: this.violations, ...(events === undefined ? {} : { trace: events }) };
  }

  /** Every partition any broker has a replica of, in topic then number order. */
  partitionNames(): string[] {
    const names = new Set<string>();
    for (const actor of this.sim.brokers.values()) {
      for (const name of actor.current?.replicaManager.partitions.keys() ?? []) names.add(name);
    }
    return [...names].sort(comparePartitionNames);
  }

  private finalState(name: string): PartitionFinalState {
    const zk = this.zkState(name);
    const isr = new Set(zk?.isr ?? []);
    const replicas = [];
    for (const id of this.replicaIds(name)) {
      const partition = this.sim.brokers.get(id)?.current?.replicaManager.partitions.get(name);
      if (partition === undefined) continue;
      replicas.push(replicaFinalLog(id, partition.log, partition.highWatermark, isr.has(id)));
    }
    return { partition: name, leader: this.leaderOf(name), replicas };
  }

  private onEvent(event: TraceEvent): void {
    if (event.k === 'controller') this.observeControllerEpoch(Number(event.epoch), event);
    if (!REPLICATION_EVENTS.has(event.k) || typeof event.partition !== 'string') return;
    if (this.dirty.size === 0) {
      this.dirtySinceEvent = event.i;
      this.sim.scheduler.schedule(0, () => this.flush());
    }
    this.dirty.add(event.partition);
  }

  private observeControllerEpoch(epoch: number, event: TraceEvent): void {
    if (epoch <= this.lastControllerEpoch) return;
    this.lastControllerEpoch = epoch;
    for (const violation of this.monitor.observeControllerEpoch(epoch)) {
      this.violations.push({ ...violation, timeUs: event.t, event: event.i });
    }
  }

  /** Examines every dirty partition once. */
  private flush(): void {
    if (this.dirty.size === 0) return;
    const names = [...this.dirty];
    const event = this.dirtySinceEvent;
    this.dirty.clear();
    for (const name of names) {
      for (const violation of this.monitor.observePartition(this.snapshot(name))) {
        this.violations.push({ ...violation, timeUs: this.sim.scheduler.now, event });
      }
    }
  }

  private snapshot(name: string): PartitionSnapshot {
    const replicas: ReplicaSnapshot[] = [];
    for (const id of this.replicaIds(name)) {
      if (!this.running(id)) continue;
      const partition = this.sim.brokers.get(id)?.current?.replicaManager.partitions.get(name);
      if (partition === undefined) continue;
      replicas.push({
        brokerId: id,
        incarnation: this.sim.world.machine(brokerNodeId(id)).incarnations,
        role: partition.role,
        leaderEpoch: partition.leaderEpoch,
        highWatermark: partition.highWatermark,
        log: partition.log,
      });
    }
    const zk = this.zkState(name);
    return zk === null ? { partition: name, replicas } : { partition: name, zk: { leader: zk.leader, leaderEpoch: zk.leaderEpoch, isr: zk.isr }, replicas };
  }

  /** The brokers that may hold `name`: its assigned replicas, or every broker before its topic exists. */
  private replicaIds(name: string): Iterable<number> {
    const known = this.replicasByPartition.get(name);
    if (known !== undefined) return known;
    const { topic } = parsePartitionName(name);
    for (const server of this.sim.zookeeper.servers) {
      const data = server.db.tree.data(topicPath(topic));
      if (data === null) continue;
      for (const [index, replicas] of decodeTopicAssignment(data)) {
        this.replicasByPartition.set(partitionName(topic, index), [...replicas].sort((a, b) => a - b));
      }
      break;
    }
    return this.replicasByPartition.get(name) ?? this.sim.brokers.keys();
  }

  private running(id: number): boolean {
    const state = this.sim.world.machine(brokerNodeId(id)).state;
    return state === 'up' || state === 'paused';
  }
}
