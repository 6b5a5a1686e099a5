// A Kafka consumer in a group, as an actor on a client machine (DESIGN §7): KafkaConsumer with its
// application thread (consumer-app.ts), ConsumerCoordinator (consumer-coordinator.ts,
// consumer-membership.ts, consumer-commits.ts), heartbeat thread (consumer-heartbeat.ts), Fetcher
// (consumer-fetcher.ts, consumer-subscription.ts) and network client (consumer-client.ts). It
// talks to brokers only through ctx.send, and records what it polled, processed and committed in
// its ConsumerHistory (consumer-history.ts) for the checker.
//
// Lifecycle, and the client faults of DESIGN §8:
// - A start before the member's start time waits for it; at its stop time the member leaves
//   gracefully (close(): commit per strategy, LeaveGroup), then its process exits.
// - crash (`client-crash`): the process dies with everything in memory; the coordinator notices
//   only when session.timeout.ms passes without a heartbeat, then rebalances the group.
// - restart (`client-restart`): a new incarnation joins as a new member (a new member id) and
//   resumes from the group's committed offsets.
// - leave() (scale down): a graceful close at once; a clean stop of the process (onStop) sends a
//   LeaveGroup without waiting. join (scale up) is starting another member's process.
// - slow processing: `processingUs` per record; a batch that takes longer than
//   max.poll.interval.ms gets the member kicked out by its own heartbeat thread.
//
// The history outlives incarnations; everything else is per incarnation.
//
// A scenario's group (ConsumerSpec, structurally ConsumerGroupSpec) becomes `members` actors, each
// its own process on its own client machine; member i is "GROUP/i" in the history and the trace
// and runs on node "consumer-GROUP-i" (the fault target `consumer: GROUP/i`):
//
//   const members = consumerGroup(spec, { bootstrap: brokerIds.map(brokerNodeId), exit: (node) => world.stop(node) });
//   for (const member of members) world.addMachine({ id: member.nodeId, rack, actor: member });
//   const history = consumerGroupHistory(spec.group, members);   // check-input.ts's ConsumerGroupHistory
//
// Simplified: subscribe() to a fixed topic list (no patterns, no manual assign()); a clean stop
// is not a full close().

import type { ConsumerGroupHistory } from '../check/check-input.ts';
import type { Actor, ActorContext, DisconnectReason, NodeId } from '../hw/actor.ts';
import { runTask } from '../kafka/task.ts';
import { ApplicationThread } from './consumer-app.ts';
import { ConsumerClient } from './consumer-client.ts';
import { OffsetCommitter } from './consumer-commits.ts';
import { consumerConfig, consumerSettings, type CommitStrategy, type ConsumerConfig, type ConsumerGroupSpec, type ConsumerSettings } from './consumer-config.ts';
import { ConsumerCoordinator } from './consumer-coordinator.ts';
import { Fetcher } from './consumer-fetcher.ts';
import { HeartbeatThread } from './consumer-heartbeat.ts';
import { ConsumerHistory, groupHistory } from './consumer-history.ts';
import { GroupMembership } from './consumer-membership.ts';
import { SubscriptionState } from './consumer-subscription.ts';

export interface ConsumerOptions {
  readonly group: string;
  /** The member's index in its group (the fault target `consumer: GROUP/INDEX`). */
  readonly index: number;
  readonly topics: readonly string[];
  /** Simulated processing time of one record. */
  readonly processingUs: number;
  readonly commit: CommitStrategy;
  /** When the application starts (default: when the process starts). */
  readonly startUs?: number;
  /** When the application closes the consumer and exits (default: never). */
  readonly stopUs?: number;
  /** Kafka settings by dotted name; the others take Kafka's defaults. */
  readonly config?: Partial<ConsumerConfig>;
  /** bootstrap.servers: the brokers' node ids. */
  readonly bootstrap: readonly NodeId[];
  /** The node id of broker `brokerId` (default `broker-<id>`). */
  readonly brokerNodeId?: (brokerId: number) => NodeId;
  /** Ends this consumer's process once it has left (the world's clean stop). */
  readonly exit?: () => void;
}

/** The node id of member `index` of `group`: "consumer-billing-0". */
export function consumerNodeId(group: string, index: number): NodeId {
  return `consumer-${group}-${index}`;
}

/** One incarnation of the process: everything it holds in memory. */
class ConsumerIncarnation {
  dead = false;
  readonly settings: ConsumerSettings;
  readonly client: ConsumerClient;
  readonly subscriptions: SubscriptionState;
  readonly membership: GroupMembership;
  readonly heartbeat: HeartbeatThread;
  readonly app: ApplicationThread;

  constructor(
    readonly ctx: ActorContext,
    readonly consumer: Consumer,
  ) {
    const { options, history } = consumer;
    const { group, topics } = options;
    const member = consumer.name;
    const settings = (this.settings = consumerSettings(consumer.config, `consumer-${group}-${options.index}`));
    const brokerNodeId = options.brokerNodeId ?? ((id: number) => `broker-${id}`);
    const alive = (): boolean => !this.dead;
    const rng = ctx.rng.fork(`incarnation-${ctx.incarnation}`);
    this.client = new ConsumerClient(ctx, settings, topics, options.bootstrap, brokerNodeId, rng, () => this.app.wakeup());
    const client = this.client;
    const subscriptions = (this.subscriptions = new SubscriptionState(history));
    const membership = (this.membership = new GroupMembership({
      ctx, settings, group, member, topics, client, subscriptions, brokerNodeId,
      onCompleting: () => this.heartbeat.enable(),
      onCoordinatorFound: () => this.heartbeat.resetSessionTimeout(),
    }));
    this.heartbeat = new HeartbeatThread({ ctx, settings, group, member, client, membership, alive });
    const heartbeat = this.heartbeat;
    const committer = new OffsetCommitter({ ctx, settings, group, member, client, membership, subscriptions, history });
    const fatal = (error: string): void => this.fail(error);
    const fetcher = new Fetcher({ ctx, settings, client, subscriptions, noOffsetForPartition: (partition) => fatal(`NoOffsetForPartitionException: ${partition}`) });
    const coordinator = new ConsumerCoordinator({ ctx, settings, group, member, topics, commit: options.commit, client, membership, heartbeat, committer, subscriptions, fetcher, history, fatal });
    this.app = new ApplicationThread({ ctx, settings, group, member, commit: options.commit, processingUs: options.processingUs, client, coordinator, committer, fetcher, subscriptions, history });
  }

