// Topic administration through ZooKeeper: kafka.zk.AdminZkClient.createTopic (Kafka 2.8), as
// `kafka-topics.sh --zookeeper` runs it, in an admin process with its own ZooKeeper session.
//
// createTopic reads the registered brokers (with their racks) from /brokers/ids, computes the
// replica assignment with Kafka's AdminUtils algorithm (assignment.ts: rack-aware when every
// broker has a rack, with a random start index) unless the topic gives one explicitly, writes the
// topic's config overrides to /config/topics/T, then creates /brokers/topics/T holding the
// assignment. That last write is what the controller watches: its TopicChange handler elects the
// new partitions' leaders (partition-state-machine.ts). It fails, as Kafka does, for an existing
// topic (TOPIC_ALREADY_EXISTS), a replication factor above the number of live brokers or a mix of
// brokers with and without racks (INVALID_REPLICATION_FACTOR), or a malformed explicit assignment
// (INVALID_REPLICA_ASSIGNMENT).
//
// Later config changes go through config-changes.ts (/config/topics/T plus a /config/changes
// notification the brokers watch).

import { assert } from '../core/assert.ts';
import type { Actor, ActorContext, DisconnectReason, NodeId } from '../hw/actor.ts';
import * as paths from '../zk/paths.ts';
import { assignReplicas, type BrokerPlacement } from './assignment.ts';
import type { KafkaTopicConfig } from './broker-config.ts';
import { KafkaZkClient } from './kafka-zk-client.ts';
import { changeTopicConfig } from './config-changes.ts';
import { encodeAssignment, encodeTopicConfig } from './kafka-zk-ops.ts';
import { TaskAborted, runTask, wait, waitAll, type Task } from './task.ts';

export interface TopicDefinition {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Replica lists per partition, preferred leader first (--replica-assignment); null: Kafka's algorithm. */
  readonly assignment?: readonly (readonly number[])[] | null;
  readonly config?: KafkaTopicConfig;
}

export type TopicCreationError = 'TOPIC_ALREADY_EXISTS' | 'INVALID_REPLICATION_FACTOR' | 'INVALID_REPLICA_ASSIGNMENT';

export type TopicCreation =
  | { readonly ok: true; readonly assignment: number[][] }
  | { readonly ok: false; readonly error: TopicCreationError; readonly detail: string };

/** AdminZkClient.createTopic / createTopicWithAssignment. */
export function* createTopic(zk: KafkaZkClient, topic: TopicDefinition, rng: ActorContext['rng']): Task<TopicCreation> {
  let assignment: number[][];
  if (topic.assignment !== undefined && topic.assignment !== null) {
    assignment = topic.assignment.map((replicas) => [...replicas]);
    const problem = assignmentProblem(assignment);
    if (problem !== null) return { ok: false, error: 'INVALID_REPLICA_ASSIGNMENT', detail: problem };
  } else {
    const brokers = yield* registeredBrokers(zk);
    try {
      assignment = assignReplicas({ brokers, partitions: topic.partitions, replicationFactor: topic.replicationFactor, rng });
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      return { ok: false, error: 'INVALID_REPLICATION_FACTOR', detail: error.message };
    }
  }
  const exists = yield* wait(zk.exists(paths.topicPath(topic.name)));
  if (exists.err === 'OK') return { ok: false, error: 'TOPIC_ALREADY_EXISTS', detail: `Topic '${topic.name}' already exists.` };
  yield* setTopicConfig(zk, topic.name, topic.config ?? {});
  const created = yield* wait(zk.create(paths.topicPath(topic.name), encodeAssignment(assignment), 'persistent'));
  if (created.err === 'NODEEXISTS') return { ok: false, error: 'TOPIC_ALREADY_EXISTS', detail: `Topic '${topic.name}' already exists.` };
  if (created.err !== 'OK') throw new TaskAborted(`create ${paths.topicPath(topic.name)}: ${created.err}`);
  return { ok: true, assignment };
}

/** Writes /config/topics/T (setOrCreateEntityConfigs). */
export function* setTopicConfig(zk: KafkaZkClient, topic: string, config: KafkaTopicConfig): Task<void> {
  const path = paths.topicConfigPath(topic);
  const data = encodeTopicConfig(config);
  const set = yield* wait(zk.setData(path, data, -1));
  if (set.err === 'OK') return;
  const created = yield* wait(zk.create(path, data, 'persistent'));
  if (created.err !== 'OK') throw new TaskAborted(`create ${path}: ${created.err}`);
}

