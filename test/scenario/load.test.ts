import { describe, expect, it } from 'vitest';
import { formatScenarioError, loadScenario } from '../../sim/scenario/load.ts';
import type { ScenarioError } from '../../sim/scenario/load.ts';
import { FAULT_KINDS } from '../../sim/scenario/schema.ts';
import type { ScenarioSpec } from '../../sim/scenario/schema.ts';
import { DESIGN_EXAMPLE, EVERYTHING, MINIMAL } from './fixtures.ts';

const FILE = 'scenarios/test.yaml';

function load(text: string, overrides: string[] = []): ScenarioSpec {
  const result = loadScenario(text, FILE, overrides);
  if (!result.ok) throw new Error(result.errors.map(formatScenarioError).join('\n'));
  return result.spec;
}

function errorsOf(text: string, overrides: string[] = []): ScenarioError[] {
  const result = loadScenario(text, FILE, overrides);
  if (result.ok) throw new Error('expected the scenario to be rejected');
  return result.errors;
}

/** The one error at `path`; fails listing all errors when there is none. */
function errorAt(errors: ScenarioError[], path: string): ScenarioError {
  const found = errors.find((error) => error.path === path);
  if (found === undefined) throw new Error(`no error at ${path}; got:\n${errors.map(formatScenarioError).join('\n')}`);
  return found;
}

/** A scenario around a few extra lines, so each test states only what it is about. */
function withTopic(extra: string): string {
  return `duration: 60s\ncluster:\n  brokers: 3\ntopics:\n  - name: orders\n    partitions: 6\n    replication.factor: 3\n${extra}`;
}

describe('loadScenario: valid files', () => {
  it('loads the DESIGN §11 example into a fully explicit spec', () => {
    const spec = load(DESIGN_EXAMPLE);
    expect(spec.name).toBe('leader-failover');
    expect(spec.durationUs).toBe(60_000_000);
    expect(spec.cluster.brokers.map((broker) => [broker.id, broker.rack])).toEqual([[1, 'r1'], [2, 'r2'], [3, 'r3']]);
    expect(spec.cluster.config['min.insync.replicas']).toBe(2);
    expect(spec.cluster.config['zookeeper.session.timeout.ms' as never]).toBeUndefined();
    expect(spec.topics[0]?.config['min.insync.replicas']).toBe(2);
    expect(spec.topics[0]?.configOverrides).toEqual(['retention.ms']);
    expect(spec.producers[0]?.rate).toEqual({ kind: 'fixed', recordsPerSecond: 5000 });
    expect(spec.producers[0]?.config['linger.ms']).toBe(5);
    expect(spec.consumers[0]?.processingUs).toBe(1000);
    expect(spec.consumers[0]?.commit).toBe('auto');
    expect(spec.faults.map((fault) => fault.atUs / 1_000_000)).toEqual([20, 30, 45, 50, 55, 56]);
    expect(spec.faults[0]).toMatchObject({ kind: 'crash', target: { type: 'leader', topic: 'orders', partition: 0 } });
    expect(spec.expect.map((expectation) => expectation.figure)).toEqual(['anomalies.lostAckedWrites', 'partitions.maxUnavailableMs', 'leaderElections']);
    expect(spec.expect[1]).toMatchObject({ scope: { kind: 'partition', topic: 'orders', partition: 0 }, below: 25_000 });
  });

  it('fills every default from Kafka 3.x and the scenario language for a minimal file', () => {
    const spec = load(MINIMAL);
    expect(spec.name).toBe('test');
    expect(spec.seed).toBe(42);
    expect(spec.cluster.brokers).toHaveLength(3);
    expect(spec.cluster.replicationProtocol).toBe('kip-320');
    expect(spec.cluster.isrPropagation).toBe('alter-isr');
    expect(spec.cluster.config['replica.lag.time.max.ms']).toBe(30_000);
    expect(spec.cluster.config['unclean.leader.election.enable']).toBe(false);
    expect(spec.zookeeper).toEqual({ servers: [{ id: 1, rack: null }, { id: 2, rack: null }, { id: 3, rack: null }], sessionTimeoutMs: 18_000, tickTimeMs: 2_000 });
    expect(spec.faults).toEqual([]);
  });

  it('resolves broker lists, explicit assignments, sizes, rates and every fault kind', () => {
    const spec = load(EVERYTHING);
    expect(spec.cluster.brokers[2]?.hardware).toEqual({ profile: 'linkedin-2014', overrides: { 'nic.bitsPerSecond': 1e9, 'disk.writeBytesPerSecond': 1e8 } });
    expect(spec.cluster.config['log.segment.bytes']).toBe(64 * 1024 * 1024);
    expect(spec.topics[0]).toMatchObject({ partitions: 3, replicationFactor: 2, assignment: [[1, 2], [2, 3], [3, 1]] });
    expect(spec.producers[0]).toMatchObject({ rate: { kind: 'max' }, messageBytes: 1024, keys: { count: 50, distribution: 'zipf', skew: 1.2 }, startUs: 5e6, stopUs: 100e6 });
    expect(spec.producers[0]?.config['enable.idempotence']).toBe(false);
    expect(spec.producers[1]?.rate).toEqual({ kind: 'fixed', recordsPerSecond: 10_000 });
    expect(spec.consumers[0]?.config['enable.auto.commit']).toBe(false);
    expect(new Set(spec.faults.map((fault) => fault.kind))).toEqual(new Set(FAULT_KINDS));
    expect(spec.faults.find((fault) => fault.kind === 'slow-network')).toMatchObject({ addedLatencyUs: 200_000, bandwidthBytesPerSecond: 1_250_000 });
  });
});

