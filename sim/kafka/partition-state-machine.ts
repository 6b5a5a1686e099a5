// The controller's partition state machine: kafka.controller.ZkPartitionStateMachine (Kafka 2.8)
// moving partitions to OnlinePartition by electing a leader with one of its strategies, and
// marking them OfflinePartition when their leader's broker dies.
//
// - New partitions (initializeLeaderAndIsrForPartitions): leader = first live replica, ISR = the
//   live replicas, leader epoch 0; the state znodes are created, fenced by the controller epoch.
// - Other partitions (doElectLeaderForPartitions): the current state is read again from
//   ZooKeeper (a leader may have changed the ISR meanwhile); a state written by a newer
//   controller means this one has been replaced. Leaders come from election.ts: offline,
//   controlled-shutdown or preferred. For partitions with no live ISR member the topic's
//   unclean.leader.election.enable (its /config/topics override, else the controller's broker
//   setting) decides. The new states are written with version checks; a BADVERSION (the leader
//   changed the ISR first) is re-read and retried, as Kafka does.
// - Every written change bumps the leader epoch, and the replicas hear of it through one
//   LeaderAndIsr per broker sent when the whole event is done (ControllerBrokerRequestBatch).
//
// Cost (FIDELITY B4): each partition elected costs `electionUsPerPartition` of the controller's
// single event thread, serially, before the writes: a broker that led 1,000 partitions costs
// about 5 s of elections after its death is detected, and its partitions wait for all of them.

import { NO_LEADER, electControlledShutdownLeader, electOfflineLeader, electPreferredLeader, withNewLeader } from './election.ts';
import type { ElectionKind, ElectionResult, LeaderAndIsr } from './election.ts';
import { effectiveUncleanElection } from './broker-config.ts';
import type { ControllerRequestBatch } from './controller-channel.ts';
import type { ControllerPartition } from './controller-context.ts';
import { emit, spend, type ControllerEnv } from './controller-env.ts';
import {
  ControllerMovedError,
  createPartitionStates,
  getPartitionStates,
  getTopicConfig,
  updateLeaderAndIsr,
} from './kafka-zk-ops.ts';
import type { PartitionName } from './protocol.ts';
import type { Task } from './task.ts';

export type ElectionStrategy = 'offline' | 'controlled-shutdown' | 'preferred';

/** Why an election ran, for the trace. */
export type ElectionReason =
  | 'new-partition'
  | 'broker-failure'
  | 'broker-startup'
  | 'controller-failover'
  | 'controlled-shutdown'
  | 'preferred-rebalance';

/** Rounds of BADVERSION retries before the controller leaves a partition for its next event. */
export const MAX_ELECTION_ROUNDS = 100;

export interface ElectionOutcome {
  readonly elected: PartitionName[];
  readonly failed: PartitionName[];
}

/** OnlinePartition for every partition given (new or not), adding LeaderAndIsr entries to `batch`. */
export function* electLeaders(
  env: ControllerEnv,
  partitions: readonly ControllerPartition[],
  strategy: ElectionStrategy,
  reason: ElectionReason,
  batch: ControllerRequestBatch,
): Task<ElectionOutcome> {
  const outcome: ElectionOutcome = { elected: [], failed: [] };
  const fresh = partitions.filter((partition) => partition.state === undefined);
  let remaining = partitions.filter((partition) => partition.state !== undefined);
  if (fresh.length > 0) yield* initializeNewPartitions(env, fresh, batch, outcome);
  for (let round = 0; round < MAX_ELECTION_ROUNDS && remaining.length > 0; round++) {
    remaining = yield* electionRound(env, remaining, strategy, reason, batch, outcome);
  }
  for (const partition of remaining) outcome.failed.push(partition.name);
  return outcome;
}

/** Partitions whose leader died go OfflinePartition (they are elected again right after). */
export function markOffline(partitions: readonly ControllerPartition[]): void {
  for (const partition of partitions) {
    partition.phase = 'offline';
    partition.offlineReported = null;
  }
}

/** triggerOnlinePartitionStateChange: elect every new or offline partition. */
export function* triggerOnlinePartitionStateChange(env: ControllerEnv, reason: ElectionReason, batch: ControllerRequestBatch): Task<ElectionOutcome> {
  return yield* electLeaders(env, env.context.partitionsNeedingLeader(), 'offline', reason, batch);
}

function* initializeNewPartitions(
  env: ControllerEnv,
  partitions: readonly ControllerPartition[],
  batch: ControllerRequestBatch,
  outcome: ElectionOutcome,
): Task<void> {
  const initial = new Map<PartitionName, LeaderAndIsr>();
  for (const partition of partitions) {
    const live = partition.replicas.filter((id) => env.context.isLive(id));
    const leader = live[0];
    if (leader === undefined) {
      reportOffline(env, partition, 'no-live-replica');
      outcome.failed.push(partition.name);
      continue;
    }
    initial.set(partition.name, { leader, leaderEpoch: 0, isr: live, zkVersion: 0 });
  }
  yield* spend(env, env.settings.costs.electionUsPerPartition * initial.size);
  const created = yield* createPartitionStates(env.zk, initial, env.context.epoch, env.context.epochZkVersion);
  for (const partition of partitions) {
    const state = created.get(partition.name);
    if (state === undefined) continue;
    applyState(env, partition, state);
    batch.addLeaderAndIsr(state.isr, partition.name, true);
    recordElection(env, partition, { leader: state.leader, isr: state.isr, kind: 'clean' }, NO_LEADER, [], 'new-partition');
    outcome.elected.push(partition.name);
  }
}