  start(): void {
    const { ctx, consumer } = this;
    ctx.trace.emit('consumer-start', { group: consumer.options.group, member: consumer.name, incarnation: ctx.incarnation, commit: consumer.options.commit, protocol: this.settings.protocol });
    const stopUs = consumer.options.stopUs;
    if (stopUs !== undefined && Number.isFinite(stopUs)) ctx.setTimer(Math.max(0, stopUs - ctx.now), () => this.app.requestStop());
    runTask(this.app.run(), (closed) => this.finished(closed), () => !this.dead);
  }

  private fail(error: string): void {
    this.ctx.trace.emit('consumer-error', { group: this.consumer.options.group, member: this.consumer.name, error });
    this.heartbeat.stop();
    this.app.fail();
  }

  private finished(closed: boolean): void {
    this.dead = true;
    this.ctx.trace.emit('consumer-stop', { group: this.consumer.options.group, member: this.consumer.name, closed });
    this.consumer.options.exit?.();
  }
}

export class Consumer implements Actor {
  readonly name: string;
  readonly nodeId: NodeId;
  readonly history: ConsumerHistory;
  readonly config: ConsumerConfig;
  private current: ConsumerIncarnation | null = null;

  constructor(readonly options: ConsumerOptions) {
    this.name = `${options.group}/${options.index}`;
    this.nodeId = consumerNodeId(options.group, options.index);
    this.config = consumerConfig(options.config);
    this.history = new ConsumerHistory(this.name);
  }

  /** Kafka's member id of the running incarnation ('' when it has none). */
  get memberId(): string {
    return this.running?.membership.memberId ?? '';
  }

  get generation(): number {
    return this.running?.membership.generation ?? -1;
  }

  /** Partitions the running incarnation owns now. */
  get assignment(): string[] {
    return this.running?.subscriptions.assigned() ?? [];
  }

  onStart(ctx: ActorContext): void {
    if (this.current !== null) this.current.dead = true;
    const incarnation = new ConsumerIncarnation(ctx, this);
    this.current = incarnation;
    const startUs = this.options.startUs ?? 0;
    if (ctx.now >= startUs) incarnation.start();
    else ctx.setTimer(startUs - ctx.now, () => incarnation.start());
  }

  onMessage(_from: NodeId, message: unknown): void {
    const correlationId = (message as { correlationId?: unknown } | null)?.correlationId;
    if (this.current !== null && !this.current.dead && typeof correlationId === 'number') this.current.client.handleResponse(message as { correlationId: number });
  }

  onDisconnect(peer: NodeId, _reason: DisconnectReason): void {
    if (this.current !== null && !this.current.dead) this.current.client.handleDisconnect(peer);
  }

  /** A clean stop without close(): a LeaveGroup is sent, nothing waited for. */
  onStop(): void {
    const current = this.current;
    if (current === null || current.dead) return;
    current.membership.maybeLeaveGroup('the process is stopping');
    current.dead = true;
  }

  /** Scale down: close the consumer now (commit per strategy, LeaveGroup), then exit. */
  leave(): void {
    this.running?.app.requestStop();
  }

  private get running(): ConsumerIncarnation | null {
    return this.current !== null && !this.current.dead ? this.current : null;
  }
}

export interface ConsumerGroupOptions {
  /** bootstrap.servers: the brokers' node ids. */
  readonly bootstrap: readonly NodeId[];
  /** The node id of broker `brokerId` (default `broker-<id>`). */
  readonly brokerNodeId?: (brokerId: number) => NodeId;
  /** Ends a member's process once it has left the group (the world's clean stop of `node`). */
  readonly exit?: (node: NodeId) => void;
}

/** Upper bound on the members of one group. */
export const MAX_GROUP_MEMBERS = 1000;

/** The consumer actors of a group, member 0 first. */
export function consumerGroup(spec: ConsumerGroupSpec, options: ConsumerGroupOptions): Consumer[] {
  if (!Number.isInteger(spec.members) || spec.members < 1 || spec.members > MAX_GROUP_MEMBERS) {
    throw new RangeError(`consumerGroup: members must be an integer in 1..${MAX_GROUP_MEMBERS}, got ${spec.members}`);
  }
  return Array.from({ length: spec.members }, (_, index) => {
    const exit = options.exit;
    const consumer: Consumer = new Consumer({
      group: spec.group,
      index,
      topics: spec.topics,
      processingUs: spec.processingUs,
      commit: spec.commit,
      startUs: spec.startUs,
      stopUs: spec.stopUs,
      config: spec.config,
      bootstrap: options.bootstrap,
      ...(options.brokerNodeId === undefined ? {} : { brokerNodeId: options.brokerNodeId }),
      ...(exit === undefined ? {} : { exit: () => exit(consumer.nodeId) }),
    });
    return consumer;
  });
}

/** The group's history as the checker reads it: every member's operations in time order. */
export function consumerGroupHistory(group: string, members: readonly Consumer[]): ConsumerGroupHistory {
  return groupHistory(group, members.map((member) => member.history));
}
