// The Kafka configuration keys a scenario may set, one table per family (broker, topic,
// producer, consumer), by their exact dotted names with Kafka 3.x defaults (ZooKeeper mode;
// see FIDELITY.md §D and KafkaConfig / LogConfig / ProducerConfig / ConsumerConfig).
//
// Only keys the simulator models are listed: an unlisted key is an error with a "did you mean"
// hint, never silently ignored. Values keep Kafka's native units (`*.ms` in milliseconds,
// `*.bytes` in bytes, `*.hours` in hours); the loader also accepts "30s" or "1MiB" for them and
// converts. Kafka's "unlimited" sentinels that do not fit a double (Long.MAX_VALUE for
// `log.flush.interval.messages`) are `null`, meaning "never".

export type ConfigType = 'int' | 'long' | 'boolean' | 'string' | 'enum' | 'list' | 'duration-ms' | 'size-bytes';

interface EntryBase {
  readonly doc: string;
}

export interface NumberEntry extends EntryBase {
  readonly type: 'int' | 'long' | 'duration-ms' | 'size-bytes';
  readonly default: number | null;
  readonly min?: number;
  readonly max?: number;
}

export interface BooleanEntry extends EntryBase {
  readonly type: 'boolean';
  readonly default: boolean;
}

export interface StringEntry extends EntryBase {
  readonly type: 'string';
  readonly default: string;
}

/** `aliases` maps other spellings Kafka accepts (acks=-1, assignor class names) to a value. */
export interface EnumEntry extends EntryBase {
  readonly type: 'enum';
  readonly values: readonly string[];
  readonly aliases?: Readonly<Record<string, string>>;
  readonly default: string;
}

export interface ListEntry extends EntryBase {
  readonly type: 'list';
  readonly values: readonly string[];
  readonly aliases?: Readonly<Record<string, string>>;
  readonly default: readonly string[];
}

export type ConfigEntry = NumberEntry | BooleanEntry | StringEntry | EnumEntry | ListEntry;
export type ConfigTable = Readonly<Record<string, ConfigEntry>>;

type ValueOf<E> = E extends { type: 'boolean' }
  ? boolean
  : E extends { type: 'string' }
    ? string
    : E extends { type: 'enum'; values: readonly (infer V)[] }
      ? V
      : E extends { type: 'list'; values: readonly (infer V)[] }
        ? V[]
        : E extends { default: null }
          ? number | null
          : number;

/** The fully resolved values of one family: every key present, defaults filled in. */
export type ConfigValues<T extends ConfigTable> = { -readonly [K in keyof T]: ValueOf<T[K]> };

const INT_MAX = 2_147_483_647;

