// The producer's configuration: Kafka's ProducerConfig keys by their exact dotted names with the
// Kafka 3.x defaults (FIDELITY.md §D), the rule by which KafkaProducer turns idempotence off or
// refuses a combination, and the settings converted once into the simulator's units (µs, bytes).
//
// Also here, because they are properties of the client library and its host rather than of Kafka's
// protocol: the size ratio of each compression codec and the CPU cost of the producer's two
// threads (the application thread that runs send(), and the Sender I/O thread).
//
// Sources: ProducerConfig (3.x); KAFKA-13598 (3.2: a default idempotence is turned off by a
// conflicting setting, an explicit one is an error); compression ratios and speeds from the
// benchmark table of the Zstandard README (facebook/zstd 1.5.6, lzbench on the Silesia corpus,
// Core i7-9700K @ 4.9 GHz): zstd -1 2.887 at 510 MB/s, zlib -1 2.743 at 95 MB/s, lz4 2.101 at
// 700 MB/s, snappy 2.073 at 530 MB/s. Kafka compresses gzip at zlib's default level 6 and zstd at
// level 3, which squeeze a little more at a lower speed; the table's fast levels are used as is.
// The per-record and per-byte costs come from the machine's hardware profile (sim/hw/profiles.ts,
// calibrated there on LinkedIn's 2014 benchmark).

import { msToUs } from '../core/time.ts';
import type { HardwareProfile } from '../hw/profiles.ts';

export const COMPRESSION_CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type CompressionCodec = (typeof COMPRESSION_CODECS)[number];

export const PARTITIONERS = ['DefaultPartitioner', 'RoundRobinPartitioner'] as const;
export type PartitionerClass = (typeof PARTITIONERS)[number];

/** Uncompressed bytes per compressed byte, by codec (Zstandard README table, see above). */
export const COMPRESSION_RATIO: Readonly<Record<CompressionCodec, number>> = {
  none: 1,
  gzip: 2.743,
  snappy: 2.073,
  lz4: 2.101,
  zstd: 2.887,
};

/** Kafka's producer settings by their dotted names, in Kafka's units (ms, bytes). */
export interface ProducerConfig {
  'client.id': string;
  acks: 'all' | '0' | '1';
  'enable.idempotence': boolean;
  retries: number;
  'delivery.timeout.ms': number;
  'request.timeout.ms': number;
  'linger.ms': number;
  'batch.size': number;
  'max.in.flight.requests.per.connection': number;
  'retry.backoff.ms': number;
  'buffer.memory': number;
  'max.block.ms': number;
  'max.request.size': number;
  'metadata.max.age.ms': number;
  'compression.type': CompressionCodec;
  'partitioner.class': PartitionerClass;
  'reconnect.backoff.ms': number;
  'reconnect.backoff.max.ms': number;
}

const INT_MAX = 2147483647;

export const PRODUCER_DEFAULTS: Readonly<ProducerConfig> = {
  'client.id': '',
  acks: 'all',
  'enable.idempotence': true,
  retries: INT_MAX,
  'delivery.timeout.ms': 120000,
  'request.timeout.ms': 30000,
  'linger.ms': 0,
  'batch.size': 16384,
  'max.in.flight.requests.per.connection': 5,
  'retry.backoff.ms': 100,
  'buffer.memory': 33554432,
  'max.block.ms': 60000,
  'max.request.size': 1048576,
  'metadata.max.age.ms': 300000,
  'compression.type': 'none',
  'partitioner.class': 'DefaultPartitioner',
  'reconnect.backoff.ms': 50,
  'reconnect.backoff.max.ms': 1000,
};

/**
 * The effective configuration for `written` settings, as KafkaProducer's constructor derives it:
 * idempotence left at its default is turned off by acks ≠ all, retries = 0 or more than 5
 * requests in flight; set explicitly, those combinations are refused (ConfigException, thrown
 * here as a RangeError naming the settings).
 */
export function producerConfig(written: Partial<ProducerConfig> = {}): ProducerConfig {
  const config: ProducerConfig = { ...PRODUCER_DEFAULTS, ...written };
  const conflicts: string[] = [];
  if (config.acks !== 'all') conflicts.push('acks=all');
  if (config.retries === 0) conflicts.push('retries > 0');
  if (config['max.in.flight.requests.per.connection'] > 5) conflicts.push('max.in.flight.requests.per.connection <= 5');
  if (conflicts.length > 0 && written['enable.idempotence'] === true) {
    throw new RangeError(`producerConfig: enable.idempotence=true needs ${conflicts.join(', ')}`);
  }
  if (conflicts.length > 0) config['enable.idempotence'] = false;
  // KafkaProducer.configureDeliveryTimeout: an explicit value too small is an error, a default
  // one is raised to the minimum.
  const minimumDeliveryMs = config['linger.ms'] + config['request.timeout.ms'];
  if (config['delivery.timeout.ms'] < minimumDeliveryMs) {
    if (written['delivery.timeout.ms'] !== undefined) {
      throw new RangeError('producerConfig: delivery.timeout.ms must be at least linger.ms + request.timeout.ms');
    }
    config['delivery.timeout.ms'] = minimumDeliveryMs;
  }
  if (config['max.in.flight.requests.per.connection'] < 1) {
    throw new RangeError('producerConfig: max.in.flight.requests.per.connection must be at least 1');
  }
  return config;
}

