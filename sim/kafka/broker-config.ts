// A broker's configuration: the Kafka keys the broker and controller read, by their exact dotted
// names and native units, with Kafka 3.x defaults in ZooKeeper mode (KafkaConfig; FIDELITY §D),
// plus the simulator's own knobs: the replication protocol and ISR propagation of DESIGN §6, and
// the controller's per-partition costs that FIDELITY §B gives.
//
// The key set is a structural subset of the scenario's resolved broker config
// (sim/scenario/kafka-config.ts), so a resolved scenario's `cluster.config` can be handed over as
// is; this file does not import the scenario layer, which sits above it.
//
// Costs: Kafka 0.8–2.x controllers spent about 5 ms per partition electing leaders and writing
// their state to ZooKeeper, one partition after another (Jun Rao, Confluent blog 2015, "How to
// choose the number of topics/partitions"; FIDELITY B4), and about 2 ms per partition reloading
// partition state when a new controller takes over (B5). Controlled shutdown moves leaderships with
// the same election machinery, so it pays the election cost per partition (B7: "a few ms each").

import type { NodeId } from '../hw/actor.ts';
import type { LogConfig } from './log.ts';
import type { ReplicationProtocol } from './truncation.ts';

/** The network endpoint of broker `id`: "broker-3". */
export function brokerNodeId(id: number): NodeId {
  return `broker-${id}`;
}

/** The broker id of a "broker-N" endpoint, or null for any other node. */
export function brokerIdOf(node: NodeId): number | null {
  const match = /^broker-(\d+)$/.exec(node);
  return match === null ? null : Number(match[1]);
}

export type { ReplicationProtocol };
export type IsrPropagation = 'zookeeper' | 'alter-isr';

/** The Kafka broker keys the simulator reads (KafkaConfig names, native units). */
export interface KafkaBrokerConfig {
  'num.io.threads': number;
  'num.replica.fetchers': number;
  'replica.lag.time.max.ms': number;
  'replica.fetch.wait.max.ms': number;
  'replica.fetch.min.bytes': number;
  'replica.fetch.max.bytes': number;
  'replica.fetch.backoff.ms': number;
  'replica.socket.timeout.ms': number;
  'replica.high.watermark.checkpoint.interval.ms': number;
  'min.insync.replicas': number;
  'default.replication.factor': number;
  'num.partitions': number;
  'unclean.leader.election.enable': boolean;
  'controlled.shutdown.enable': boolean;
  'controlled.shutdown.max.retries': number;
  'controlled.shutdown.retry.backoff.ms': number;
  'auto.leader.rebalance.enable': boolean;
  'leader.imbalance.check.interval.seconds': number;
  'leader.imbalance.per.broker.percentage': number;
  'log.segment.bytes': number;
  'log.roll.hours': number;
  'log.roll.ms': number | null;
  'log.retention.hours': number;
  'log.retention.ms': number | null;
  'log.retention.bytes': number;
  'log.retention.check.interval.ms': number;
  'log.flush.interval.messages': number | null;
  'log.flush.interval.ms': number | null;
  'log.index.interval.bytes': number;
  'message.max.bytes': number;
  'controller.socket.timeout.ms': number;
}

export const DEFAULT_BROKER_CONFIG: Readonly<KafkaBrokerConfig> = {
  'num.io.threads': 8,
  'num.replica.fetchers': 1,
  'replica.lag.time.max.ms': 30_000,
  'replica.fetch.wait.max.ms': 500,
  'replica.fetch.min.bytes': 1,
  'replica.fetch.max.bytes': 1_048_576,
  'replica.fetch.backoff.ms': 1_000,
  'replica.socket.timeout.ms': 30_000,
  'replica.high.watermark.checkpoint.interval.ms': 5_000,
  'min.insync.replicas': 1,
  'default.replication.factor': 1,
  'num.partitions': 1,
  'unclean.leader.election.enable': false,
  'controlled.shutdown.enable': true,
  'controlled.shutdown.max.retries': 3,
  'controlled.shutdown.retry.backoff.ms': 5_000,
  'auto.leader.rebalance.enable': true,
  'leader.imbalance.check.interval.seconds': 300,
  'leader.imbalance.per.broker.percentage': 10,
  'log.segment.bytes': 1_073_741_824,
  'log.roll.hours': 168,
  'log.roll.ms': null,
  'log.retention.hours': 168,
  'log.retention.ms': null,
  'log.retention.bytes': -1,
  'log.retention.check.interval.ms': 300_000,
  'log.flush.interval.messages': null,
  'log.flush.interval.ms': null,
  'log.index.interval.bytes': 4096,
  'message.max.bytes': 1_048_588,
  'controller.socket.timeout.ms': 30_000,
};

