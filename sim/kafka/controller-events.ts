// The active controller's event handlers (KafkaController.process*, Kafka 2.8), each a task run
// on the controller's single event thread:
//
// - BrokerChange (/brokers/ids children changed): new, dead and bounced brokers (a broker that
//   re-registered with a higher epoch died and came back between two looks). onBrokerStartup
//   sends the newcomer the full metadata and its replicas' states, then elects partitions that
//   were offline; onBrokerFailure marks the partitions it led offline, elects them (FIDELITY §E),
//   then removes its replicas from every ISR (B2).
// - TopicChange (/brokers/topics children changed): a new topic's partitions get leaders.
// - IsrChangeNotification (ISR propagation through ZooKeeper): re-read the states the leaders
//   wrote and broadcast them with UpdateMetadata.
// - AlterIsr (KIP-497): a leader asks for an ISR change; checked against the broker epoch, the
//   partition's leader epoch and its zkVersion, written version-checked, answered per partition.
// - AutoPreferredReplicaLeaderElection: every leader.imbalance.check.interval.seconds, for each
//   broker, if more than leader.imbalance.per.broker.percentage of the partitions it prefers are
//   led by others, elect it back where it is live and in the ISR.
// - ControlledShutdown (doControlledShutdown): a broker about to stop asks the controller to move
//   its leaderships first. The controller marks it shutting down; for each of its partitions with
//   more than one replica, if it leads, a new leader is elected with the controlled-shutdown
//   strategy (the first live ISR replica that is not stopping; the ISR drops the stopping broker);
//   if it follows, it is sent StopReplica and removed from the ISR. The answer lists the
//   partitions it still leads — those with no other ISR member, and every single-replica
//   partition — and the broker retries until none remain or it runs out of
//   controlled.shutdown.max.retries. Each move costs an election on the controller's thread (B7: a
//   few ms per partition), but the old leader keeps serving until the batch's LeaderAndIsr
//   arrives, so each partition is unavailable for milliseconds, not for a session timeout.

import {
  ErrorCode,
  type AlterIsrRequest,
  type AlterIsrResponse,
  type ControlledShutdownRequest,
  type ControlledShutdownResponse,
  type PartitionName,
} from './protocol.ts';
import { NO_LEADER, type LeaderAndIsr } from './election.ts';
import type { ControllerPartition, LiveBroker } from './controller-context.ts';
import { emit, newBatch, sendUpdateMetadata, type ControllerEnv } from './controller-env.ts';
import { getAssignments, getLiveBrokers, getPartitionStates, getTopics, takeIsrChangeNotifications, updateLeaderAndIsr } from './kafka-zk-ops.ts';
import { electLeaders, markOffline, triggerOnlinePartitionStateChange } from './partition-state-machine.ts';
import { takeReplicasOffline, takeReplicasOnline } from './replica-state-machine.ts';
import type { Task } from './task.ts';

/** processBrokerChange. */
export function* processBrokerChange(env: ControllerEnv): Task<void> {
  const { context } = env;
  const current = yield* getLiveBrokers(env.zk);
  const currentIds = new Set(current.map((broker) => broker.id));
  const newBrokers = current.filter((broker) => !context.liveOrShuttingDown.has(broker.id));
  const bounced = current.filter((broker) => (context.liveOrShuttingDown.get(broker.id)?.brokerEpoch ?? Infinity) < broker.brokerEpoch);
  const dead = [...context.liveOrShuttingDown.keys()].filter((id) => !currentIds.has(id)).sort((a, b) => a - b);
  if (newBrokers.length + bounced.length + dead.length === 0) return;
  emit(env, 'broker-change', {
    live: [...currentIds].sort((a, b) => a - b),
    newBrokers: newBrokers.map((broker) => broker.id),
    deadBrokers: dead,
    bouncedBrokers: bounced.map((broker) => broker.id),
  });
  addBrokers(env, newBrokers);
  for (const id of dead) removeBroker(env, id);
  if (newBrokers.length > 0) yield* onBrokerStartup(env, newBrokers.map((broker) => broker.id));
  if (bounced.length > 0) {
    const ids = bounced.map((broker) => broker.id);
    for (const id of ids) removeBroker(env, id);
    yield* onBrokerFailure(env, ids);
    addBrokers(env, bounced);
    yield* onBrokerStartup(env, ids);
  }
  if (dead.length > 0) yield* onBrokerFailure(env, dead);
}

function addBrokers(env: ControllerEnv, brokers: readonly LiveBroker[]): void {
  for (const broker of brokers) {
    env.context.liveOrShuttingDown.set(broker.id, broker);
    env.channel.addBroker(broker.id);
  }
}

