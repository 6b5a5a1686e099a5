// The scenario file's schema (DESIGN §11), in zod 4: one schema for the whole file, from which
// the JSON Schema for editors is generated (sim/scenario/json-schema.ts). It checks every field
// on its own and converts units (durations to µs, sizes to bytes); checks that relate fields
// (replication factor against brokers, fault targets against what exists) and the filling of
// derived defaults live in sim/scenario/resolve.ts, which produces the `ScenarioSpec`.
//
// Every map is strict: an unknown key is an error with a "did you mean" hint. Every list and
// count has an upper bound, so no scenario can ask the simulator for unbounded work.

import { z } from 'zod';
import { expectSchema } from './expect-schema.ts';
import { faultSchema } from './fault-schema.ts';
import {
  brokerConfigSchema,
  consumerConfigSchema,
  durationUs,
  integer,
  millis,
  producerConfigSchema,
  recordRate,
  sizeBytes,
  topicConfigSchema,
} from './fields.ts';
import { COMMIT_STRATEGIES, HARDWARE_PROFILES, ISR_PROPAGATIONS, REPLICATION_PROTOCOLS } from './spec.ts';

export type * from './spec.ts';
export { FAULT_KINDS, TARGETED_FAULT_KINDS, HARDWARE_PROFILES, REPLICATION_PROTOCOLS, ISR_PROPAGATIONS, COMMIT_STRATEGIES } from './spec.ts';

export const MAX_BROKERS = 1_000;
export const MAX_BROKER_ID = 1_000_000;
export const MAX_RACKS = 100;
export const MAX_ZOOKEEPER_SERVERS = 15;
export const MAX_TOPICS = 10_000;
export const MAX_PARTITIONS_PER_TOPIC = 100_000;
export const MAX_CLIENTS = 1_000;
export const MAX_GROUP_MEMBERS = 1_000;
export const MAX_KEYS = 1_000_000_000;
export const MAX_FAULTS = 10_000;

/** Kafka's legal topic characters (Topic.java), also used for the other names a target cites. */
export function nameSchema(what: string) {
  return z
    .string()
    .min(1)
    .max(249)
    .regex(/^[A-Za-z0-9._-]+$/, { error: `a ${what} name uses only letters, digits, ".", "_" and "-"` })
    .meta({ description: `A ${what} name: letters, digits, ".", "_" and "-".` });
}

const rackName = nameSchema('rack');
const hardwareProfile = z.enum(HARDWARE_PROFILES).meta({ description: 'A named hardware profile.' });

const hardware = z.union(
  [
    hardwareProfile,
    z
      .object({ profile: hardwareProfile.optional() })
      .catchall(z.union([z.number(), z.string()]))
      .meta({ description: 'A profile (default ssd-10g) and hardware keys that override it.' }),
  ],
  { error: `expected a profile (${HARDWARE_PROFILES.join(', ')}) or a map of overrides` },
);

const brokerEntry = z.strictObject({
  id: integer('Broker id (Kafka broker.id).', 0, MAX_BROKER_ID),
  rack: rackName.optional(),
  hardware: hardware.optional(),
});

const clusterSchema = z.strictObject({
  racks: z.array(rackName).max(MAX_RACKS).prefault([]).meta({ description: 'Rack names (Kafka broker.rack values).' }),
  brokers: z
    .union([integer('Broker count: ids 1..N, over the racks in turn.', 1, MAX_BROKERS), z.array(brokerEntry).min(1).max(MAX_BROKERS)], {
      error: 'expected a broker count, or a list of {id, rack, hardware} entries',
    })
    .prefault(3),
  hardware: hardware.prefault('ssd-10g'),
  config: brokerConfigSchema.optional(),
  'replication.protocol': z
    .enum(REPLICATION_PROTOCOLS)
    .default('kip-320')
    .meta({ description: 'Follower truncation on leader change: hw-truncation (pre KIP-101), kip-101, kip-279 or kip-320 (today).' }),
  'isr.propagation': z
    .enum(ISR_PROPAGATIONS)
    .default('alter-isr')
    .meta({ description: 'How ISR changes reach the controller: ZooKeeper notifications or AlterIsr (KIP-497).' }),
});