export const BROKER_CONFIG = {
  'num.network.threads': { type: 'int', default: 3, min: 1, doc: 'Threads that read requests from and write responses to sockets.' },
  'num.io.threads': { type: 'int', default: 8, min: 1, doc: 'Request-handler threads: the broker CPU pool that processes requests.' },
  'queued.max.requests': { type: 'int', default: 500, min: 1, doc: 'Requests queued for the handler threads before the network threads stop reading.' },
  'num.replica.fetchers': { type: 'int', default: 1, min: 1, doc: 'Fetcher threads per source broker used by followers.' },
  'replica.lag.time.max.ms': { type: 'duration-ms', default: 30000, min: 1, doc: 'A follower not caught up for this long is removed from the ISR.' },
  'replica.fetch.wait.max.ms': { type: 'duration-ms', default: 500, min: 0, doc: 'Longest a follower fetch waits at the leader for fetch.min.bytes of data.' },
  'replica.fetch.min.bytes': { type: 'size-bytes', default: 1, min: 1, doc: 'Bytes a follower fetch waits for before the leader answers.' },
  'replica.fetch.max.bytes': { type: 'size-bytes', default: 1048576, min: 1, doc: 'Bytes fetched per partition per follower fetch.' },
  'replica.fetch.backoff.ms': { type: 'duration-ms', default: 1000, min: 0, doc: 'Pause of a follower fetcher after a fetch error.' },
  'replica.socket.timeout.ms': { type: 'duration-ms', default: 30000, min: 1, doc: 'Network timeout of follower fetch requests.' },
  'replica.high.watermark.checkpoint.interval.ms': { type: 'duration-ms', default: 5000, min: 1, doc: 'How often each broker writes its high watermarks to disk.' },
  'min.insync.replicas': { type: 'int', default: 1, min: 1, doc: 'ISR size an acks=all write needs, else NOT_ENOUGH_REPLICAS.' },
  'default.replication.factor': { type: 'int', default: 1, min: 1, doc: 'Replication factor of topics that do not give one.' },
  'num.partitions': { type: 'int', default: 1, min: 1, doc: 'Partition count of topics that do not give one.' },
  'unclean.leader.election.enable': { type: 'boolean', default: false, doc: 'Elect a replica outside the ISR when no ISR member is alive (risks data loss).' },
  'controlled.shutdown.enable': { type: 'boolean', default: true, doc: 'On clean shutdown, ask the controller to move leadership away first.' },
  'controlled.shutdown.max.retries': { type: 'int', default: 3, min: 0, doc: 'Attempts at controlled shutdown before shutting down uncleanly.' },
  'controlled.shutdown.retry.backoff.ms': { type: 'duration-ms', default: 5000, min: 0, doc: 'Pause between controlled-shutdown attempts.' },
  'auto.leader.rebalance.enable': { type: 'boolean', default: true, doc: 'Periodically move leadership back to preferred replicas.' },
  'leader.imbalance.check.interval.seconds': { type: 'long', default: 300, min: 1, doc: 'Seconds between preferred-leader imbalance checks.' },
  'leader.imbalance.per.broker.percentage': { type: 'int', default: 10, min: 0, max: 100, doc: 'Imbalance percentage per broker that triggers a preferred-leader election.' },
  'log.segment.bytes': { type: 'size-bytes', default: 1073741824, min: 14, doc: 'A log segment rolls when it reaches this size.' },
  'log.roll.hours': { type: 'int', default: 168, min: 1, doc: 'A log segment rolls after this many hours (unless log.roll.ms is set).' },
  'log.roll.ms': { type: 'duration-ms', default: null, min: 1, doc: 'A log segment rolls after this long; null uses log.roll.hours.' },
  'log.retention.hours': { type: 'int', default: 168, min: -1, doc: 'Hours a closed segment is kept (unless log.retention.ms is set).' },
  'log.retention.ms': { type: 'duration-ms', default: null, min: -1, doc: 'Time a closed segment is kept; -1 keeps forever; null uses log.retention.hours.' },
  'log.retention.bytes': { type: 'size-bytes', default: -1, min: -1, doc: 'Partition size above which closed segments are deleted; -1 for no limit.' },
  'log.retention.check.interval.ms': { type: 'duration-ms', default: 300000, min: 1, doc: 'How often retention runs.' },
  'log.flush.interval.messages': { type: 'long', default: null, min: 1, doc: 'fsync after this many messages; null never forces a flush (Kafka: Long.MAX_VALUE).' },
  'log.flush.interval.ms': { type: 'duration-ms', default: null, min: 0, doc: 'fsync data older than this; null never forces a flush (rely on replication).' },
  'log.index.interval.bytes': { type: 'size-bytes', default: 4096, min: 0, doc: 'Bytes between entries of the sparse offset index.' },
  'message.max.bytes': { type: 'size-bytes', default: 1048588, min: 0, doc: 'Largest record batch the broker accepts.' },
  'group.initial.rebalance.delay.ms': { type: 'duration-ms', default: 3000, min: 0, doc: 'Wait for more members before the first rebalance of an empty group.' },
  'group.min.session.timeout.ms': { type: 'duration-ms', default: 6000, min: 0, doc: 'Smallest session.timeout.ms a consumer may ask for.' },
  'group.max.session.timeout.ms': { type: 'duration-ms', default: 1800000, min: 0, doc: 'Largest session.timeout.ms a consumer may ask for.' },
  'offsets.topic.replication.factor': { type: 'int', default: 3, min: 1, doc: 'Replication factor of __consumer_offsets.' },
  'offsets.topic.num.partitions': { type: 'int', default: 50, min: 1, doc: 'Partitions of __consumer_offsets (which decides each group coordinator).' },
  'offsets.retention.minutes': { type: 'int', default: 10080, min: 1, doc: 'Minutes committed offsets of an empty group are kept.' },
  'offsets.commit.timeout.ms': { type: 'duration-ms', default: 5000, min: 1, doc: 'Longest an offset commit waits for __consumer_offsets replication.' },
  'controller.socket.timeout.ms': { type: 'duration-ms', default: 30000, min: 1, doc: 'Network timeout of controller-to-broker requests.' },
} as const satisfies ConfigTable;

