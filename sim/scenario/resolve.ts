// Cross-field resolution: the parsed scenario (every field valid on its own, units converted)
// becomes the explicit `ScenarioSpec`, or a list of problems with field paths.
//
// Here live the rules that relate fields, each as Kafka enforces it or as the scenario would
// otherwise silently do nothing useful: replication factor against the broker count
// (AdminUtils: "replication factor larger than available brokers"), explicit assignments
// (InvalidReplicaAssignmentException), min.insync.replicas above the replication factor (Kafka
// accepts it, but then every acks=all write fails), producer idempotence constraints
// (ProducerConfig, KAFKA-13598), consumer timeouts (INVALID_SESSION_TIMEOUT), and names that
// must refer to something defined. Faults and expectations are resolved in their own files.

import type { BrokerSpec, ClusterSpec, HardwareSpec, ScenarioSpec, TopicSpec, ZookeeperSpec } from './spec.ts';
import type { ParsedScenario } from './schema.ts';
import type { Path, Problem } from './problem.ts';
import { BROKER_CONFIG, configDefaults, effectiveTopicConfig } from './kafka-config.ts';
import type { TopicConfig } from './kafka-config.ts';
import { resolveProducers, resolveConsumers } from './resolve-clients.ts';
import { resolveFaults } from './resolve-faults.ts';
import { resolveExpectations } from './resolve-expect.ts';
import { didYouMean, listOf } from './suggest.ts';

export type ResolveResult = { ok: true; spec: ScenarioSpec } | { ok: false; problems: Problem[] };

/** What the later resolution steps may look up: everything defined before them. */
export interface Known {
  readonly durationUs: number;
  readonly cluster: ClusterSpec;
  readonly zookeeper: ZookeeperSpec;
  readonly topics: ReadonlyMap<string, TopicSpec>;
}

/** `writtenExpectKeys`: the `expect:` keys in the file's order, which the spec keeps. */
export function resolveScenario(parsed: ParsedScenario, fileName: string, writtenExpectKeys: readonly string[] = []): ResolveResult {
  const problems: Problem[] = [];
  const cluster = resolveCluster(parsed, problems);
  const zookeeper = resolveZookeeper(parsed, cluster.racks);
  const topics = resolveTopics(parsed, cluster, problems);
  const byName = new Map<string, TopicSpec>();
  for (const topic of topics) if (!byName.has(topic.name)) byName.set(topic.name, topic);
  const known: Known = { durationUs: parsed.duration, cluster, zookeeper, topics: byName };
  const producers = resolveProducers(parsed, known, problems);
  const consumers = resolveConsumers(parsed, known, problems);
  const faults = resolveFaults(parsed, { ...known, producers, consumers }, problems);
  const expect = resolveExpectations(parsed, { ...known, consumers, producers }, writtenExpectKeys, problems);
  if (problems.length > 0) return { ok: false, problems };
  const name = parsed.name ?? baseName(fileName);
  const spec: ScenarioSpec = {
    name,
    description: parsed.description,
    seed: parsed.seed,
    durationUs: parsed.duration,
    cluster,
    zookeeper,
    topics,
    producers,
    consumers,
    faults,
    expect,
  };
  return { ok: true, spec };
}

/** The file name without directories and extension; written by hand because this runs in browsers too. */
function baseName(fileName: string): string {
  const last = fileName.split(/[\\/]/).pop() ?? fileName;
  const stem = last.replace(/\.ya?ml$/i, '');
  return stem === '' ? 'scenario' : stem;
}

/** Machines without an explicit rack go round the racks in turn: 1 → r1, 2 → r2, 3 → r1, … */
function rackInTurn(racks: readonly string[], index: number): string | null {
  return racks.length > 0 ? (racks[index % racks.length] as string) : null;
}

type ParsedHardware = ParsedScenario['cluster']['hardware'];

function resolveHardware(written: ParsedHardware | undefined, inherited: HardwareSpec | null): HardwareSpec {
  if (written === undefined) return inherited ?? { profile: 'ssd-10g', overrides: {} };
  if (typeof written === 'string') return { profile: written, overrides: {} };
  const { profile, ...overrides } = written;
  return {
    profile: profile ?? inherited?.profile ?? 'ssd-10g',
    overrides: { ...(inherited?.overrides ?? {}), ...(overrides as Record<string, number | string>) },
  };
}

