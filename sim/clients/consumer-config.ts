// The consumer's configuration: Kafka's ConsumerConfig keys by their exact dotted names with the
// Kafka 3.x defaults (FIDELITY.md §D), the application's commit strategy, and the settings
// converted once into the simulator's units.
//
// The key set is structurally the scenario's resolved consumer config (sim/scenario/kafka-config.ts)
// and ConsumerGroupSpec the scenario's ConsumerSpec, so a resolved scenario hands them over as
// they are; this file does not import the scenario layer, which sits above it.
//
// Commit strategies (what the application does with offsets; DESIGN §7, FIDELITY A12–A13):
// - auto: enable.auto.commit — every auto.commit.interval.ms, poll() commits the positions the
//   previous poll left (so what was returned, and since processed), asynchronously; before a
//   rebalance and on close it commits synchronously. At-least-once: a crash repeats up to an
//   interval's worth of records.
// - sync: commitSync() of the positions after processing each poll's records. At-least-once, with
//   at most one poll's records repeated.
// - async: commitAsync() after processing (failures are not retried).
// - before-processing: commitSync() right after poll(), then process. At-most-once: a crash while
//   processing loses the rest of the batch to the group.
// - on-revoke: commitSync() only in onPartitionsRevoked (a rebalance, or close).
//
// The rebalance protocol (KIP-429) is COOPERATIVE only when every configured assignor supports
// it (ConsumerCoordinator picks the protocol all assignors share): the default
// [range, cooperative-sticky] is EAGER.

import { msToUs } from '../core/time.ts';
import { rebalanceProtocol, type AssignmentStrategy } from './assignors.ts';

export type CommitStrategy = 'auto' | 'sync' | 'async' | 'before-processing' | 'on-revoke';

export interface ConsumerConfig {
  'client.id': string;
  'session.timeout.ms': number;
  'heartbeat.interval.ms': number;
  'max.poll.interval.ms': number;
  'enable.auto.commit': boolean;
  'auto.commit.interval.ms': number;
  'auto.offset.reset': 'latest' | 'earliest' | 'none';
  'fetch.min.bytes': number;
  'fetch.max.bytes': number;
  'max.partition.fetch.bytes': number;
  'fetch.max.wait.ms': number;
  'max.poll.records': number;
  'partition.assignment.strategy': AssignmentStrategy[];
  'request.timeout.ms': number;
  'retry.backoff.ms': number;
  'reconnect.backoff.ms': number;
  'reconnect.backoff.max.ms': number;
  'default.api.timeout.ms': number;
}

export const CONSUMER_DEFAULTS: Readonly<ConsumerConfig> = {
  'client.id': '',
  'session.timeout.ms': 45_000,
  'heartbeat.interval.ms': 3000,
  'max.poll.interval.ms': 300_000,
  'enable.auto.commit': true,
  'auto.commit.interval.ms': 5000,
  'auto.offset.reset': 'latest',
  'fetch.min.bytes': 1,
  'fetch.max.bytes': 52_428_800,
  'max.partition.fetch.bytes': 1_048_576,
  'fetch.max.wait.ms': 500,
  'max.poll.records': 500,
  'partition.assignment.strategy': ['range', 'cooperative-sticky'],
  'request.timeout.ms': 30_000,
  'retry.backoff.ms': 100,
  'reconnect.backoff.ms': 50,
  'reconnect.backoff.max.ms': 1000,
  'default.api.timeout.ms': 60_000,
};

/** One consumer group of a scenario: structurally the scenario's ConsumerSpec. */
export interface ConsumerGroupSpec {
  readonly group: string;
  readonly topics: readonly string[];
  readonly members: number;
  /** Simulated processing time of one record. */
  readonly processingUs: number;
  readonly commit: CommitStrategy;
  readonly startUs: number;
  readonly stopUs: number;
  readonly config: Partial<ConsumerConfig>;
}

/** metadata.max.age.ms, which the scenario does not expose for consumers. */
const METADATA_MAX_AGE_MS = 300_000;
/** AbstractCoordinator.JOIN_GROUP_TIMEOUT_LAPSE: JoinGroup waits the rebalance timeout plus this. */
const JOIN_GROUP_TIMEOUT_LAPSE_MS = 5000;