/** Topic-level keys; `fallback` names the broker key whose value applies when unset. */
export const TOPIC_CONFIG = {
  'retention.ms': { type: 'duration-ms', default: 604800000, min: -1, doc: 'Time a closed segment is kept; -1 keeps forever. Falls back to log.retention.ms / log.retention.hours.' },
  'retention.bytes': { type: 'size-bytes', default: -1, min: -1, doc: 'Partition size above which closed segments are deleted; -1 for no limit. Falls back to log.retention.bytes.' },
  'segment.bytes': { type: 'size-bytes', default: 1073741824, min: 14, doc: 'A segment rolls at this size. Falls back to log.segment.bytes.' },
  'segment.ms': { type: 'duration-ms', default: 604800000, min: 1, doc: 'A segment rolls after this long. Falls back to log.roll.ms / log.roll.hours.' },
  'min.insync.replicas': { type: 'int', default: 1, min: 1, doc: 'ISR size an acks=all write needs. Falls back to the broker setting.' },
  'unclean.leader.election.enable': { type: 'boolean', default: false, doc: 'Allow electing an out-of-sync replica. Falls back to the broker setting.' },
  'flush.messages': { type: 'long', default: null, min: 1, doc: 'fsync after this many messages; null never. Falls back to log.flush.interval.messages.' },
  'flush.ms': { type: 'duration-ms', default: null, min: 0, doc: 'fsync data older than this; null never. Falls back to log.flush.interval.ms.' },
  'max.message.bytes': { type: 'size-bytes', default: 1048588, min: 0, doc: 'Largest record batch accepted. Falls back to message.max.bytes.' },
  'index.interval.bytes': { type: 'size-bytes', default: 4096, min: 0, doc: 'Bytes between offset index entries. Falls back to log.index.interval.bytes.' },
} as const satisfies ConfigTable;

/** The broker key each topic key falls back to (LogConfig's synonyms). */
export const TOPIC_FALLBACK = {
  'retention.ms': 'log.retention.ms',
  'retention.bytes': 'log.retention.bytes',
  'segment.bytes': 'log.segment.bytes',
  'segment.ms': 'log.roll.ms',
  'min.insync.replicas': 'min.insync.replicas',
  'unclean.leader.election.enable': 'unclean.leader.election.enable',
  'flush.messages': 'log.flush.interval.messages',
  'flush.ms': 'log.flush.interval.ms',
  'max.message.bytes': 'message.max.bytes',
  'index.interval.bytes': 'log.index.interval.bytes',
} as const satisfies Record<keyof typeof TOPIC_CONFIG, keyof typeof BROKER_CONFIG>;