/** getBrokerMetadatas(RackAwareMode.Enforced): the registered brokers and their racks. */
function* registeredBrokers(zk: KafkaZkClient): Task<BrokerPlacement[]> {
  const children = yield* wait(zk.getChildren(paths.BROKER_IDS_PATH));
  if (children.err !== 'OK') return [];
  const ids = children.children.map(Number).sort((a, b) => a - b);
  const reads = yield* waitAll(ids.map((id) => zk.getData(paths.brokerIdPath(id))));
  const placements: BrokerPlacement[] = [];
  reads.forEach((read, index) => {
    if (read.err !== 'OK' || read.data === null) return;
    const registration = paths.decodeBrokerRegistration(ids[index]!, read.data);
    placements.push(registration.rack === null ? { id: registration.brokerId } : { id: registration.brokerId, rack: registration.rack });
  });
  return placements;
}

/** AdminZkClient.validateTopicCreate's checks on an explicit assignment. */
function assignmentProblem(assignment: readonly (readonly number[])[]): string | null {
  if (assignment.length === 0) return 'the assignment names no partitions';
  const replicationFactor = assignment[0]!.length;
  for (const [index, replicas] of assignment.entries()) {
    if (replicas.length === 0) return `partition ${index} has no replicas`;
    if (new Set(replicas).size !== replicas.length) return `duplicate replica assignment found: partition ${index} ${JSON.stringify(replicas)}`;
    if (replicas.length !== replicationFactor) return 'all partitions should have the same number of replicas';
  }
  return null;
}

export interface AdminRequest {
  readonly topic: TopicDefinition;
  readonly done?: (result: TopicCreation) => void;
}

/**
 * An admin tool process (kafka-topics.sh --zookeeper): a ZooKeeper session that runs topic
 * creations in order and traces each outcome as `topic-created` or `topic-creation-failed`.
 */
export class AdminActor implements Actor {
  private ctx: ActorContext | null = null;
  private zk: KafkaZkClient | null = null;

  constructor(
    private readonly zookeeper: readonly NodeId[],
    private readonly sessionTimeoutMs: number,
  ) {}

  onStart(ctx: ActorContext): void {
    this.ctx = ctx;
    this.zk = new KafkaZkClient(ctx, { servers: this.zookeeper, sessionTimeoutMs: this.sessionTimeoutMs }, {
      onNewSession: () => undefined,
      onSessionExpired: () => undefined,
      onWatch: () => undefined,
    });
    this.zk.start();
  }

  onMessage(from: NodeId, message: unknown): void {
    this.zk?.handleMessage(from, message);
  }

  onDisconnect(peer: NodeId, _reason: DisconnectReason): void {
    this.zk?.handleDisconnect(peer);
  }

  /** kafka-configs --alter --entity-type topics: merges `changes` into the topic's overrides. */
  alterTopicConfig(topic: string, changes: KafkaTopicConfig, done?: (config: KafkaTopicConfig) => void): void {
    const { ctx, zk } = this.running();
    runTask(changeTopicConfig(zk, topic, changes), (config) => {
      ctx.trace.emit('topic-config-changed', { topic, config });
      done?.(config);
    }, () => true);
  }

  /** Creates a topic (the admin process must be running). */
  createTopic(request: AdminRequest): void {
    const { ctx, zk } = this.running();
    const { topic } = request;
    runTask(createTopic(zk, topic, ctx.rng.fork(`topic/${topic.name}`)), (result) => {
      if (result.ok) ctx.trace.emit('topic-created', { topic: topic.name, partitions: result.assignment.length, replicationFactor: result.assignment[0]?.length ?? 0, assignment: result.assignment });
      else ctx.trace.emit('topic-creation-failed', { topic: topic.name, error: result.error, detail: result.detail });
      request.done?.(result);
    }, () => true);
  }

  private running(): { ctx: ActorContext; zk: KafkaZkClient } {
    assert(this.ctx !== null && this.zk !== null, 'the admin process is not running');
    return { ctx: this.ctx, zk: this.zk };
  }
}