describe('loadScenario: errors name the line and the field', () => {
  it('maps a YAML syntax error to its line and column', () => {
    const errors = errorsOf('duration: 60s\ntopics:\n  - {name: orders, partitions: [1, 2\n');
    expect(errors[0]).toMatchObject({ file: FILE, path: '' });
    expect(errors[0]?.line).toBeGreaterThanOrEqual(3);
    expect(errors[0]?.message).toMatch(/^YAML: /);
  });

  it('reports a key given twice as a YAML error with a hint', () => {
    const [error] = errorsOf('duration: 60s\nseed: 1\nseed: 2\n');
    expect(error).toMatchObject({ line: 3, column: 1 });
    expect(error?.hint).toMatch(/only once/);
  });

  it('suggests the closest key for an unknown Kafka setting', () => {
    const error = errorAt(errorsOf(withTopic('producers:\n  - name: p1\n    topic: orders\n    rate: 10/s\n    config:\n      lingr.ms: 5\n')), 'producers[0].config.lingr.ms');
    expect(error).toMatchObject({ line: 13, column: 7, message: 'unknown key `lingr.ms`', hint: 'did you mean `linger.ms`?' });
  });

  it('reports a misspelt required key once, as a typo rather than also as missing', () => {
    const errors = errorsOf(withTopic('faults:\n  - {at: 1s, slow-disk: {broker: 1, factr: 2}}\n'));
    expect(errors.map((error) => [error.path, error.hint])).toEqual([['faults[0].slow-disk.factr', 'did you mean `factor`?']]);
  });

  it('says where a misplaced Kafka key belongs', () => {
    const error = errorAt(errorsOf('duration: 60s\ncluster:\n  config:\n    zookeeper.session.timeout.ms: 6000\n'), 'cluster.config.zookeeper.session.timeout.ms');
    expect(error.hint).toMatch(/`zookeeper:` section/);
  });

  it('says what type was expected and what was found', () => {
    const error = errorAt(errorsOf('duration: 60s\ntopics:\n  - name: orders\n    partitions: six\n'), 'topics[0].partitions');
    expect(error).toMatchObject({ line: 4, column: 17 });
    expect(error.message).toBe('expected a number, found the text "six"');
  });

  it('rejects an enum value with a did-you-mean over the allowed values', () => {
    const error = errorAt(errorsOf(withTopic('producers:\n  - {name: p1, topic: orders, rate: 1/s, config: {acks: al}}\n')), 'producers[0].config.acks');
    expect(error.line).toBe(9);
    expect(error.hint).toBe('did you mean `all`?');
  });

  it('rejects a malformed duration with the parser’s explanation', () => {
    const error = errorAt(errorsOf('duration: 60x\n'), 'duration');
    expect(error).toMatchObject({ line: 1, column: 11 });
    expect(error.message).toMatch(/"60x" is not a duration/);
  });

  it('reports a missing required key with an example to add', () => {
    const error = errorAt(errorsOf('seed: 3\n'), 'duration');
    expect(error.message).toBe('missing required key `duration`');
    expect(error.hint).toMatch(/add `duration: 60s`/);
  });

  it('refuses min.insync.replicas above the replication factor, pointing at where it was set', () => {
    const error = errorAt(errorsOf(withTopic('    config: {min.insync.replicas: 4}\n')), 'topics[0].config.min.insync.replicas');
    expect(error.line).toBe(8);
    expect(error.hint).toMatch(/NOT_ENOUGH_REPLICAS/);
  });

  it('refuses a replication factor larger than the broker count', () => {
    const error = errorAt(errorsOf('duration: 60s\ncluster: {brokers: 2}\ntopics:\n  - {name: t, replication.factor: 3}\n'), 'topics[0].replication.factor');
    expect(error.message).toMatch(/larger than the 2 brokers/);
  });

  it('refuses explicit assignments naming unknown brokers or of uneven length', () => {
    const errors = errorsOf('duration: 60s\ntopics:\n  - name: t\n    assignment: [[1, 2], [2, 9], [3]]\n');
    expect(errorAt(errors, 'topics[0].assignment[1][1]').message).toMatch(/broker 9 does not exist/);
    expect(errorAt(errors, 'topics[0].assignment[2]').message).toMatch(/1 replica\(s\) but partition 0 has 2/);
  });

  it('refuses a fault on broker 9 of 3 and a leader of a misspelt topic', () => {
    const errors = errorsOf(withTopic('faults:\n  - {at: 20s, crash: {broker: 9}}\n  - {at: 21s, crash: {leader: order/0}}\n'));
    expect(errorAt(errors, 'faults[0].crash.broker')).toMatchObject({ line: 9, message: expect.stringMatching(/broker 9 does not exist/) });
    expect(errorAt(errors, 'faults[1].crash.leader')).toMatchObject({ line: 10, hint: 'did you mean `orders`?' });
  });

  it('refuses overlapping pauses of one broker, and a fault after the end of the run', () => {
    const errors = errorsOf(withTopic('faults:\n  - {at: 30s, pause: {broker: 2}, for: 10s}\n  - {at: 35s, pause: {broker: 2}, for: 10s}\n  - {at: 70s, crash: {broker: 1}}\n'));
    expect(errorAt(errors, 'faults[1].at').message).toMatch(/overlaps faults\[0\], in force from 30s to 40s/);
    expect(errorAt(errors, 'faults[2].at').message).toMatch(/after the run ends at 1m/);
  });

  it('refuses a fault kind aimed at the wrong kind of target', () => {
    const error = errorAt(errorsOf(withTopic('faults:\n  - {at: 1s, zk-crash: {broker: 1}}\n')), 'faults[0].zk-crash.broker');
    expect(error.message).toMatch(/cannot target a broker/);
  });

  it('refuses duplicate topic and producer names', () => {
    const errors = errorsOf(withTopic('  - name: orders\nproducers:\n  - {name: p, topic: orders, rate: 1/s}\n  - {name: p, topic: orders, rate: 1/s}\n'));
    expect(errorAt(errors, 'topics[1].name').message).toMatch(/already defined at topics\[0\]/);
    expect(errorAt(errors, 'producers[1].name').message).toMatch(/already used by producers\[0\]/);
  });

  it('refuses an explicitly idempotent producer with acks=1, as KafkaProducer does', () => {
    const error = errorAt(errorsOf(withTopic('producers:\n  - {name: p, topic: orders, rate: 1/s, config: {acks: 1, enable.idempotence: true}}\n')), 'producers[0].config.acks');
    expect(error.message).toBe('enable.idempotence=true needs acks=all');
  });

  it('raises a default delivery.timeout.ms to linger.ms + request.timeout.ms but refuses an explicit one below it', () => {
    const producer = (config: string) => withTopic(`producers:\n  - {name: p, topic: orders, rate: 1/s, config: {${config}}}\n`);
    expect(load(producer('request.timeout.ms: 150000')).producers[0]?.config['delivery.timeout.ms']).toBe(150_000);
    const error = errorAt(errorsOf(producer('request.timeout.ms: 150000, delivery.timeout.ms: 2m')), 'producers[0].config.delivery.timeout.ms');
    expect(error.message).toMatch(/below linger.ms \+ request.timeout.ms/);
  });

  it('refuses auto-commit as the strategy of a group that disabled auto-commit', () => {
    const error = errorAt(errorsOf(withTopic('consumers:\n  - {group: g, topic: orders, commit: auto, config: {enable.auto.commit: false}}\n')), 'consumers[0].commit');
    expect(error.hint).toMatch(/sync, async, before-processing or on-revoke/);
  });

  it('formats an error with its position, the source line, a caret and the hint', () => {
    const text = formatScenarioError(errorAt(errorsOf('duration: 60x\n'), 'duration'));
    expect(text.split('\n')).toEqual([
      expect.stringMatching(/^scenarios\/test\.yaml:1:11: duration: "60x" is not a duration/),
      '  1 | duration: 60x',
      `  ${' '.repeat(4 + 10)}^`,
    ]);
  });
});