export const PRODUCER_CONFIG = {
  'client.id': { type: 'string', default: '', doc: 'Name in broker logs and traces; empty uses the producer name.' },
  acks: { type: 'enum', values: ['all', '0', '1'], aliases: { '-1': 'all' }, default: 'all', doc: 'Replicas that must have a write before it is acknowledged: 0, 1 or all (-1).' },
  'enable.idempotence': { type: 'boolean', default: true, doc: 'Deduplicate retried batches by producer id and sequence (needs acks=all, retries > 0, in-flight <= 5).' },
  retries: { type: 'int', default: INT_MAX, min: 0, doc: 'Resends of a failed batch, bounded by delivery.timeout.ms.' },
  'delivery.timeout.ms': { type: 'duration-ms', default: 120000, min: 0, doc: 'Upper bound from send() to success or failure, retries included.' },
  'request.timeout.ms': { type: 'duration-ms', default: 30000, min: 0, doc: 'Longest wait for one produce response.' },
  'linger.ms': { type: 'duration-ms', default: 0, min: 0, doc: 'Wait this long for more records before sending a batch.' },
  'batch.size': { type: 'size-bytes', default: 16384, min: 0, doc: 'Bytes per partition batch.' },
  'max.in.flight.requests.per.connection': { type: 'int', default: 5, min: 1, doc: 'Unacknowledged requests per broker connection.' },
  'retry.backoff.ms': { type: 'duration-ms', default: 100, min: 0, doc: 'Pause before retrying a failed request.' },
  'buffer.memory': { type: 'size-bytes', default: 33554432, min: 0, doc: 'Bytes of unsent records buffered before send() blocks.' },
  'max.block.ms': { type: 'duration-ms', default: 60000, min: 0, doc: 'Longest send() blocks on a full buffer or missing metadata.' },
  'max.request.size': { type: 'size-bytes', default: 1048576, min: 0, doc: 'Largest produce request.' },
  'metadata.max.age.ms': { type: 'duration-ms', default: 300000, min: 0, doc: 'Refresh metadata at least this often.' },
  'compression.type': { type: 'enum', values: ['none', 'gzip', 'snappy', 'lz4', 'zstd'], default: 'none', doc: 'Codec applied to each batch.' },
  'partitioner.class': {
    type: 'enum',
    values: ['DefaultPartitioner', 'RoundRobinPartitioner'],
    aliases: {
      'org.apache.kafka.clients.producer.internals.DefaultPartitioner': 'DefaultPartitioner',
      'org.apache.kafka.clients.producer.RoundRobinPartitioner': 'RoundRobinPartitioner',
    },
    default: 'DefaultPartitioner',
    doc: 'Where unkeyed records go: DefaultPartitioner sticks to a partition per batch (KIP-480); RoundRobinPartitioner takes the next partition for every record, as producers before Kafka 2.4 did.',
  },
  'reconnect.backoff.ms': { type: 'duration-ms', default: 50, min: 0, doc: 'First pause before reconnecting to a broker.' },
  'reconnect.backoff.max.ms': { type: 'duration-ms', default: 1000, min: 0, doc: 'Longest pause between reconnect attempts (the backoff doubles up to it).' },
} as const satisfies ConfigTable;

const ASSIGNOR_CLASS = 'org.apache.kafka.clients.consumer.';

export const CONSUMER_CONFIG = {
  'client.id': { type: 'string', default: '', doc: 'Name in broker logs and traces; empty uses group and member index.' },
  'session.timeout.ms': { type: 'duration-ms', default: 45000, min: 1, doc: 'A member not heard from for this long is removed from the group.' },
  'heartbeat.interval.ms': { type: 'duration-ms', default: 3000, min: 1, doc: 'Heartbeat period; must be below session.timeout.ms.' },
  'max.poll.interval.ms': { type: 'duration-ms', default: 300000, min: 1, doc: 'A member that does not poll for this long leaves the group.' },
  'enable.auto.commit': { type: 'boolean', default: true, doc: 'Commit the previous poll\'s positions in the background.' },
  'auto.commit.interval.ms': { type: 'duration-ms', default: 5000, min: 0, doc: 'Period of automatic commits.' },
  'auto.offset.reset': { type: 'enum', values: ['latest', 'earliest', 'none'], default: 'latest', doc: 'Where to start without a committed offset.' },
  'fetch.min.bytes': { type: 'size-bytes', default: 1, min: 0, doc: 'Bytes a fetch waits for before the broker answers.' },
  'fetch.max.bytes': { type: 'size-bytes', default: 52428800, min: 0, doc: 'Bytes per fetch response.' },
  'max.partition.fetch.bytes': { type: 'size-bytes', default: 1048576, min: 0, doc: 'Bytes per partition per fetch.' },
  'fetch.max.wait.ms': { type: 'duration-ms', default: 500, min: 0, doc: 'Longest a fetch waits at the broker for fetch.min.bytes.' },
  'max.poll.records': { type: 'int', default: 500, min: 1, doc: 'Records returned by one poll.' },
  'partition.assignment.strategy': {
    type: 'list',
    values: ['range', 'roundrobin', 'sticky', 'cooperative-sticky'],
    aliases: {
      [`${ASSIGNOR_CLASS}RangeAssignor`]: 'range',
      [`${ASSIGNOR_CLASS}RoundRobinAssignor`]: 'roundrobin',
      [`${ASSIGNOR_CLASS}StickyAssignor`]: 'sticky',
      [`${ASSIGNOR_CLASS}CooperativeStickyAssignor`]: 'cooperative-sticky',
    },
    default: ['range', 'cooperative-sticky'],
    doc: 'Assignors in order of preference; the group uses the first all members support.',
  },
  'request.timeout.ms': { type: 'duration-ms', default: 30000, min: 0, doc: 'Longest wait for one response.' },
  'retry.backoff.ms': { type: 'duration-ms', default: 100, min: 0, doc: 'Pause before retrying a failed request.' },
  'reconnect.backoff.ms': { type: 'duration-ms', default: 50, min: 0, doc: 'First pause before reconnecting to a broker.' },
  'reconnect.backoff.max.ms': { type: 'duration-ms', default: 1000, min: 0, doc: 'Longest pause between reconnect attempts (the backoff doubles up to it).' },
  'default.api.timeout.ms': { type: 'duration-ms', default: 60000, min: 0, doc: 'Timeout of blocking calls such as commitSync.' },
} as const satisfies ConfigTable;

