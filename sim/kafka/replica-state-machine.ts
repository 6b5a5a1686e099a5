// The controller's replica state machine: kafka.controller.ZkReplicaStateMachine (Kafka 2.8), for
// the two transitions the ZooKeeper-era failover uses.
//
// - OfflineReplica (a broker died, or is stopping in a controlled shutdown): the broker, if it
//   still runs, is sent StopReplica for those partitions (it stops fetching; its log stays); each
//   partition's state is read again, the replica removed from the ISR (doRemoveReplicasFromIsr:
//   leader becomes none if it was the leader, a last ISR member stays) and the new state written,
//   version-checked and fenced by the controller epoch; the other replicas get a LeaderAndIsr.
//   FIDELITY B2: a dead broker leaves the ISR at once, with a bumped leader epoch.
// - OnlineReplica (a broker came back, or a new controller took over): each of its replicas
//   gets the partition's current state in a LeaderAndIsr, so it starts leading or following.
//
// Cost: each ISR write costs `isrRemovalUsPerPartition` of the controller's event thread, like
// an election (a ZooKeeper write per partition in the era FIDELITY B4 describes).

import { NO_LEADER, removeReplicaFromIsr, type LeaderAndIsr } from './election.ts';
import type { ControllerRequestBatch } from './controller-channel.ts';
import type { ControllerPartition } from './controller-context.ts';
import { emit, spend, type ControllerEnv } from './controller-env.ts';
import { ControllerMovedError, getPartitionStates, updateLeaderAndIsr } from './kafka-zk-ops.ts';
import { MAX_ELECTION_ROUNDS } from './partition-state-machine.ts';
import type { PartitionName } from './protocol.ts';
import type { Task } from './task.ts';

export type IsrRemovalReason = 'broker-failure' | 'controlled-shutdown';

/** OfflineReplica for `brokerId`'s replicas of `partitions`. */
export function* takeReplicasOffline(
  env: ControllerEnv,
  brokerId: number,
  partitions: readonly ControllerPartition[],
  reason: IsrRemovalReason,
  batch: ControllerRequestBatch,
): Task<void> {
  if (env.context.isLiveOrShuttingDown(brokerId)) {
    for (const partition of partitions) batch.addStopReplica([brokerId], partition.name);
  }
  let remaining = [...partitions];
  for (let round = 0; round < MAX_ELECTION_ROUNDS && remaining.length > 0; round++) {
    remaining = yield* removalRound(env, brokerId, remaining, reason, batch);
  }
}

/** OnlineReplica for every replica on `brokerIds` whose partition has a state. */
export function takeReplicasOnline(env: ControllerEnv, brokerIds: readonly number[], batch: ControllerRequestBatch): void {
  for (const brokerId of brokerIds) {
    for (const partition of env.context.partitionsOnBroker(brokerId)) {
      if (partition.state !== undefined) batch.addLeaderAndIsr([brokerId], partition.name, false);
    }
  }
}

function* removalRound(
  env: ControllerEnv,
  brokerId: number,
  partitions: readonly ControllerPartition[],
  reason: IsrRemovalReason,
  batch: ControllerRequestBatch,
): Task<ControllerPartition[]> {
  const states = yield* getPartitionStates(env.zk, partitions.map((partition) => partition.name));
  const updates = new Map<PartitionName, LeaderAndIsr>();
  const previous = new Map<PartitionName, LeaderAndIsr>();
  partitions.forEach((partition, index) => {
    const state = states[index];
    if (state === null || state === undefined) return;
    if (state.controllerEpoch > env.context.epoch) throw new ControllerMovedError(`${partition.name} was written by controller epoch ${state.controllerEpoch}`);
    partition.state = state;
    const next = removeReplicaFromIsr(state, brokerId);
    if (next === null) return;
    updates.set(partition.name, next);
    previous.set(partition.name, state);
  });
  yield* spend(env, env.settings.costs.isrRemovalUsPerPartition * updates.size);
  const written = yield* updateLeaderAndIsr(env.zk, updates, env.context.epoch, env.context.epochZkVersion);
  for (const partition of partitions) {
    const state = written.written.get(partition.name);
    if (state === undefined) continue;
    partition.state = { ...state, controllerEpoch: env.context.epoch };
    if (state.leader === NO_LEADER) partition.phase = 'offline';
    batch.addLeaderAndIsr(partition.replicas.filter((id) => id !== brokerId), partition.name, false);
    emit(env, 'isr-change', {
      partition: partition.name,
      by: 'controller',
      leader: state.leader,
      leaderEpoch: state.leaderEpoch,
      isr: [...state.isr],
      oldIsr: [...previous.get(partition.name)!.isr],
      removed: brokerId,
      reason,
    });
  }
  const retry = new Set(written.retry);
  return partitions.filter((partition) => retry.has(partition.name));
}