/** The configuration in the simulator's units, computed once per producer. */
export interface ProducerSettings {
  readonly clientId: string;
  /** Wire value: 0, 1 or -1 (all). */
  readonly acks: 0 | 1 | -1;
  readonly idempotence: boolean;
  readonly retries: number;
  readonly deliveryTimeoutUs: number;
  readonly requestTimeoutUs: number;
  readonly requestTimeoutMs: number;
  readonly lingerUs: number;
  readonly batchSizeBytes: number;
  readonly maxInFlight: number;
  readonly retryBackoffUs: number;
  readonly bufferMemoryBytes: number;
  readonly maxBlockUs: number;
  readonly maxRequestSizeBytes: number;
  readonly metadataMaxAgeUs: number;
  readonly compression: CompressionCodec;
  /** partitioner.class: where unkeyed records go (sticky, or the next partition each time). */
  readonly roundRobin: boolean;
  readonly reconnectBackoffUs: number;
  readonly reconnectBackoffMaxUs: number;
  /** Sender.guaranteeMessageOrder: one request in flight mutes each partition it carries. */
  readonly guaranteeMessageOrder: boolean;
}

export function producerSettings(config: ProducerConfig): ProducerSettings {
  return {
    clientId: config['client.id'],
    acks: config.acks === 'all' ? -1 : config.acks === '1' ? 1 : 0,
    idempotence: config['enable.idempotence'],
    retries: config.retries,
    deliveryTimeoutUs: msToUs(config['delivery.timeout.ms']),
    requestTimeoutUs: msToUs(config['request.timeout.ms']),
    requestTimeoutMs: config['request.timeout.ms'],
    lingerUs: msToUs(config['linger.ms']),
    batchSizeBytes: config['batch.size'],
    maxInFlight: config['max.in.flight.requests.per.connection'],
    retryBackoffUs: msToUs(config['retry.backoff.ms']),
    bufferMemoryBytes: config['buffer.memory'],
    maxBlockUs: msToUs(config['max.block.ms']),
    maxRequestSizeBytes: config['max.request.size'],
    metadataMaxAgeUs: msToUs(config['metadata.max.age.ms']),
    compression: config['compression.type'],
    roundRobin: config['partitioner.class'] === 'RoundRobinPartitioner',
    reconnectBackoffUs: msToUs(config['reconnect.backoff.ms']),
    reconnectBackoffMaxUs: msToUs(config['reconnect.backoff.max.ms']),
    guaranteeMessageOrder: config['max.in.flight.requests.per.connection'] === 1,
  };
}

/**
 * CPU time the producer spends, charged through `ActorContext.compute` to its two threads: the
 * application thread runs send() — `perRecordUs + perByteUs × (key + value bytes)` to serialise,
 * partition and append, plus `compressUsPerByte` of the codec, since Kafka compresses as records
 * are appended; the Sender thread spends `perRequestUs` building each produce request and
 * handling its response.
 */
export interface ProducerCpuCosts {
  perRecordUs: number;
  perByteUs: number;
  perRequestUs: number;
  compressUsPerByte: Readonly<Record<CompressionCodec, number>>;
}

/** Compression cost per uncompressed byte: the inverse of the README table's speeds. */
const COMPRESS_US_PER_BYTE: Readonly<Record<CompressionCodec, number>> = {
  none: 0,
  gzip: 1 / 95,
  snappy: 1 / 530,
  lz4: 1 / 700,
  zstd: 1 / 510,
};

/**
 * The Sender's cost per request: an estimate (building a request of a few batches and completing
 * their futures takes tens of µs in the Java client), small enough that one Sender thread is not
 * what binds the LinkedIn 2014 producer (about 12,000 requests/s there).
 */
const SENDER_US_PER_REQUEST = 20;

/** CPU costs on a machine: per record and per byte from its profile, unless overridden. */
export function producerCpuCosts(hardware: HardwareProfile, overrides: Partial<ProducerCpuCosts> = {}): ProducerCpuCosts {
  return {
    perRecordUs: hardware.clientCpuNsPerRecord / 1000,
    perByteUs: hardware.clientCpuNsPerByte / 1000,
    perRequestUs: SENDER_US_PER_REQUEST,
    compressUsPerByte: COMPRESS_US_PER_BYTE,
    ...overrides,
  };
}