export type BrokerConfig = ConfigValues<typeof BROKER_CONFIG>;
export type TopicConfig = ConfigValues<typeof TOPIC_CONFIG>;
export type ProducerConfig = ConfigValues<typeof PRODUCER_CONFIG>;
export type ConsumerConfig = ConfigValues<typeof CONSUMER_CONFIG>;

/**
 * Keys that belong somewhere else in a scenario, with where to put them: a better hint than
 * "unknown key" for settings people copy from server.properties or client code.
 */
export const MISPLACED_KEYS: Readonly<Record<string, string>> = {
  'zookeeper.session.timeout.ms': 'the ZooKeeper session timeout is `session.timeout.ms` in the `zookeeper:` section',
  'broker.id': 'broker ids come from `cluster.brokers` (a count gives ids 1..N, or list `{id: N}` entries)',
  'broker.rack': 'racks are set per broker in `cluster.brokers` (`{id: 1, rack: r1}`), or spread over `cluster.racks` in turn',
  'bootstrap.servers': 'clients find the cluster by themselves in the simulator; remove this key',
  'group.id': 'the group is the consumer entry\'s `group:` field',
  'replication.factor': 'the replication factor is set per topic, next to `partitions:` (or `default.replication.factor` in `cluster.config`)',
  'num.partitions': 'partitions are set per topic as `partitions:` (or `num.partitions` in `cluster.config`)',
};

/** The effective default of every key of a family. */
export function configDefaults<T extends ConfigTable>(table: T): ConfigValues<T> {
  const values: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(table)) {
    values[key] = entry.type === 'list' ? [...entry.default] : entry.default;
  }
  return values as ConfigValues<T>;
}

/**
 * A topic's effective configuration: its own overrides, else the broker's setting, following
 * LogConfig's precedence for retention (ms, else hours) and segment roll (ms, else hours).
 */
export function effectiveTopicConfig(broker: BrokerConfig, overrides: Partial<TopicConfig>): TopicConfig {
  const inherited: Record<string, unknown> = {};
  for (const [topicKey, brokerKey] of Object.entries(TOPIC_FALLBACK)) inherited[topicKey] = broker[brokerKey];
  const fromBroker = inherited as TopicConfig;
  const retentionHours = broker['log.retention.hours'];
  fromBroker['retention.ms'] = broker['log.retention.ms'] ?? (retentionHours < 0 ? -1 : retentionHours * 3_600_000);
  fromBroker['segment.ms'] = broker['log.roll.ms'] ?? broker['log.roll.hours'] * 3_600_000;
  return { ...fromBroker, ...overrides };
}
