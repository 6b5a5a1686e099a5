// The resolved scenario: what `loadScenario` hands the simulator once a YAML file has been
// validated. Everything is explicit: every default is filled in, scenario durations are integer
// microseconds (`…Us`), sizes are bytes, brokers and ZooKeeper servers are listed one by one,
// every Kafka config family holds all its keys (sim/scenario/kafka-config.ts), and fault
// targets are parsed. The simulator never looks at a default again.
//
// Kafka settings keep Kafka's names and native units (`linger.ms` in ms). Scenario-level fields
// are camelCase with the unit in the name. Replica assignment is left to the controller when a
// topic does not give one, because Kafka's own algorithm draws a random start index.

import type { BrokerConfig, ConsumerConfig, ProducerConfig, TopicConfig } from './kafka-config.ts';
import type { RecordRate } from './units.ts';

export type { BrokerConfig, ConsumerConfig, ProducerConfig, TopicConfig, RecordRate };

export const HARDWARE_PROFILES = ['ssd-10g', 'hdd-1g', 'linkedin-2014', 'i3en-2xlarge'] as const;
export type HardwareProfileName = (typeof HARDWARE_PROFILES)[number];

/** Truncation behaviour on leader change, by the KIP that introduced it (DESIGN §6). */
export const REPLICATION_PROTOCOLS = ['hw-truncation', 'kip-101', 'kip-279', 'kip-320'] as const;
export type ReplicationProtocol = (typeof REPLICATION_PROTOCOLS)[number];

/** How leader-made ISR changes reach the controller: ZooKeeper notifications or AlterIsr (KIP-497). */
export const ISR_PROPAGATIONS = ['zookeeper', 'alter-isr'] as const;
export type IsrPropagation = (typeof ISR_PROPAGATIONS)[number];

export const COMMIT_STRATEGIES = ['auto', 'sync', 'async', 'before-processing', 'on-revoke'] as const;
export type CommitStrategy = (typeof COMMIT_STRATEGIES)[number];

export interface ScenarioSpec {
  name: string;
  description: string;
  seed: number;
  durationUs: number;
  cluster: ClusterSpec;
  zookeeper: ZookeeperSpec;
  topics: TopicSpec[];
  producers: ProducerSpec[];
  consumers: ConsumerSpec[];
  /** Sorted by `atUs`; faults at the same instant keep the file's order. */
  faults: FaultSpec[];
  expect: ExpectationSpec[];
}

/** A machine's hardware: a named profile (sim/hw/profiles.ts) and keys that override it. */
export interface HardwareSpec {
  profile: HardwareProfileName;
  overrides: Record<string, number | string>;
}

export interface BrokerSpec {
  id: number;
  rack: string | null;
  hardware: HardwareSpec;
}

export interface ClusterSpec {
  racks: string[];
  /** Sorted by id. A count N in the file gives ids 1..N spread over the racks in turn. */
  brokers: BrokerSpec[];
  config: BrokerConfig;
  replicationProtocol: ReplicationProtocol;
  isrPropagation: IsrPropagation;
}

export interface ZookeeperServerSpec {
  id: number;
  rack: string | null;
}

export interface ZookeeperSpec {
  /** Ids 1..N, spread over the racks in turn like brokers. */
  servers: ZookeeperServerSpec[];
  /** The session timeout brokers ask for (Kafka's `zookeeper.session.timeout.ms`). */
  sessionTimeoutMs: number;
  tickTimeMs: number;
}

export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor: number;
  /** Replicas per partition, preferred leader first; null lets the controller assign. */
  assignment: number[][] | null;
  /** Effective values: the topic's own settings, else the broker defaults they fall back to. */
  config: TopicConfig;
  /** Keys the topic set itself; the rest follow later broker-level `config` faults. */
  configOverrides: (keyof TopicConfig)[];
}

export type KeySpec = { count: number; distribution: 'uniform' } | { count: number; distribution: 'zipf'; skew: number };

export interface ProducerSpec {
  name: string;
  topic: string;
  rate: RecordRate;
  messageBytes: number;
  /** null: unkeyed records (sticky partitioner). */
  keys: KeySpec | null;
  /** A fixed partition for every record, bypassing the partitioner. */
  partition: number | null;
  startUs: number;
  stopUs: number;
  config: ProducerConfig;
}

export interface ConsumerSpec {
  group: string;
  topics: string[];
  members: number;
  /** Simulated processing time of one record. */
  processingUs: number;
  commit: CommitStrategy;
  startUs: number;
  stopUs: number;
  config: ConsumerConfig;
}

/** What a fault acts on. `leader` and `controller` are resolved when the fault fires. */
export type TargetSpec =
  | { type: 'broker'; brokerId: number }
  | { type: 'zk'; serverId: number }
  | { type: 'rack'; rack: string }
  | { type: 'producer'; producer: string }
  | { type: 'consumer'; group: string; member: number }
  | { type: 'leader'; topic: string; partition: number }
  | { type: 'controller' };

export const TARGETED_FAULT_KINDS = [
  'crash',
  'restart',
  'power-loss',
  'shutdown',
  'start',
  'pause',
  'zk-crash',
  'zk-restart',
  'client-crash',
  'client-restart',
] as const;
export type TargetedFaultKind = (typeof TARGETED_FAULT_KINDS)[number];

export const FAULT_KINDS = [...TARGETED_FAULT_KINDS, 'partition', 'heal', 'slow-disk', 'slow-network', 'config'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Network partition shapes: cut one target off from everyone, cut between groups, or one way. */
export type PartitionShape =
  | { type: 'isolate'; target: TargetSpec }
  | { type: 'between'; groups: TargetSpec[][] }
  | { type: 'one-way'; from: TargetSpec[]; to: TargetSpec[] };

export type ConfigScope = { type: 'broker'; brokerId: number } | { type: 'topic'; topic: string } | { type: 'producer'; producer: string };

interface FaultTiming {
  atUs: number;
  /** Undo the fault this long after it fires; null: it stays until something else ends it. */
  forUs: number | null;
  /** Index of the entry in the scenario's `faults:` list, for messages and traces. */
  index: number;
}

export type FaultSpec = FaultTiming &
  (
    | { kind: TargetedFaultKind; target: TargetSpec }
    | { kind: 'partition'; shape: PartitionShape }
    | { kind: 'heal' }
    | { kind: 'slow-disk'; target: TargetSpec; factor: number }
    | { kind: 'slow-network'; target: TargetSpec; addedLatencyUs: number; bandwidthBytesPerSecond: number | null }
    | { kind: 'config'; scope: ConfigScope; set: Partial<BrokerConfig> | Partial<TopicConfig> | Partial<ProducerConfig> }
  );

export type ExpectationScope =
  | { kind: 'cluster' }
  /** topic null: every partition; partition null: every partition of the topic. */
  | { kind: 'partition'; topic: string | null; partition: number | null }
  /** group null: every group. */
  | { kind: 'group'; group: string | null }
  /** producer null: every producer. */
  | { kind: 'producer'; producer: string | null };

/** One check of the run summary (DESIGN §12); all given bounds must hold. */
export interface ExpectationSpec {
  /** As written in the scenario, e.g. `maxUnavailability`. */
  name: string;
  /** The summary figure by its dotted path, e.g. `partitions.maxUnavailableMs`. */
  figure: string;
  scope: ExpectationScope;
  equals: number | null;
  atLeast: number | null;
  atMost: number | null;
  below: number | null;
  above: number | null;
}