/** The configuration in the simulator's units, computed once per consumer. */
export interface ConsumerSettings {
  readonly clientId: string;
  readonly sessionTimeoutMs: number;
  readonly sessionTimeoutUs: number;
  readonly heartbeatIntervalUs: number;
  readonly maxPollIntervalMs: number;
  readonly maxPollIntervalUs: number;
  readonly autoCommit: boolean;
  readonly autoCommitIntervalUs: number;
  readonly autoOffsetReset: ConsumerConfig['auto.offset.reset'];
  readonly fetchMinBytes: number;
  readonly fetchMaxBytes: number;
  readonly maxPartitionFetchBytes: number;
  readonly fetchMaxWaitMs: number;
  readonly maxPollRecords: number;
  readonly assignors: readonly AssignmentStrategy[];
  readonly protocol: 'eager' | 'cooperative';
  readonly requestTimeoutMs: number;
  readonly joinGroupTimeoutMs: number;
  readonly retryBackoffUs: number;
  readonly reconnectBackoffUs: number;
  readonly reconnectBackoffMaxUs: number;
  readonly defaultApiTimeoutUs: number;
  readonly metadataMaxAgeUs: number;
}

/** The effective configuration for `written` settings; refuses what KafkaConsumer refuses. */
export function consumerConfig(written: Partial<ConsumerConfig> = {}): ConsumerConfig {
  const config: ConsumerConfig = { ...CONSUMER_DEFAULTS, ...written };
  if (config['heartbeat.interval.ms'] >= config['session.timeout.ms']) {
    throw new RangeError('consumerConfig: heartbeat.interval.ms must be below session.timeout.ms');
  }
  if (config['partition.assignment.strategy'].length === 0) {
    throw new RangeError('consumerConfig: partition.assignment.strategy needs at least one assignor');
  }
  if (config['max.poll.records'] < 1) throw new RangeError('consumerConfig: max.poll.records must be at least 1');
  return config;
}

export function consumerSettings(config: ConsumerConfig, clientId: string): ConsumerSettings {
  const assignors = [...new Set(config['partition.assignment.strategy'])];
  return {
    clientId: config['client.id'] === '' ? clientId : config['client.id'],
    sessionTimeoutMs: config['session.timeout.ms'],
    sessionTimeoutUs: msToUs(config['session.timeout.ms']),
    heartbeatIntervalUs: msToUs(config['heartbeat.interval.ms']),
    maxPollIntervalMs: config['max.poll.interval.ms'],
    maxPollIntervalUs: msToUs(config['max.poll.interval.ms']),
    autoCommit: config['enable.auto.commit'],
    autoCommitIntervalUs: msToUs(config['auto.commit.interval.ms']),
    autoOffsetReset: config['auto.offset.reset'],
    fetchMinBytes: config['fetch.min.bytes'],
    fetchMaxBytes: config['fetch.max.bytes'],
    maxPartitionFetchBytes: config['max.partition.fetch.bytes'],
    fetchMaxWaitMs: config['fetch.max.wait.ms'],
    maxPollRecords: config['max.poll.records'],
    assignors,
    protocol: assignors.every((assignor) => rebalanceProtocol(assignor) === 'cooperative') ? 'cooperative' : 'eager',
    requestTimeoutMs: config['request.timeout.ms'],
    joinGroupTimeoutMs: Math.max(config['request.timeout.ms'], config['max.poll.interval.ms'] + JOIN_GROUP_TIMEOUT_LAPSE_MS),
    retryBackoffUs: msToUs(config['retry.backoff.ms']),
    reconnectBackoffUs: msToUs(config['reconnect.backoff.ms']),
    reconnectBackoffMaxUs: msToUs(config['reconnect.backoff.max.ms']),
    defaultApiTimeoutUs: msToUs(config['default.api.timeout.ms']),
    metadataMaxAgeUs: msToUs(METADATA_MAX_AGE_MS),
  };
}
