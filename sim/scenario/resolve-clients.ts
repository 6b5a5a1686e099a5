// Resolution of producers and consumer groups: names unique, topics defined, time windows inside
// the run, and the client-side config rules Kafka itself enforces.
//
// Producer: an explicitly enabled idempotent producer needs acks=all, retries > 0 and at most 5
// requests in flight, else KafkaProducer throws a ConfigException; when idempotence is only the
// default, a conflicting setting turns it off instead (Kafka 3.2+, KAFKA-13598).
// `delivery.timeout.ms` must cover `linger.ms + request.timeout.ms`: an explicit value below that
// is refused, the default is raised to it (KafkaProducer.configureDeliveryTimeout).
// Consumer: `heartbeat.interval.ms` below `session.timeout.ms`; the session timeout inside the
// brokers' group.min/max.session.timeout.ms (else JoinGroup fails with INVALID_SESSION_TIMEOUT);
// `__consumer_offsets` needs offsets.topic.replication.factor live brokers. The commit strategy
// defaults to `auto` when enable.auto.commit is on, else `sync`; choosing a manual strategy
// turns auto-commit off unless the file sets it, since nobody wants both by accident.

import { formatDuration } from '../core/time.ts';
import type { Known } from './resolve.ts';
import type { ConsumerSpec, KeySpec, ProducerSpec, TopicSpec } from './spec.ts';
import type { ParsedScenario } from './schema.ts';
import type { Path, Problem } from './problem.ts';
import { configDefaults, CONSUMER_CONFIG, PRODUCER_CONFIG } from './kafka-config.ts';
import type { ProducerConfig } from './kafka-config.ts';
import { didYouMean, listOf } from './suggest.ts';

type ParsedProducer = ParsedScenario['producers'][number];
type ParsedConsumer = ParsedScenario['consumers'][number];

/** The topic a client names, or a problem saying which topics exist. */
function knownTopic(known: Known, name: string, path: Path, problems: Problem[]): TopicSpec | undefined {
  const topic = known.topics.get(name);
  if (topic !== undefined) return topic;
  const names = [...known.topics.keys()];
  problems.push({
    path,
    message: names.length === 0 ? `topic \`${name}\` is not defined: the scenario has no topics` : `topic \`${name}\` is not defined (topics: ${listOf(names)})`,
    hint: didYouMean(name, names) ?? `add it under \`topics:\``,
  });
  return undefined;
}

/** Start and stop inside the run; stop defaults to the end of the run. */
function window(start: number, stop: number | undefined, durationUs: number, path: Path, problems: Problem[]): { startUs: number; stopUs: number } {
  const stopUs = stop ?? durationUs;
  if (start >= durationUs) {
    problems.push({
      path: [...path, 'start'],
      message: `start ${formatDuration(start)} is not before the end of the run (${formatDuration(durationUs)})`,
      hint: 'lower `start` or raise `duration`',
    });
  } else if (stopUs > durationUs) {
    problems.push({
      path: [...path, 'stop'],
      message: `stop ${formatDuration(stopUs)} is after the end of the run (${formatDuration(durationUs)})`,
      hint: 'omit `stop` to run until the end',
    });
  } else if (stopUs <= start) {
    problems.push({
      path: [...path, 'stop'],
      message: `stop ${formatDuration(stopUs)} is not after start ${formatDuration(start)}`,
      hint: 'stop must come after start',
    });
  }
  return { startUs: start, stopUs };
}

function uniqueName(seen: Map<string, number>, name: string, list: string, path: Path, problems: Problem[]): void {
  const earlier = seen.get(name);
  if (earlier === undefined) {
    seen.set(name, path[1] as number);
  } else {
    problems.push({
      path,
      message: `\`${name}\` is already used by ${list}[${earlier}]`,
      hint: `each entry of \`${list}\` needs its own name`,
    });
  }
}

export function resolveProducers(parsed: ParsedScenario, known: Known, problems: Problem[]): ProducerSpec[] {
  const seen = new Map<string, number>();
  return parsed.producers.map((producer, index) => {
    const path: Path = ['producers', index];
    uniqueName(seen, producer.name, 'producers', [...path, 'name'], problems);
    const topic = knownTopic(known, producer.topic, [...path, 'topic'], problems);
    if (topic !== undefined && producer.partition !== undefined && producer.partition >= topic.partitions) {
      problems.push({
        path: [...path, 'partition'],
        message: `partition ${producer.partition} does not exist: topic \`${topic.name}\` has ${topic.partitions} (0..${topic.partitions - 1})`,
        hint: 'pick an existing partition or omit `partition`',
      });
    }
    return {
      name: producer.name,
      topic: producer.topic,
      rate: producer.rate,
      messageBytes: producer['message.bytes'],
      keys: resolveKeys(producer, path, problems),
      partition: producer.partition ?? null,
      ...window(producer.start, producer.stop, known.durationUs, path, problems),
      config: producerConfig(producer, path, problems),
    };
  });
}

function resolveKeys(producer: ParsedProducer, path: Path, problems: Problem[]): KeySpec | null {
  const keys = producer.keys;
  if (keys === undefined) return null;
  if (keys.distribution === 'zipf') return { count: keys.count, distribution: 'zipf', skew: keys.skew ?? 1 };
  if (keys.skew !== undefined) {
    problems.push({
      path: [...path, 'keys', 'skew'],
      message: '`skew` applies only to `distribution: zipf`',
      hint: 'add `distribution: zipf` or remove `skew`',
    });
  }
  return { count: keys.count, distribution: 'uniform' };
}