function resolveCluster(parsed: ParsedScenario, problems: Problem[]): ClusterSpec {
  const written = parsed.cluster;
  const hardware = resolveHardware(written.hardware, null);
  const racks = [...written.racks];
  written.racks.forEach((rack, index) => {
    if (written.racks.indexOf(rack) !== index) {
      problems.push({
        path: ['cluster', 'racks', index],
        message: `rack \`${rack}\` is listed twice`,
      });
    }
  });
  const brokers = Array.isArray(written.brokers)
    ? listedBrokers(written.brokers, racks, hardware, problems)
    : Array.from({ length: written.brokers }, (_, index): BrokerSpec => ({ id: index + 1, rack: rackInTurn(racks, index), hardware }));
  return {
    racks,
    brokers: brokers.sort((a, b) => a.id - b.id),
    config: { ...configDefaults(BROKER_CONFIG), ...written.config },
    replicationProtocol: written['replication.protocol'],
    isrPropagation: written['isr.propagation'],
  };
}

type ParsedBrokerList = Exclude<ParsedScenario['cluster']['brokers'], number>;

/** Brokers listed one by one. Racks: all or none (AdminUtils refuses a mix); `racks` may be derived. */
function listedBrokers(listed: ParsedBrokerList, racks: string[], hardware: HardwareSpec, problems: Problem[]): BrokerSpec[] {
  const declared = racks.length > 0;
  if (!declared) for (const broker of listed) if (broker.rack !== undefined && !racks.includes(broker.rack)) racks.push(broker.rack);
  const seen = new Map<number, number>();
  return listed.map((broker, index): BrokerSpec => {
    const path: Path = ['cluster', 'brokers', index];
    const earlier = seen.get(broker.id);
    if (earlier !== undefined) {
      problems.push({
        path: [...path, 'id'],
        message: `broker id ${broker.id} is already used by cluster.brokers[${earlier}]`,
        hint: 'give every broker its own id',
      });
    }
    seen.set(broker.id, index);
    let rack: string | null = broker.rack ?? null;
    if (rack !== null && declared && !racks.includes(rack)) {
      problems.push({
        path: [...path, 'rack'],
        message: `rack \`${rack}\` is not in cluster.racks (${listOf(racks)})`,
        hint: didYouMean(rack, racks) ?? 'add it to `cluster.racks`',
      });
    } else if (rack === null && declared) {
      rack = rackInTurn(racks, index);
    } else if (rack === null && racks.length > 0) {
      problems.push({
        path,
        message: `broker ${broker.id} has no rack while others do`,
        hint: 'Kafka needs a rack on every broker or on none: add `rack:` here',
      });
    }
    return { id: broker.id, rack, hardware: resolveHardware(broker.hardware, hardware) };
  });
}

function resolveZookeeper(parsed: ParsedScenario, racks: string[]): ZookeeperSpec {
  const written = parsed.zookeeper;
  return {
    servers: Array.from({ length: written.servers }, (_, index) => ({ id: index + 1, rack: rackInTurn(racks, index) })),
    sessionTimeoutMs: written['session.timeout.ms'],
    tickTimeMs: written['tick.time.ms'],
  };
}

function resolveTopics(parsed: ParsedScenario, cluster: ClusterSpec, problems: Problem[]): TopicSpec[] {
  const firstIndex = new Map<string, number>();
  return parsed.topics.map((topic, index): TopicSpec => {
    const path: Path = ['topics', index];
    const earlier = firstIndex.get(topic.name);
    if (earlier !== undefined) {
      problems.push({
        path: [...path, 'name'],
        message: `topic \`${topic.name}\` is already defined at topics[${earlier}]`,
        hint: 'topic names must be unique',
      });
    } else {
      firstIndex.set(topic.name, index);
    }
    if (topic.name.startsWith('__')) {
      problems.push({
        path: [...path, 'name'],
        message: `topic names starting with "__" are Kafka's internal topics`,
        hint: 'choose another name',
      });
    }
    const shape = topicShape(topic, path, cluster, problems);
    const overrides = topic.config ?? {};
    const config = effectiveTopicConfig(cluster.config, overrides);
    checkMinInsync(topic.name, config, overrides, shape.replicationFactor, path, problems);
    return { name: topic.name, ...shape, config, configOverrides: Object.keys(overrides) as (keyof TopicConfig)[] };
  });
}

