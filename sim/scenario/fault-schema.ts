// The schema of one `faults:` entry (DESIGN §8): `{at, <kind>: <target or params>, for?}`.
//
// Each kind is an optional key of one strict map, rather than a union of one map per kind, so
// a misspelt kind gets "did you mean `power-loss`?" and editors complete kind names. That an
// entry has exactly one kind, that a target names exactly one thing, and that the thing exists
// are checked in sim/scenario/resolve-faults.ts, where the whole scenario is known.
//
// Targets: `broker: N`, `zk: N`, `rack: NAME`, `producer: NAME`, `consumer: GROUP/INDEX`, and the
// dynamic `leader: TOPIC/P` and `controller` (resolved when the fault fires).

import { z } from 'zod';
import { bandwidthBytesPerSecond, brokerConfigSchema, durationUs, integer, producerConfigSchema, topicConfigSchema } from './fields.ts';

const nameText = (description: string) => z.string().min(1).max(300).meta({ description });

const targetShape = {
  broker: integer('A broker id.', 0, 1_000_000).optional(),
  zk: integer('A ZooKeeper server id (1..servers).', 1, 1_000).optional(),
  rack: nameText('Every machine in this rack.').optional(),
  producer: nameText('A producer by name.').optional(),
  consumer: nameText('A group member: GROUP/INDEX, members counted from 0.').optional(),
  leader: nameText('The leader of TOPIC/PARTITION when the fault fires.').optional(),
  controller: z.literal(true).optional().meta({ description: 'The active controller when the fault fires.' }),
};

const targetMap = z.strictObject(targetShape).meta({ id: 'target', description: 'One thing a fault acts on.' });

const targetError = 'expected a target such as {broker: 2}, {zk: 1}, {rack: r1}, {leader: orders/0} or controller';

/** A target: one key of `targetShape`, or the bare word `controller`. */
export const targetSchema = z.union([z.literal('controller'), targetMap], { error: targetError });

/** A member of a partition group: a broker id, or any target. */
const nodeSchema = z.union([integer('A broker id.', 0, 1_000_000), z.literal('controller'), targetMap], { error: targetError });

/** One side of a partition: a list of nodes, or a single node (a rack is a fine side). */
const sideSchema = z.union([z.array(nodeSchema).min(1).max(1_000), nodeSchema], {
  error: 'expected a list of brokers such as [1, 2], or a target such as {rack: r1}',
});

const partitionSchema = z
  .strictObject({
    isolate: targetSchema.optional().meta({ description: 'Cut this node off from every other node, ZooKeeper included.' }),
    between: z.array(sideSchema).min(2).max(100).optional().meta({ description: 'Cut traffic between these groups only.' }),
    from: sideSchema.optional().meta({ description: 'One-way: drop traffic from these nodes (with `to`).' }),
    to: sideSchema.optional().meta({ description: 'One-way: drop traffic to these nodes (with `from`).' }),
  })
  .meta({ description: 'A network partition: `isolate`, `between`, or `from` and `to`.' });

const slowDiskSchema = z.strictObject({
  ...targetShape,
  factor: z.number().min(1).max(100_000).meta({ description: 'Disk service time multiplier.' }),
});

const slowNetworkSchema = z.strictObject({
  ...targetShape,
  latency: durationUs('Added one-way latency.', '200ms').optional(),
  bandwidth: bandwidthBytesPerSecond('NIC bandwidth cap.').optional(),
});

const configFaultSchema = z.union(
  [
    z.strictObject({ broker: integer('A broker id.', 0, 1_000_000), set: brokerConfigSchema }),
    z.strictObject({ topic: nameText('A topic by name.'), set: topicConfigSchema }),
    z.strictObject({ producer: nameText('A producer by name.'), set: producerConfigSchema }),
  ],
  { error: 'expected {broker: N, set: {...}}, {topic: NAME, set: {...}} or {producer: NAME, set: {...}}' },
);

const targeted = (description: string) => targetSchema.optional().meta({ description });

export const faultSchema = z
  .strictObject({
    at: durationUs('When the fault fires, from the start of the run.', '20s'),
    for: durationUs('Undo the fault after this long.', '10s').optional(),
    crash: targeted('Kill the process; the OS page cache survives.'),
    restart: targeted('Start a crashed or stopped broker again.'),
    'power-loss': targeted('Cut the power: unflushed page cache is lost.'),
    shutdown: targeted('Clean shutdown (Kafka controlled shutdown).'),
    start: targeted('Start a broker that was shut down.'),
    pause: targeted('Freeze the process (GC pause, SIGSTOP); needs `for`.'),
    partition: partitionSchema.optional(),
    heal: z.strictObject({}).nullable().optional().meta({ description: 'End every partition and slow-down in force.' }),
    'slow-disk': slowDiskSchema.optional().meta({ description: 'Scale disk service time: {broker: 2, factor: 10}.' }),
    'slow-network': slowNetworkSchema.optional().meta({ description: 'Add latency or cap bandwidth: {broker: 1, latency: 200ms}.' }),
    'zk-crash': targeted('Kill a ZooKeeper server: {zk: 1}.'),
    'zk-restart': targeted('Start a ZooKeeper server again: {zk: 1}.'),
    config: configFaultSchema.optional().meta({ description: 'Change settings: {broker: 1, set: {min.insync.replicas: 1}}.' }),
    'client-crash': targeted('Kill a client: {producer: p1} or {consumer: billing/0}.'),
    'client-restart': targeted('Start a crashed client again.'),
  })
  .meta({ description: 'One fault: `at`, exactly one kind, and optionally `for` to undo it.' });

export type ParsedTarget = z.output<typeof targetSchema>;
export type ParsedNode = z.output<typeof nodeSchema>;
export type ParsedSide = z.output<typeof sideSchema>;