function removeBroker(env: ControllerEnv, id: number): void {
  env.context.liveOrShuttingDown.delete(id);
  env.channel.removeBroker(id);
}

/** KafkaController.onBrokerStartup. */
function* onBrokerStartup(env: ControllerEnv, brokerIds: readonly number[]): Task<void> {
  const { context } = env;
  const existing = context.liveOrShuttingDownBrokers().map((broker) => broker.id).filter((id) => !brokerIds.includes(id));
  const known = context.allPartitions().filter((partition) => partition.state !== undefined).map((partition) => partition.name);
  sendUpdateMetadata(env, existing, []);
  sendUpdateMetadata(env, brokerIds, known);
  const online = newBatch(env);
  takeReplicasOnline(env, brokerIds, online);
  online.send(env.channel);
  const elections = newBatch(env);
  yield* triggerOnlinePartitionStateChange(env, 'broker-startup', elections);
  elections.send(env.channel);
}

/** KafkaController.onBrokerFailure and onReplicasBecomeOffline. */
export function* onBrokerFailure(env: ControllerEnv, brokerIds: readonly number[]): Task<void> {
  const { context } = env;
  for (const id of brokerIds) context.shuttingDown.delete(id);
  const withOfflineLeader = context.partitionsWithDeadLeader();
  markOffline(withOfflineLeader);
  const elections = newBatch(env);
  const outcome = yield* triggerOnlinePartitionStateChange(env, 'broker-failure', elections);
  elections.send(env.channel);
  const removals = newBatch(env);
  for (const id of brokerIds) yield* takeReplicasOffline(env, id, context.partitionsOnBroker(id), 'broker-failure', removals);
  removals.send(env.channel);
  if (withOfflineLeader.length === 0 && outcome.elected.length === 0 && removals.isEmpty) {
    sendUpdateMetadata(env, context.liveOrShuttingDownBrokers().map((broker) => broker.id), []);
  }
}

/** processTopicChange: partitions of new topics go NewPartition → OnlinePartition. */
export function* processTopicChange(env: ControllerEnv): Task<void> {
  const topics = yield* getTopics(env.zk);
  const added = topics.filter((topic) => !env.context.hasTopic(topic));
  if (added.length === 0) return;
  const assignments = yield* getAssignments(env.zk, added);
  const partitions: ControllerPartition[] = [];
  added.forEach((topic, index) => {
    const assignment = assignments[index];
    if (assignment !== null && assignment !== undefined) partitions.push(...env.context.addTopic(topic, assignment));
  });
  const batch = newBatch(env);
  yield* electLeaders(env, partitions, 'offline', 'new-partition', batch);
  batch.send(env.channel);
}

/** processIsrChangeNotification: leaders changed ISRs in ZooKeeper; tell every broker. */
export function* processIsrChangeNotification(env: ControllerEnv): Task<void> {
  const changed = (yield* takeIsrChangeNotifications(env.zk)).filter((name) => env.context.partition(name) !== undefined);
  if (changed.length === 0) return;
  const states = yield* getPartitionStates(env.zk, changed);
  changed.forEach((name, index) => {
    const state = states[index];
    if (state !== null && state !== undefined) env.context.partition(name)!.state = state;
  });
  sendUpdateMetadata(env, env.context.liveOrShuttingDownBrokers().map((broker) => broker.id), changed);
}

type AlterIsrEntry = AlterIsrResponse['partitions'][number];