describe('loadScenario: --set overrides', () => {
  it('sets Kafka keys greedily, list items by name, and top-level values', () => {
    const spec = load(DESIGN_EXAMPLE, ['producers.p1.config.acks=1', 'producers.p1.config.enable.idempotence=false', 'cluster.config.min.insync.replicas=1', 'seed=7', 'duration=90s', 'topics.orders.config.retention.ms=1h']);
    expect(spec.producers[0]?.config.acks).toBe('1');
    expect(spec.cluster.config['min.insync.replicas']).toBe(1);
    expect(spec.seed).toBe(7);
    expect(spec.durationUs).toBe(90_000_000);
    expect(spec.topics[0]?.config['retention.ms']).toBe(3_600_000);
  });

  it('creates missing maps on the way and addresses faults by index', () => {
    const spec = load(MINIMAL, ['cluster.config.unclean.leader.election.enable=true']);
    expect(spec.cluster.config['unclean.leader.election.enable']).toBe(true);
    expect(load(DESIGN_EXAMPLE, ['faults.2.for=5s']).faults[1]?.forUs).toBe(5_000_000);
  });

  it('reports a bad path against the override, with a did-you-mean', () => {
    const [error] = errorsOf(DESIGN_EXAMPLE, ['seed=1', 'producers.p2.rate=1/s']);
    expect(error).toMatchObject({ file: '--set', line: 2, column: 17, source: '--set producers.p2.rate=1/s', hint: 'did you mean `p1`?' });
  });

  it('reports an unknown Kafka key in an override', () => {
    const [error] = errorsOf(DESIGN_EXAMPLE, ['producers.p1.config.lingr.ms=5']);
    expect(error).toMatchObject({ file: '--set', line: 1, hint: 'did you mean `linger.ms`?' });
  });

  it('reports an invalid overridden value at the override, not in the file', () => {
    const error = errorAt(errorsOf(DESIGN_EXAMPLE, ['producers.p1.config.acks=al']), 'producers[0].config.acks');
    expect(error).toMatchObject({ file: '--set', line: 1, column: 32 });
  });

  it('refuses an override without `=`', () => {
    expect(errorsOf(MINIMAL, ['seed'])[0]?.message).toBe('`seed` is not key=value');
  });
});