/** Topic-level overrides (LogConfig names); absent keys fall back to the broker's. */
export interface KafkaTopicConfig {
  'retention.ms'?: number;
  'retention.bytes'?: number;
  'segment.bytes'?: number;
  'segment.ms'?: number;
  'min.insync.replicas'?: number;
  'unclean.leader.election.enable'?: boolean;
  'flush.messages'?: number | null;
  'flush.ms'?: number | null;
  'index.interval.bytes'?: number;
  'max.message.bytes'?: number;
}

/** What the controller's work costs, in microseconds of its single event thread. */
export interface ControllerCosts {
  /** Electing one partition's leader and writing its state (B4). */
  electionUsPerPartition: number;
  /** Reloading one partition's state on failover (B5). */
  reloadUsPerPartition: number;
  /** Removing a dead or stopping replica from one partition's ISR (a state write, as an election). */
  isrRemovalUsPerPartition: number;
}

export const DEFAULT_CONTROLLER_COSTS: Readonly<ControllerCosts> = {
  electionUsPerPartition: 5_000,
  reloadUsPerPartition: 2_000,
  isrRemovalUsPerPartition: 5_000,
};

/** Everything one broker process is started with. */
export interface BrokerSettings {
  id: number;
  /** broker.rack, or null when the cluster is not rack-aware. */
  rack: string | null;
  config: KafkaBrokerConfig;
  /** zookeeper.session.timeout.ms (18 s in 3.x; the scenario sets it in its `zookeeper:` part). */
  zookeeperSessionTimeoutMs: number;
  replicationProtocol: ReplicationProtocol;
  isrPropagation: IsrPropagation;
  costs: ControllerCosts;
}

export function brokerSettings(
  id: number,
  overrides: Partial<Omit<BrokerSettings, 'id' | 'config' | 'costs'>> & {
    config?: Partial<KafkaBrokerConfig>;
    costs?: Partial<ControllerCosts>;
  } = {},
): BrokerSettings {
  return {
    id,
    rack: overrides.rack ?? null,
    config: { ...DEFAULT_BROKER_CONFIG, ...overrides.config },
    zookeeperSessionTimeoutMs: overrides.zookeeperSessionTimeoutMs ?? 18_000,
    replicationProtocol: overrides.replicationProtocol ?? 'kip-320',
    isrPropagation: overrides.isrPropagation ?? 'alter-isr',
    costs: { ...DEFAULT_CONTROLLER_COSTS, ...overrides.costs },
  };
}

const MS_PER_HOUR = 3_600_000;

/** LogConfig.fromProps: topic overrides over the broker's log.* settings (ms before hours). */
export function effectiveLogConfig(broker: KafkaBrokerConfig, topic: KafkaTopicConfig): LogConfig {
  const brokerRetentionMs =
    broker['log.retention.ms'] ??
    (broker['log.retention.hours'] < 0 ? -1 : broker['log.retention.hours'] * MS_PER_HOUR);
  return {
    segmentBytes: topic['segment.bytes'] ?? broker['log.segment.bytes'],
    segmentMs: topic['segment.ms'] ?? broker['log.roll.ms'] ?? broker['log.roll.hours'] * MS_PER_HOUR,
    retentionMs: topic['retention.ms'] ?? brokerRetentionMs,
    retentionBytes: topic['retention.bytes'] ?? broker['log.retention.bytes'],
    indexIntervalBytes: topic['index.interval.bytes'] ?? broker['log.index.interval.bytes'],
  };
}

/** min.insync.replicas of a topic: its override, else the broker's. */
export function effectiveMinInsyncReplicas(broker: KafkaBrokerConfig, topic: KafkaTopicConfig): number {
  return topic['min.insync.replicas'] ?? broker['min.insync.replicas'];
}

/** unclean.leader.election.enable of a topic, as the controller reads it (its override, else the broker's). */
export function effectiveUncleanElection(broker: KafkaBrokerConfig, topic: KafkaTopicConfig): boolean {
  return topic['unclean.leader.election.enable'] ?? broker['unclean.leader.election.enable'];
}
