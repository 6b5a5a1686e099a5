// The controller's side of a controlled shutdown: KafkaController.doControlledShutdown (Kafka 2.8).
//
// A broker about to stop asks the controller to move its leaderships first. The controller marks
// it shutting down; for each of its partitions with more than one replica, if it leads, a new
// leader is elected with the controlled-shutdown strategy (the first live ISR replica that is not
// stopping; the ISR drops the stopping broker); if it follows, it is sent StopReplica and removed
// from the ISR. The answer lists the partitions it still leads — those with no other ISR member,
// and every single-replica partition — and the broker retries until none remain or it runs out of
// `controlled.shutdown.max.retries`.
//
// Each moved leadership costs an election on the controller's thread (FIDELITY B7: a few ms per
// partition), but the partition keeps being served by the old leader until the LeaderAndIsr of
// the whole batch arrives, so each partition is unavailable only for the few milliseconds between
// the old leader stepping down and the new one taking over — not for a session timeout.

import { ErrorCode, type ControlledShutdownRequest, type ControlledShutdownResponse } from './protocol.ts';
import { emit, newBatch, type ControllerEnv } from './controller-env.ts';
import { electLeaders } from './partition-state-machine.ts';
import { takeReplicasOffline } from './replica-state-machine.ts';
import type { Task } from './task.ts';

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
