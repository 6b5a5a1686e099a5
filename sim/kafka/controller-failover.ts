// What a broker does once it has won the controller election: KafkaController.onControllerFailover
// (Kafka 2.8), in its order.
//
// 1. Register the child watches it acts on (/brokers/ids, /brokers/topics,
//    /isr_change_notification) while reading them: the live brokers with their epochs, every
//    topic's replica assignment, and every partition's state (initializeControllerContext,
//    updateLeaderAndIsrCache). Stale ISR change notifications are deleted.
// 2. Pay the reload cost: ~2 ms per partition (FIDELITY B5). A cluster with 10,000 partitions has
//    no working controller for ~20 s after a failover, which is why large ZooKeeper-mode clusters
//    avoided controller moves.
// 3. UpdateMetadata to every live broker; every live replica gets its partition's state in a
//    LeaderAndIsr and every replica on a dead broker goes OfflineReplica, which removes it from
//    the ISR (ZkReplicaStateMachine.startup: a broker that died with the old controller must not
//    hold acks=all writes hostage); partitions without a live leader are elected (partition
//    state machine startup).
// 4. Schedule the preferred-leader check 5 s later (scheduleAutoLeaderRebalanceTask).

import { NO_LEADER } from './election.ts';
import { emit, newBatch, sendUpdateMetadata, spend, type ControllerEnv } from './controller-env.ts';
import { getAssignments, getLiveBrokers, getPartitionStates, getTopics, takeIsrChangeNotifications } from './kafka-zk-ops.ts';
import { triggerOnlinePartitionStateChange } from './partition-state-machine.ts';
import { takeReplicasOffline, takeReplicasOnline } from './replica-state-machine.ts';
import type { Task } from './task.ts';

export function* onControllerFailover(env: ControllerEnv): Task<void> {
  const startUs = env.ctx.now;
  yield* initializeControllerContext(env);
  const partitions = env.context.partitionCount();
  yield* spend(env, env.settings.costs.reloadUsPerPartition * partitions);
  yield* takeIsrChangeNotifications(env.zk);
  const live = env.context.liveOrShuttingDownBrokers().map((broker) => broker.id);
  sendUpdateMetadata(env, live, []);
  const online = newBatch(env);
  takeReplicasOnline(env, live, online);
  online.send(env.channel);
  yield* takeDeadReplicasOffline(env);
  const elections = newBatch(env);
  yield* triggerOnlinePartitionStateChange(env, 'controller-failover', elections);
  elections.send(env.channel);
  emit(env, 'controller-loaded', {
    brokers: live,
    topics: env.context.topics().length,
    partitions,
    offlinePartitions: env.context.offlinePartitionCount(),
    tookUs: env.ctx.now - startUs,
  });
}

function* initializeControllerContext(env: ControllerEnv): Task<void> {
  const { context } = env;
  for (const broker of yield* getLiveBrokers(env.zk)) {
    context.liveOrShuttingDown.set(broker.id, broker);
    env.channel.addBroker(broker.id);
  }
  const topics = yield* getTopics(env.zk);
  const assignments = yield* getAssignments(env.zk, topics);
  topics.forEach((topic, index) => {
    const assignment = assignments[index];
    if (assignment !== null && assignment !== undefined) context.addTopic(topic, assignment);
  });
  const partitions = context.allPartitions();
  const states = yield* getPartitionStates(env.zk, partitions.map((partition) => partition.name));
  partitions.forEach((partition, index) => {
    const state = states[index] ?? null;
    if (state === null) return;
    partition.state = state;
    partition.phase = state.leader !== NO_LEADER && context.isLive(state.leader) ? 'online' : 'offline';
  });
}

/** OfflineReplica for the replicas of brokers that are assigned replicas but not registered. */
function* takeDeadReplicasOffline(env: ControllerEnv): Task<void> {
  const dead = new Set<number>();
  for (const partition of env.context.allPartitions()) {
    for (const id of partition.replicas) if (!env.context.isLiveOrShuttingDown(id)) dead.add(id);
  }
  if (dead.size === 0) return;
  const removals = newBatch(env);
  for (const id of [...dead].sort((a, b) => a - b)) {
    yield* takeReplicasOffline(env, id, env.context.partitionsOnBroker(id), 'broker-failure', removals);
  }
  removals.send(env.channel);
}