/** One pass of doElectLeaderForPartitions; returns the partitions to retry (BADVERSION). */
function* electionRound(
  env: ControllerEnv,
  partitions: readonly ControllerPartition[],
  strategy: ElectionStrategy,
  reason: ElectionReason,
  batch: ControllerRequestBatch,
  outcome: ElectionOutcome,
): Task<ControllerPartition[]> {
  const states = yield* getPartitionStates(env.zk, partitions.map((partition) => partition.name));
  const current: ControllerPartition[] = [];
  partitions.forEach((partition, index) => {
    const state = states[index];
    if (state === null || state === undefined) return;
    if (state.controllerEpoch > env.context.epoch) throw new ControllerMovedError(`${partition.name} was written by controller epoch ${state.controllerEpoch}`);
    partition.state = state;
    current.push(partition);
  });
  const unclean = strategy === 'offline' ? yield* uncleanByTopic(env, current) : new Map<string, boolean>();
  const decisions = new Map<PartitionName, ElectionResult>();
  const updates = new Map<PartitionName, LeaderAndIsr>();
  for (const partition of current) {
    const decision = decide(env, partition, strategy, unclean.get(partition.topic) ?? false);
    if (decision === null) {
      failElection(env, partition, strategy, outcome);
      continue;
    }
    decisions.set(partition.name, decision);
    updates.set(partition.name, withNewLeader(partition.state!, decision.leader, decision.isr));
  }
  yield* spend(env, env.settings.costs.electionUsPerPartition * current.length);
  const written = yield* updateLeaderAndIsr(env.zk, updates, env.context.epoch, env.context.epochZkVersion);
  for (const partition of current) {
    const state = written.written.get(partition.name);
    if (state === undefined) continue;
    const previous = partition.state!;
    applyState(env, partition, state);
    batch.addLeaderAndIsr(recipients(env, partition, strategy), partition.name, false);
    recordElection(env, partition, decisions.get(partition.name)!, previous.leader, previous.isr, reason);
    outcome.elected.push(partition.name);
  }
  const retry = new Set(written.retry);
  return current.filter((partition) => retry.has(partition.name));
}

function decide(env: ControllerEnv, partition: ControllerPartition, strategy: ElectionStrategy, unclean: boolean): ElectionResult | null {
  const { context } = env;
  const isr = partition.state!.isr;
  switch (strategy) {
    case 'offline':
      return electOfflineLeader(partition.replicas, isr, (id) => context.isLive(id), unclean);
    case 'controlled-shutdown':
      return electControlledShutdownLeader(partition.replicas, isr, (id) => context.isLiveOrShuttingDown(id), (id) => context.shuttingDown.has(id));
    case 'preferred':
      return electPreferredLeader(partition.replicas, isr, (id) => context.isLive(id));
  }
}

/** collectUncleanLeaderElectionState: read the topic configs of partitions with no live ISR member. */
function* uncleanByTopic(env: ControllerEnv, partitions: readonly ControllerPartition[]): Task<Map<string, boolean>> {
  const topics = new Set<string>();
  for (const partition of partitions) {
    if (!partition.state!.isr.some((id) => env.context.isLive(id))) topics.add(partition.topic);
  }
  const flags = new Map<string, boolean>();
  for (const topic of topics) {
    const config = yield* getTopicConfig(env.zk, topic);
    env.context.topicConfigs.set(topic, config);
    flags.set(topic, effectiveUncleanElection(env.settings.config, config));
  }
  return flags;
}

/** Who hears of the new state: the live replicas (with the stopping brokers in a controlled shutdown). */
function recipients(env: ControllerEnv, partition: ControllerPartition, strategy: ElectionStrategy): number[] {
  const { context } = env;
  return partition.replicas.filter((id) => (strategy === 'controlled-shutdown' ? context.isLiveOrShuttingDown(id) : context.isLive(id)));
}

function failElection(env: ControllerEnv, partition: ControllerPartition, strategy: ElectionStrategy, outcome: ElectionOutcome): void {
  outcome.failed.push(partition.name);
  if (strategy !== 'offline') return;
  partition.phase = 'offline';
  const anyLive = partition.replicas.some((id) => env.context.isLive(id));
  reportOffline(env, partition, anyLive ? 'no-live-isr-replica' : 'no-live-replica');
}

/** partition-offline when a partition finds no leader, and again whenever the reason changes. */
function reportOffline(env: ControllerEnv, partition: ControllerPartition, why: 'no-live-isr-replica' | 'no-live-replica'): void {
  if (partition.offlineReported === why) return;
  partition.offlineReported = why;
  emit(env, 'partition-offline', {
    partition: partition.name,
    leader: partition.state?.leader ?? NO_LEADER,
    leaderEpoch: partition.state?.leaderEpoch ?? -1,
    isr: partition.state?.isr ?? [],
    liveReplicas: partition.replicas.filter((id) => env.context.isLive(id)),
    reason: why,
  });
}

function applyState(env: ControllerEnv, partition: ControllerPartition, state: LeaderAndIsr): void {
  partition.state = { ...state, controllerEpoch: env.context.epoch };
  partition.phase = state.leader === NO_LEADER ? 'offline' : 'online';
  if (partition.phase === 'online') partition.offlineReported = null;
}

function recordElection(
  env: ControllerEnv,
  partition: ControllerPartition,
  decision: { leader: number; isr: readonly number[]; kind: ElectionKind },
  oldLeader: number,
  fromIsr: readonly number[],
  reason: ElectionReason,
): void {
  emit(env, 'leader-election', {
    partition: partition.name,
    oldLeader,
    newLeader: decision.leader,
    leaderEpoch: partition.state!.leaderEpoch,
    isr: [...decision.isr],
    fromIsr: [...fromIsr],
    kind: decision.kind,
    reason,
  });
}
