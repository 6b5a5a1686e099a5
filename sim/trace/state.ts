// The cluster as a trace tells it at one moment: what `reduce.ts` folds events into and what the
// viewer draws and the summary counts. It is an observer's picture assembled from the events, not
// any actor's private state: "leader" is what the controller last wrote to ZooKeeper (a
// leader-election or isr-change), while each replica's `role` is what that broker itself believes
// (its last LeaderAndIsr or offsets report) — the two differ exactly when a teacher wants to point
// at a zombie leader that has not heard it was replaced.
//
// Every entity object is immutable once placed in a map: the fold replaces an object to change it.
// So a snapshot is a copy of the maps alone, sharing the entity objects with the live fold and
// with other snapshots, which is what makes keyframes cheap (keyframes.ts).

/** A node's kind, from its id: "broker-1", "zk-2", "producer-p1", "consumer-billing-0". */
export type NodeRole = 'broker' | 'zookeeper' | 'producer' | 'consumer' | 'other';

/** The process on a machine (sim/hw/machine.ts). */
export type ProcessStatus = 'not-started' | 'up' | 'paused' | 'crashed' | 'stopped' | 'powered-off' | 'restarting';

/** A ZooKeeper server's part in the ensemble (Zab: LEADING, FOLLOWING, LOOKING). */
export type ZkRole = 'leading' | 'following' | 'looking';

export interface NodeState {
  readonly id: string;
  readonly role: NodeRole;
  /** The broker id or ZooKeeper myid; null for clients. */
  readonly number: number | null;
  readonly rack: string | null;
  readonly status: ProcessStatus;
  /** When `status` last changed. */
  readonly sinceUs: number;
  readonly incarnation: number;
  /** How the process last went down: crash, stop, power-loss. */
  readonly downHow: string | null;
  readonly pausedUntilUs: number | null;
  readonly restartAtUs: number | null;
  /** ZooKeeper servers only. */
  readonly zkRole: ZkRole | null;
  /** The ZooKeeper session this node owns, while ZooKeeper holds it open. */
  readonly session: { readonly id: string; readonly timeoutMs: number | null; readonly sinceUs: number } | null;
  /** Brokers only: whether /brokers/ids/N exists, i.e. the controller can see the broker. */
  readonly registered: boolean;
  readonly brokerEpoch: number | null;
}

export interface ControllerState {
  readonly broker: number;
  readonly epoch: number;
  readonly sinceUs: number;
  readonly sinceSeq: number;
}

export interface TruncationMark {
  readonly timeUs: number;
  readonly seq: number;
  readonly fromOffset: number;
  readonly toOffset: number;
  readonly removedRecords: number;
  readonly reason: string;
}

export interface ReplicaState {
  readonly broker: number;
  /** The broker's own belief: leader or follower (null before it said). */
  readonly role: string | null;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  readonly highWatermark: number;
  readonly leaderEpoch: number;
  readonly updatedUs: number;
  readonly lastTruncation: TruncationMark | null;
}

export interface ElectionMark {
  readonly timeUs: number;
  readonly seq: number;
  readonly kind: string;
  readonly reason: string;
  readonly oldLeader: number;
  readonly fromIsr: readonly number[];
}

export interface IsrMark {
  readonly timeUs: number;
  readonly seq: number;
  readonly oldIsr: readonly number[];
  readonly by: string;
  readonly reason: string | null;
}

/** new: created, no leader elected yet; online: has a leader; offline: no eligible leader. */
export type PartitionPhase = 'new' | 'online' | 'offline';

export interface PartitionState {
  readonly name: string;
  readonly topic: string;
  readonly index: number;
  /** The assignment, preferred leader first. */
  readonly replicas: readonly number[];
  /** The leader in ZooKeeper's partition state; -1 for none. */
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  readonly phase: PartitionPhase;
  readonly offlineReason: string | null;
  readonly phaseSinceUs: number;
  readonly leaderChanges: number;
  readonly lastElection: ElectionMark | null;
  readonly lastIsrChange: IsrMark | null;
  /** One per broker holding a copy, in assignment order (then any others seen). */
  readonly replicaStates: readonly ReplicaState[];
}

export interface TopicState {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly createdUs: number;
}

/** A lasting hardware fault in force (sim/hw/world.ts), by its world fault id. */
export interface NetFaultState {
  readonly id: number;
  readonly kind: 'partition' | 'slow-network' | 'slow-disk';
  readonly sinceUs: number;
  /** partition: isolate, between or one-way. */
  readonly shape: string | null;
  readonly nodes: readonly string[];
  readonly groups: readonly (readonly string[])[];
  readonly from: readonly string[];
  readonly to: readonly string[];
  readonly factor: number | null;
  readonly addedLatencyUs: number | null;
  readonly bandwidthBytesPerSecond: number | null;
}

/** A scenario fault (the `faults:` timeline entry at `index`) that has not ended yet. */
export interface ActiveFaultState {
  readonly index: number;
  readonly kind: string;
  readonly target: string;
  readonly nodes: readonly string[];
  readonly sinceUs: number;
  readonly sinceSeq: number;
}