const zookeeperSchema = z.strictObject({
  servers: integer('ZooKeeper ensemble size: ids 1..N.', 1, MAX_ZOOKEEPER_SERVERS).default(3),
  'session.timeout.ms': millis('session.timeout.ms', "Brokers' ZooKeeper session timeout (zookeeper.session.timeout.ms).", 18000),
  'tick.time.ms': millis('tick.time.ms', 'ZooKeeper tickTime: the unit of its session timeout bounds.', 2000),
});

const topicSchema = z.strictObject({
  name: nameSchema('topic'),
  partitions: integer('Partition count (default: num.partitions).', 1, MAX_PARTITIONS_PER_TOPIC).optional(),
  'replication.factor': integer('Replicas per partition (default: default.replication.factor).', 1, MAX_BROKERS).optional(),
  assignment: z
    .array(z.array(integer('A broker id.', 0, MAX_BROKER_ID)).min(1).max(MAX_BROKERS))
    .min(1)
    .max(MAX_PARTITIONS_PER_TOPIC)
    .optional()
    .meta({ description: 'Explicit replicas per partition, preferred leader first (kafka-topics --replica-assignment).' }),
  config: topicConfigSchema.optional(),
});

const keysSchema = z.strictObject({
  count: integer('Distinct keys.', 1, MAX_KEYS),
  distribution: z.enum(['uniform', 'zipf']).default('uniform'),
  skew: z.number().min(0.01).max(10).optional().meta({ description: 'Zipf exponent (zipf only; default 1).' }),
});

const producerSchema = z.strictObject({
  name: nameSchema('producer'),
  topic: nameSchema('topic'),
  rate: recordRate('Offered load.'),
  'message.bytes': sizeBytes('Value size of each record.', '200').prefault(100),
  keys: keysSchema.optional().meta({ description: 'Keyed traffic; omit for unkeyed (sticky partitioner).' }),
  partition: integer('Send every record to this partition.', 0, MAX_PARTITIONS_PER_TOPIC - 1).optional(),
  start: durationUs('When the producer starts.', '0s').prefault(0),
  stop: durationUs('When the producer stops (default: end of run).', '50s').optional(),
  config: producerConfigSchema.optional(),
});

const consumerSchema = z.strictObject({
  group: nameSchema('consumer group'),
  topic: nameSchema('topic').optional(),
  topics: z.array(nameSchema('topic')).min(1).max(MAX_TOPICS).optional(),
  members: integer('Consumers in the group, indexed from 0.', 1, MAX_GROUP_MEMBERS).default(1),
  processing: durationUs('Processing time per record.', '1ms').prefault(0),
  commit: z
    .enum(COMMIT_STRATEGIES)
    .optional()
    .meta({ description: 'How offsets are committed; default auto when enable.auto.commit, else sync.' }),
  start: durationUs('When the members start.', '0s').prefault(0),
  stop: durationUs('When the members stop (default: end of run).', '50s').optional(),
  config: consumerConfigSchema.optional(),
});

export const scenarioSchema = z
  .strictObject({
    name: nameSchema('scenario').optional().meta({ description: 'Scenario name (default: the file name).' }),
    description: z.string().max(10_000).default('').meta({ description: 'What the scenario shows, in a sentence or two.' }),
    seed: integer('Seed of every random choice; --seed overrides.', 0, Number.MAX_SAFE_INTEGER).default(42),
    duration: durationUs('Simulated time the run lasts.', '60s'),
    cluster: clusterSchema.prefault({}),
    zookeeper: zookeeperSchema.prefault({}),
    topics: z.array(topicSchema).max(MAX_TOPICS).prefault([]),
    producers: z.array(producerSchema).max(MAX_CLIENTS).prefault([]),
    consumers: z.array(consumerSchema).max(MAX_CLIENTS).prefault([]),
    faults: z.array(faultSchema).max(MAX_FAULTS).prefault([]).meta({ description: 'The fault timeline: each entry fires at `at`, and `for` undoes it.' }),
    expect: expectSchema.prefault({}),
  })
  .meta({ title: 'kafka-sim scenario', description: 'A kafka-sim scenario: cluster, workload, faults and expectations.' });

/** The file after per-field checks and unit conversion, before cross-field resolution. */
export type ParsedScenario = z.output<typeof scenarioSchema>;
export type ParsedFault = ParsedScenario['faults'][number];
