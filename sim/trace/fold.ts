// The reducer's working state: the mutable maps and counters behind a ClusterState (state.ts),
// with the few operations handlers need to keep its derived figures right. Replacing a partition
// goes through `setPartition`, which keeps the under-replicated and offline counts and the ISR
// size histogram in step without rescanning every partition, so folding an event costs the same
// in a 6-partition cluster and a 10,000-partition one.
//
// `snapshot()` copies the maps (entities are shared, being immutable); `Working.from(snapshot)`
// copies them again so that folding on never disturbs the snapshot it started from.

import type { TraceHeader } from './format.ts';
import {
  emptyCounters,
  newNode,
  type ActiveFaultState,
  type AnomalyState,
  type ClusterState,
  type ControllerState,
  type GroupState,
  type Counters,
  type NetFaultState,
  type NodeState,
  type PartitionState,
  type ProducerState,
  type ReplicaState,
  type TopicState,
} from './state.ts';

/** Malformed-event messages kept; the count of all of them is in `counters.malformed`. */
export const MAX_PROBLEMS = 20;

export class Working {
  position = 0;
  timeUs = 0;
  lastSeq = -1;
  controller: ControllerState | null = null;
  zkLeader: ClusterState['zkLeader'] = null;
  nodes = new Map<string, NodeState>();
  topics = new Map<string, TopicState>();
  partitions = new Map<string, PartitionState>();
  netFaults = new Map<number, NetFaultState>();
  faults = new Map<number, ActiveFaultState>();
  producers = new Map<string, ProducerState>();
  groups = new Map<string, GroupState>();
  unknownKinds = new Map<string, number>();
  anomalies: AnomalyState[] = [];
  problems: string[] = [];
  counters: Counters = emptyCounters();
  isrSizeCounts: number[] = [];
  /** Scenario fault indexes that end with a fault-end (set from the header by the fold). */
  lastingFaults: ReadonlySet<number> = new Set();

  /** The state before any event: every machine the scenario names, not yet started. */
  static initial(header: TraceHeader | null): Working {
    const working = new Working();
    const scenario = header?.scenario;
    for (const broker of scenario?.cluster?.brokers ?? []) working.addNode(`broker-${broker.id}`, broker.rack ?? null);
    for (const server of scenario?.zookeeper?.servers ?? []) working.addNode(`zk-${server.id}`, server.rack ?? null);
    for (const producer of scenario?.producers ?? []) working.addNode(`producer-${producer.name}`, null);
    for (const group of scenario?.consumers ?? []) {
      for (let member = 0; member < group.members; member++) working.addNode(`consumer-${group.group}-${member}`, null);
    }
    return working;
  }

  static from(state: ClusterState): Working {
    const working = new Working();
    working.position = state.position;
    working.timeUs = state.timeUs;
    working.lastSeq = state.lastSeq;
    working.controller = state.controller;
    working.zkLeader = state.zkLeader;
    working.nodes = new Map(state.nodes);
    working.topics = new Map(state.topics);
    working.partitions = new Map(state.partitions);
    working.netFaults = new Map(state.netFaults);
    working.faults = new Map(state.faults);
    working.producers = new Map(state.producers);
    working.groups = new Map(state.groups);
    working.unknownKinds = new Map(state.unknownKinds);
    working.anomalies = [...state.anomalies];
    working.problems = [...state.problems];
    working.counters = { ...state.counters };
    working.isrSizeCounts = [...state.isrSizeCounts];
    return working;
  }

  snapshot(): ClusterState {
    return {
      position: this.position,
      timeUs: this.timeUs,
      lastSeq: this.lastSeq,
      nodes: new Map(this.nodes),
      controller: this.controller,
      zkLeader: this.zkLeader,
      topics: new Map(this.topics),
      partitions: new Map(this.partitions),
      netFaults: new Map(this.netFaults),
      faults: new Map(this.faults),
      producers: new Map(this.producers),
      groups: new Map(this.groups),
      anomalies: [...this.anomalies],
      counters: { ...this.counters },
      isrSizeCounts: [...this.isrSizeCounts],
      unknownKinds: new Map(this.unknownKinds),
      problems: [...this.problems],
    };
  }

  addNode(id: string, rack: string | null): NodeState {
    const node = newNode(id, rack);
    this.nodes.set(id, node);
    return node;
  }

  /** Replaces a node's fields (creating the node when the scenario did not name it). */
  updateNode(id: string, change: Partial<NodeState>): void {
    const node = this.nodes.get(id) ?? this.addNode(id, null);
    this.nodes.set(id, { ...node, ...change });
  }

  /** Replaces a partition, keeping the derived counts in step. */
  setPartition(next: PartitionState): void {
    const previous = this.partitions.get(next.name);
    if (previous !== undefined) this.count(previous, -1);
    this.partitions.set(next.name, next);
    this.count(next, 1);
  }

  private count(partition: PartitionState, sign: 1 | -1): void {
    if (partition.phase === 'offline') this.counters.offline += sign;
    if (partition.phase !== 'online') return;
    const size = partition.isr.length;
    while (this.isrSizeCounts.length <= size) this.isrSizeCounts.push(0);
    this.isrSizeCounts[size] = (this.isrSizeCounts[size] ?? 0) + sign;
    if (size < partition.replicas.length) this.counters.underReplicated += sign;
  }

  /** A partition named by an event, created on the spot when no topic-created preceded it. */
  partition(name: string): PartitionState {
    const known = this.partitions.get(name);
    if (known !== undefined) return known;
    const slash = name.lastIndexOf('/');
    const created = newPartition(name, slash === -1 ? name : name.slice(0, slash), slash === -1 ? 0 : Number(name.slice(slash + 1)), [], this.timeUs);
    this.setPartition(created);
    return created;
  }

  /** Replaces one replica of a partition (adding it when the broker was not in the assignment). */
  setReplica(partition: PartitionState, broker: number, change: Partial<ReplicaState>): PartitionState {
    const replicas = [...partition.replicaStates];
    const at = replicas.findIndex((replica) => replica.broker === broker);
    const current = at === -1 ? newReplica(broker, this.timeUs) : (replicas[at] as ReplicaState);
    const next = { ...current, ...change, updatedUs: this.timeUs };
    if (at === -1) replicas.push(next);
    else replicas[at] = next;
    const updated = { ...partition, replicaStates: replicas };
    this.setPartition(updated);
    return updated;
  }

  /** A group named by an event, created on the spot. */
  group(name: string): GroupState {
    return this.groups.get(name) ?? { group: name, state: null, generation: 0, coordinator: null, rebalances: 0, assignments: [], committed: [] };
  }

  problem(message: string): void {
    this.counters.malformed++;
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(message);
  }
}

export function newReplica(broker: number, timeUs: number): ReplicaState {
  return { broker, role: null, logStartOffset: 0, logEndOffset: 0, highWatermark: 0, leaderEpoch: -1, updatedUs: timeUs, lastTruncation: null };
}

export function newPartition(name: string, topic: string, index: number, replicas: readonly number[], timeUs: number): PartitionState {
  return {
    name,
    topic,
    index,
    replicas,
    leader: -1,
    leaderEpoch: -1,
    isr: [],
    phase: 'new',
    offlineReason: null,
    phaseSinceUs: timeUs,
    leaderChanges: 0,
    lastElection: null,
    lastIsrChange: null,
    replicaStates: replicas.map((broker) => newReplica(broker, timeUs)),
  };
}