export interface ProducerSample {
  readonly timeUs: number;
  readonly sent: number;
  readonly acked: number;
  readonly failed: number;
  readonly unknown: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
}

export interface ProducerState {
  readonly name: string;
  readonly incarnation: number;
  readonly acks: string | null;
  readonly lastSample: ProducerSample | null;
  /** Sums of every sample so far. */
  readonly sent: number;
  readonly acked: number;
  readonly failed: number;
  readonly unknown: number;
}

/** A consumer's share of a group's partitions, as of the generation that gave it. */
export interface MemberAssignment {
  /** The client's name, "billing/0". */
  readonly member: string;
  readonly generation: number;
  readonly partitions: readonly string[];
}

/** A consumer group as its coordinator and members report it (Kafka's GroupMetadata). */
export interface GroupState {
  readonly group: string;
  /** Empty, PreparingRebalance, CompletingRebalance, Stable or Dead; null before the coordinator said. */
  readonly state: string | null;
  readonly generation: number;
  /** The coordinating broker. */
  readonly coordinator: number | null;
  readonly rebalances: number;
  readonly assignments: readonly MemberAssignment[];
  /** The last successfully committed offset of each partition. */
  readonly committed: readonly { readonly partition: string; readonly offset: number }[];
}

export interface AnomalyState {
  readonly seq: number;
  readonly timeUs: number;
  readonly kind: string;
  readonly verdict: string | null;
  readonly partition: string | null;
  /** Records, offsets or instances it covers (null when the event does not say). */
  readonly count: number | null;
  readonly detail: string;
  readonly explanation: { readonly text: string; readonly events: readonly number[] };
}

export interface Counters {
  leaderElections: number;
  uncleanElections: number;
  controllerChanges: number;
  isrShrinks: number;
  isrExpands: number;
  truncations: number;
  truncatedRecords: number;
  /** Online partitions whose ISR is smaller than their replica set. */
  underReplicated: number;
  offline: number;
  /** Known-kind events skipped for missing or mistyped fields. */
  malformed: number;
  /** Events of kinds this reducer does not know (newer emitters). */
  unknown: number;
}

export interface ClusterState {
  /** Events folded so far: the state is "after event number position - 1". */
  readonly position: number;
  readonly timeUs: number;
  /** The `i` of the last folded event, -1 before any. */
  readonly lastSeq: number;
  readonly nodes: ReadonlyMap<string, NodeState>;
  readonly controller: ControllerState | null;
  readonly zkLeader: { readonly node: string; readonly epoch: number; readonly sinceUs: number } | null;
  readonly topics: ReadonlyMap<string, TopicState>;
  readonly partitions: ReadonlyMap<string, PartitionState>;
  readonly netFaults: ReadonlyMap<number, NetFaultState>;
  readonly faults: ReadonlyMap<number, ActiveFaultState>;
  readonly producers: ReadonlyMap<string, ProducerState>;
  readonly groups: ReadonlyMap<string, GroupState>;
  readonly anomalies: readonly AnomalyState[];
  readonly counters: Readonly<Counters>;
  /** isrSizeCounts[n]: online partitions with an ISR of n replicas. */
  readonly isrSizeCounts: readonly number[];
  readonly unknownKinds: ReadonlyMap<string, number>;
  /** The first few malformed-event messages, with their event numbers. */
  readonly problems: readonly string[];
}

export function emptyCounters(): Counters {
  return {
    leaderElections: 0,
    uncleanElections: 0,
    controllerChanges: 0,
    isrShrinks: 0,
    isrExpands: 0,
    truncations: 0,
    truncatedRecords: 0,
    underReplicated: 0,
    offline: 0,
    malformed: 0,
    unknown: 0,
  };
}

/** The node's kind and number from its id ("broker-3" → broker, 3). */
export function parseNodeId(id: string): { role: NodeRole; number: number | null } {
  const match = /^(broker|zk)-(\d+)$/.exec(id);
  if (match) return { role: match[1] === 'broker' ? 'broker' : 'zookeeper', number: Number(match[2]) };
  if (id.startsWith('producer-')) return { role: 'producer', number: null };
  if (id.startsWith('consumer-')) return { role: 'consumer', number: null };
  return { role: 'other', number: null };
}

export function newNode(id: string, rack: string | null): NodeState {
  const { role, number } = parseNodeId(id);
  return {
    id,
    role,
    number,
    rack,
    status: 'not-started',
    sinceUs: 0,
    incarnation: 0,
    downHow: null,
    pausedUntilUs: null,
    restartAtUs: null,
    zkRole: null,
    session: null,
    registered: false,
    brokerEpoch: null,
  };
}

/** The smallest ISR among online partitions, or null when none is online. */
export function smallestIsr(state: Pick<ClusterState, 'isrSizeCounts'>): number | null {
  const index = state.isrSizeCounts.findIndex((count) => count > 0);
  return index === -1 ? null : index;
}