/** processAlterIsr (KIP-497). */
export function* processAlterIsr(env: ControllerEnv, request: AlterIsrRequest): Task<AlterIsrResponse> {
  const base = { type: 'alter-isr-response' as const, correlationId: request.correlationId };
  if (env.context.liveOrShuttingDown.get(request.brokerId)?.brokerEpoch !== request.brokerEpoch) {
    return { ...base, error: ErrorCode.BROKER_NOT_AVAILABLE, partitions: [] };
  }
  const answers = new Map<PartitionName, AlterIsrEntry>();
  const updates = new Map<PartitionName, LeaderAndIsr>();
  for (const entry of request.partitions) {
    const state = env.context.partition(entry.partition)?.state;
    if (state === undefined) answers.set(entry.partition, errorEntry(entry.partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
    else if (entry.leaderEpoch < state.leaderEpoch || state.leader !== request.brokerId) {
      answers.set(entry.partition, errorEntry(entry.partition, ErrorCode.FENCED_LEADER_EPOCH));
    } else if (entry.leaderEpoch === state.leaderEpoch && sameMembers(entry.newIsr, state.isr)) {
      answers.set(entry.partition, { partition: entry.partition, error: ErrorCode.NONE, ...stateFields(state) });
    } else {
      updates.set(entry.partition, { leader: state.leader, leaderEpoch: entry.leaderEpoch, isr: [...entry.newIsr], zkVersion: entry.zkVersion });
    }
  }
  const written = yield* updateLeaderAndIsr(env.zk, updates, env.context.epoch, env.context.epochZkVersion);
  for (const [name, state] of written.written) {
    env.context.partition(name)!.state = { ...state, controllerEpoch: env.context.epoch };
    answers.set(name, { partition: name, error: ErrorCode.NONE, ...stateFields(state) });
  }
  for (const name of written.retry) answers.set(name, errorEntry(name, ErrorCode.INVALID_UPDATE_VERSION));
  if (written.written.size > 0) {
    sendUpdateMetadata(env, env.context.liveOrShuttingDownBrokers().map((broker) => broker.id), [...written.written.keys()]);
  }
  return { ...base, error: ErrorCode.NONE, partitions: request.partitions.map((entry) => answers.get(entry.partition)!) };
}

function stateFields(state: LeaderAndIsr): Omit<AlterIsrEntry, 'partition' | 'error'> {
  return { leader: state.leader, leaderEpoch: state.leaderEpoch, isr: [...state.isr], zkVersion: state.zkVersion };
}

function errorEntry(partition: PartitionName, error: ErrorCode): AlterIsrEntry {
  return { partition, error, leader: NO_LEADER, leaderEpoch: -1, isr: [], zkVersion: -1 };
}

function sameMembers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id) => b.includes(id));
}

/** checkAndTriggerAutoLeaderRebalance. */
export function* checkAndTriggerAutoLeaderRebalance(env: ControllerEnv): Task<void> {
  const { context } = env;
  const byPreferred = new Map<number, ControllerPartition[]>();
  for (const partition of context.allPartitions()) {
    const preferred = partition.replicas[0];
    if (preferred === undefined || partition.state === undefined) continue;
    const group = byPreferred.get(preferred) ?? [];
    group.push(partition);
    byPreferred.set(preferred, group);
  }
  const threshold = env.settings.config['leader.imbalance.per.broker.percentage'] / 100;
  for (const [broker, partitions] of [...byPreferred].sort(([a], [b]) => a - b)) {
    const notPreferred = partitions.filter((partition) => partition.state!.leader !== broker);
    if (notPreferred.length / partitions.length <= threshold) continue;
    const candidates = notPreferred.filter((partition) => context.isLive(broker) && partition.state!.isr.includes(broker));
    if (candidates.length === 0) continue;
    const batch = newBatch(env);
    yield* electLeaders(env, candidates, 'preferred', 'preferred-rebalance', batch);
    batch.send(env.channel);
  }
}

/** KafkaController.doControlledShutdown. */
export function* processControlledShutdown(env: ControllerEnv, request: ControlledShutdownRequest): Task<ControlledShutdownResponse> {
  const { context } = env;
  const id = request.brokerId;
  const respond = (error: ErrorCode, remaining: string[] = []): ControlledShutdownResponse => ({
    type: 'controlled-shutdown-response',
    correlationId: request.correlationId,
    error,
    remainingPartitions: remaining,
  });
  const registered = context.liveOrShuttingDown.get(id);
  // StaleBrokerEpochException and BrokerNotAvailableException both end the attempt.
  if (registered === undefined || request.brokerEpoch < registered.brokerEpoch) return respond(ErrorCode.BROKER_NOT_AVAILABLE);
  context.shuttingDown.add(id);
  const toActOn = context.partitionsOnBroker(id).filter((partition) => partition.replicas.length > 1 && partition.state !== undefined);
  const led = toActOn.filter((partition) => partition.state!.leader === id);
  const followed = toActOn.filter((partition) => partition.state!.leader !== id);
  emit(env, 'controlled-shutdown', { broker: id, leaderships: led.length, followerships: followed.length });
  const elections = newBatch(env);
  yield* electLeaders(env, led, 'controlled-shutdown', 'controlled-shutdown', elections);
  elections.send(env.channel);
  // The stopping broker stops following first; then it leaves those partitions' ISRs.
  const stops = newBatch(env);
  for (const partition of followed) stops.addStopReplica([id], partition.name);
  stops.send(env.channel);
  const removals = newBatch(env);
  yield* takeReplicasOffline(env, id, followed, 'controlled-shutdown', removals);
  removals.send(env.channel);
  const remaining = context.partitionsLedBy(id).map((partition) => partition.name);
  return respond(ErrorCode.NONE, remaining);
}
