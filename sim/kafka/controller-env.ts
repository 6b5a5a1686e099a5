// What every piece of the active controller works with, for the epoch it won: its broker's
// context and ZooKeeper client, its ControllerContext, the channel to the brokers, and the
// costs it pays (FIDELITY B4, B5). The state machines and event handlers in the controller-*.ts
// and *-state-machine.ts files are tasks over one ControllerEnv; when the controller resigns, the
// env is dropped and any task still holding it is abandoned (task.ts).

import type { ActorContext } from '../hw/actor.ts';
import type { BrokerSettings } from './broker-config.ts';
import { ControllerRequestBatch, type ControllerChannelManager } from './controller-channel.ts';
import type { ControllerContext } from './controller-context.ts';
import type { KafkaZkClient } from './kafka-zk-client.ts';
import type { PartitionName } from './protocol.ts';
import { wait, type Task } from './task.ts';

export interface ControllerEnv {
  readonly ctx: ActorContext;
  readonly settings: BrokerSettings;
  readonly zk: KafkaZkClient;
  readonly context: ControllerContext;
  readonly channel: ControllerChannelManager;
}

/** Time spent on the controller's event thread (the controller does one thing at a time). */
export function* spend(env: ControllerEnv, costUs: number): Task<void> {
  if (costUs <= 0) return;
  yield* wait<void>((resume) => env.ctx.setTimer(Math.round(costUs), () => resume()));
}

export function newBatch(env: ControllerEnv): ControllerRequestBatch {
  return new ControllerRequestBatch(env.context);
}

/** KafkaController.sendUpdateMetadataRequest: these brokers learn these partitions (and the broker list). */
export function sendUpdateMetadata(env: ControllerEnv, brokerIds: readonly number[], partitions: readonly PartitionName[]): void {
  const batch = newBatch(env);
  batch.addUpdateMetadata(brokerIds, partitions);
  batch.send(env.channel);
}

/** Emits a controller trace event stamped with the controller's id and epoch. */
export function emit(env: ControllerEnv, kind: string, fields: object): number {
  return env.ctx.trace.emit(kind, { controller: env.settings.id, controllerEpoch: env.context.epoch, ...fields });
}