function producerConfig(producer: ParsedProducer, path: Path, problems: Problem[]): ProducerConfig {
  const written = producer.config ?? {};
  const config: ProducerConfig = { ...configDefaults(PRODUCER_CONFIG), ...written };
  if (config['client.id'] === '') config['client.id'] = producer.name;
  const at = (key: string): Path => [...path, 'config', key];
  const conflicts: [string, string][] = [];
  if (config.acks !== 'all') conflicts.push(['acks', 'acks=all']);
  if (config.retries === 0) conflicts.push(['retries', 'retries > 0']);
  if (config['max.in.flight.requests.per.connection'] > 5) conflicts.push(['max.in.flight.requests.per.connection', 'at most 5 requests in flight']);
  if (written['enable.idempotence'] === true) {
    for (const [key, needs] of conflicts) {
      problems.push({
        path: at(key),
        message: `enable.idempotence=true needs ${needs}`,
        hint: `Kafka's producer refuses this combination: change \`${key}\` or set enable.idempotence: false`,
      });
    }
  } else if (written['enable.idempotence'] === undefined && conflicts.length > 0) {
    config['enable.idempotence'] = false;
  }
  const needed = config['linger.ms'] + config['request.timeout.ms'];
  if (config['delivery.timeout.ms'] < needed && written['delivery.timeout.ms'] === undefined) {
    config['delivery.timeout.ms'] = needed;
  } else if (config['delivery.timeout.ms'] < needed) {
    problems.push({
      path: at('delivery.timeout.ms'),
      message: `delivery.timeout.ms ${config['delivery.timeout.ms']} is below linger.ms + request.timeout.ms (${needed})`,
      hint: `Kafka's producer refuses this: raise delivery.timeout.ms to at least ${needed}`,
    });
  }
  return config;
}

export function resolveConsumers(parsed: ParsedScenario, known: Known, problems: Problem[]): ConsumerSpec[] {
  const seen = new Map<string, number>();
  const specs = parsed.consumers.map((consumer, index): ConsumerSpec => {
    const path: Path = ['consumers', index];
    uniqueName(seen, consumer.group, 'consumers', [...path, 'group'], problems);
    const config = { ...configDefaults(CONSUMER_CONFIG), ...consumer.config };
    if (config['client.id'] === '') config['client.id'] = `consumer-${consumer.group}`;
    const commit = consumer.commit ?? (config['enable.auto.commit'] ? 'auto' : 'sync');
    if (commit !== 'auto' && consumer.config?.['enable.auto.commit'] === undefined) config['enable.auto.commit'] = false;
    if (commit === 'auto' && !config['enable.auto.commit']) {
      problems.push({
        path: [...path, 'commit'],
        message: '`commit: auto` needs enable.auto.commit: true',
        hint: 'remove `enable.auto.commit: false` or choose sync, async, before-processing or on-revoke',
      });
    }
    checkConsumerTimeouts(config, known, path, problems);
    return {
      group: consumer.group,
      topics: consumerTopics(consumer, known, path, problems),
      members: consumer.members,
      processingUs: consumer.processing,
      commit,
      ...window(consumer.start, consumer.stop, known.durationUs, path, problems),
      config,
    };
  });
  checkOffsetsTopic(specs, known, problems);
  return specs;
}

function consumerTopics(consumer: ParsedConsumer, known: Known, path: Path, problems: Problem[]): string[] {
  if (consumer.topic !== undefined && consumer.topics !== undefined) {
    problems.push({
      path: [...path, 'topics'],
      message: 'give either `topic:` or `topics:`, not both',
      hint: 'list every topic under `topics:`',
    });
  }
  if (consumer.topic === undefined && consumer.topics === undefined) {
    problems.push({ path, message: 'a consumer group needs `topic:` or `topics:`', hint: 'add `topic: <name>`' });
    return [];
  }
  const topics = consumer.topics ?? [consumer.topic as string];
  topics.forEach((name, index) => knownTopic(known, name, consumer.topics === undefined ? [...path, 'topic'] : [...path, 'topics', index], problems));
  return [...new Set(topics)];
}

function checkConsumerTimeouts(config: ConsumerSpec['config'], known: Known, path: Path, problems: Problem[]): void {
  const session = config['session.timeout.ms'];
  const at = (key: string): Path => [...path, 'config', key];
  if (config['heartbeat.interval.ms'] >= session) {
    problems.push({
      path: at('heartbeat.interval.ms'),
      message: `heartbeat.interval.ms ${config['heartbeat.interval.ms']} is not below session.timeout.ms ${session}`,
      hint: 'Kafka advises a heartbeat of at most a third of the session timeout',
    });
  }
  const min = known.cluster.config['group.min.session.timeout.ms'];
  const max = known.cluster.config['group.max.session.timeout.ms'];
  if (session < min || session > max) {
    problems.push({
      path: at('session.timeout.ms'),
      message: `session.timeout.ms ${session} is outside the brokers' allowed range ${min}..${max}`,
      hint: 'the group coordinator would reject every JoinGroup with INVALID_SESSION_TIMEOUT: change it, or group.min/max.session.timeout.ms in cluster.config',
    });
  }
}

function checkOffsetsTopic(consumers: ConsumerSpec[], known: Known, problems: Problem[]): void {
  const replicationFactor = known.cluster.config['offsets.topic.replication.factor'];
  const brokers = known.cluster.brokers.length;
  if (consumers.length === 0 || replicationFactor <= brokers) return;
  problems.push({
    path: ['cluster', 'config', 'offsets.topic.replication.factor'],
    message: `consumer groups need __consumer_offsets, whose replication factor ${replicationFactor} is larger than the ${brokers} brokers`,
    hint: `set cluster.config.offsets.topic.replication.factor to at most ${brokers}`,
  });
}