type ParsedTopic = ParsedScenario['topics'][number];

function topicShape(topic: ParsedTopic, path: Path, cluster: ClusterSpec, problems: Problem[]) {
  const brokerIds = cluster.brokers.map((broker) => broker.id);
  const assignment = topic.assignment ?? null;
  if (assignment === null) {
    const replicationFactor = topic['replication.factor'] ?? cluster.config['default.replication.factor'];
    if (replicationFactor > brokerIds.length) {
      const source = topic['replication.factor'] === undefined ? ' (default.replication.factor)' : '';
      problems.push({
        path: topic['replication.factor'] === undefined ? path : [...path, 'replication.factor'],
        message: `replication factor ${replicationFactor}${source} is larger than the ${brokerIds.length} brokers available`,
        hint: `lower it to at most ${brokerIds.length}, or add brokers in \`cluster.brokers\``,
      });
    }
    return { partitions: topic.partitions ?? cluster.config['num.partitions'], replicationFactor, assignment };
  }
  const replicationFactor = (assignment[0] as number[]).length;
  if (topic.partitions !== undefined && topic.partitions !== assignment.length) {
    problems.push({
      path: [...path, 'partitions'],
      message: `partitions is ${topic.partitions} but the assignment lists ${assignment.length}`,
      hint: 'drop `partitions:` (the assignment decides) or make them agree',
    });
  }
  if (topic['replication.factor'] !== undefined && topic['replication.factor'] !== replicationFactor) {
    problems.push({
      path: [...path, 'replication.factor'],
      message: `replication.factor is ${topic['replication.factor']} but the assignment gives ${replicationFactor} replicas per partition`,
      hint: 'drop `replication.factor:` or make them agree',
    });
  }
  checkAssignment(assignment, replicationFactor, brokerIds, [...path, 'assignment'], problems);
  return { partitions: assignment.length, replicationFactor, assignment: assignment.map((replicas) => [...replicas]) };
}

/** Kafka's InvalidReplicaAssignmentException rules: same length everywhere, known and distinct brokers. */
function checkAssignment(assignment: number[][], replicationFactor: number, brokerIds: number[], path: Path, problems: Problem[]): void {
  assignment.forEach((replicas, partition) => {
    const at: Path = [...path, partition];
    if (replicas.length !== replicationFactor) {
      problems.push({
        path: at,
        message: `partition ${partition} has ${replicas.length} replica(s) but partition 0 has ${replicationFactor}`,
        hint: 'every partition needs the same number of replicas',
      });
    }
    replicas.forEach((brokerId, position) => {
      if (!brokerIds.includes(brokerId)) {
        problems.push({
          path: [...at, position],
          message: `broker ${brokerId} does not exist (brokers: ${listOf(brokerIds)})`,
          hint: 'an assignment names broker ids from `cluster.brokers`',
        });
      } else if (replicas.indexOf(brokerId) !== position) {
        problems.push({
          path: [...at, position],
          message: `broker ${brokerId} appears twice in partition ${partition}'s replicas`,
          hint: 'each replica of a partition must be on a different broker',
        });
      }
    });
  });
}

function checkMinInsync(topic: string, config: TopicConfig, overrides: Partial<TopicConfig>, replicationFactor: number, path: Path, problems: Problem[]): void {
  const minInsync = config['min.insync.replicas'];
  if (minInsync <= replicationFactor) return;
  const own = overrides['min.insync.replicas'] !== undefined;
  problems.push({
    path: own ? [...path, 'config', 'min.insync.replicas'] : ['cluster', 'config', 'min.insync.replicas'],
    message: `min.insync.replicas ${minInsync}${own ? '' : ' (from cluster.config)'} is larger than the replication factor ${replicationFactor} of topic \`${topic}\``,
    hint: `Kafka accepts it, but every acks=all write would fail with NOT_ENOUGH_REPLICAS: lower min.insync.replicas to at most ${replicationFactor}, or raise the replication factor`,
  });
}
