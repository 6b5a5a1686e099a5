// A resolved `ScenarioSpec` written back as scenario YAML (DESIGN §11) that `loadScenario`
// accepts and that reproduces the same run: the same spec, fault indices included, hence the
// same trace hash. `sim explore` and the property tests use it to hand a shrunk failure back as
// a file anyone can `sim run`.
//
// Durations are written in microseconds as "<n>us" strings so no rounding creeps in; Kafka
// settings are written only where they differ from Kafka's defaults (a producer's derived
// values, such as idempotence turned off by acks=1, are written explicitly, which resolves to
// the same value); topic settings only where the topic set them itself. Faults are written in
// their original index order, because the loader numbers them by position.
//
// Simplified: expectations are written back in their figure form (`anomalies.lostAckedWrites`)
// with their scope, which the loader reads like the short names.

import { stringify } from 'yaml';
import { BROKER_CONFIG, CONSUMER_CONFIG, PRODUCER_CONFIG, configDefaults, type ConfigTable } from './kafka-config.ts';
import type { ExpectationSpec, FaultSpec, PartitionShape, ScenarioSpec, TargetSpec } from './spec.ts';

type Plain = Record<string, unknown>;

/** The scenario as YAML text; `header` lines become leading comments. */
export function scenarioToYaml(spec: ScenarioSpec, header: readonly string[] = []): string {
  const body = stringify(scenarioToObject(spec), { lineWidth: 0, flowCollectionPadding: false });
  return `${header.map((line) => `# ${line}\n`).join('')}${body}`;
}

export function scenarioToObject(spec: ScenarioSpec): Plain {
  return {
    name: spec.name,
    description: spec.description,
    seed: spec.seed,
    duration: us(spec.durationUs),
    cluster: {
      racks: spec.cluster.racks,
      brokers: spec.cluster.brokers.map((b) => ({
        id: b.id,
        ...(b.rack === null ? {} : { rack: b.rack }),
        hardware: { profile: b.hardware.profile, ...b.hardware.overrides },
      })),
      config: changed(spec.cluster.config, BROKER_CONFIG),
      'replication.protocol': spec.cluster.replicationProtocol,
      'isr.propagation': spec.cluster.isrPropagation,
    },
    zookeeper: {
      servers: spec.zookeeper.servers.length,
      'session.timeout.ms': spec.zookeeper.sessionTimeoutMs,
      'tick.time.ms': spec.zookeeper.tickTimeMs,
    },
    topics: spec.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions,
      'replication.factor': t.replicationFactor,
      ...(t.assignment === null ? {} : { assignment: t.assignment }),
      config: Object.fromEntries(t.configOverrides.map((key) => [key, t.config[key]])),
    })),
    producers: spec.producers.map((p) => ({
      name: p.name,
      topic: p.topic,
      rate: p.rate.kind === 'max' ? 'max' : `${p.rate.recordsPerSecond}/s`,
      'message.bytes': p.messageBytes,
      ...(p.keys === null ? {} : { keys: p.keys }),
      ...(p.partition === null ? {} : { partition: p.partition }),
      start: us(p.startUs),
      stop: us(p.stopUs),
      config: changed(p.config, PRODUCER_CONFIG),
    })),
    consumers: spec.consumers.map((c) => ({
      group: c.group,
      topics: c.topics,
      members: c.members,
      processing: us(c.processingUs),
      commit: c.commit,
      start: us(c.startUs),
      stop: us(c.stopUs),
      config: changed(c.config, CONSUMER_CONFIG),
    })),
    faults: [...spec.faults].sort((a, b) => a.index - b.index).map(faultToObject),
    expect: Object.fromEntries(spec.expect.map(expectationEntry)),
  };
}

function us(value: number): string {
  return `${value}us`;
}

/** The keys whose value differs from Kafka's default. */
function changed(values: object, table: ConfigTable): Plain {
  const defaults = configDefaults(table) as Plain;
  return Object.fromEntries(Object.entries(values).filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(defaults[key])));
}

export function faultToObject(fault: FaultSpec): Plain {
  const timing: Plain = { at: us(fault.atUs), ...(fault.forUs === null ? {} : { for: us(fault.forUs) }) };
  switch (fault.kind) {
    case 'heal':
      return { ...timing, heal: {} };
    case 'partition':
      return { ...timing, partition: shapeToObject(fault.shape) };
    case 'config': {
      const scope = fault.scope;
      const where = scope.type === 'broker' ? { broker: scope.brokerId } : scope.type === 'topic' ? { topic: scope.topic } : { producer: scope.producer };
      return { ...timing, config: { ...where, set: fault.set } };
    }
    case 'slow-disk':
      return { ...timing, 'slow-disk': { ...targetToObject(fault.target), factor: fault.factor } };
    case 'slow-network': {
      const bandwidth = fault.bandwidthBytesPerSecond === null ? {} : { bandwidth: `${fault.bandwidthBytesPerSecond}B/s` };
      return { ...timing, 'slow-network': { ...targetToObject(fault.target), latency: us(fault.addedLatencyUs), ...bandwidth } };
    }
    default:
      return { ...timing, [fault.kind]: targetToObject(fault.target) };
  }
}

function shapeToObject(shape: PartitionShape): Plain {
  const side = (targets: TargetSpec[]): unknown[] => targets.map((t) => (t.type === 'broker' ? t.brokerId : targetToObject(t)));
  if (shape.type === 'isolate') return { isolate: targetToObject(shape.target) };
  if (shape.type === 'between') return { between: shape.groups.map(side) };
  return { from: side(shape.from), to: side(shape.to) };
}

function targetToObject(target: TargetSpec): Plain {
  switch (target.type) {
    case 'broker':
      return { broker: target.brokerId };
    case 'zk':
      return { zk: target.serverId };
    case 'rack':
      return { rack: target.rack };
    case 'producer':
      return { producer: target.producer };
    case 'consumer':
      return { consumer: `${target.group}/${target.member}` };
    case 'leader':
      return { leader: `${target.topic}/${target.partition}` };
    case 'controller':
      return { controller: true };
  }
}

function expectationEntry(expectation: ExpectationSpec): [string, Plain] {
  const bounds: Plain = {};
  for (const key of ['equals', 'atLeast', 'atMost', 'below', 'above'] as const) {
    if (expectation[key] !== null) bounds[key] = expectation[key];
  }
  const scope = expectation.scope;
  if (scope.kind === 'partition' && scope.topic !== null) bounds.partition = scope.partition === null ? scope.topic : `${scope.topic}/${scope.partition}`;
  if (scope.kind === 'group' && scope.group !== null) bounds.group = scope.group;
  return [expectation.name, bounds];
}
