// The controller component every broker runs: kafka.controller.KafkaController with its
// ControllerEventManager (Kafka 2.8, ZooKeeper mode). At most one broker is the active controller.
//
// Election (FIDELITY §E): on startup, on a new ZooKeeper session, and whenever /controller is
// deleted, a broker reads /controller (watching it); if nobody holds it, it creates /controller
// and increments /controller_epoch in one multi-op (kafka-zk-ops.ts). The winner runs
// onControllerFailover (controller-failover.ts); the losers keep watching. When /controller
// changes to someone else, a controller resigns (maybeResign); when its session expires it
// resigns at once — and until then, as a zombie, its requests carry an epoch the brokers have
// seen surpassed and are rejected (STALE_CONTROLLER_EPOCH), and its ZooKeeper writes fail the
// /controller_epoch version check.
//
// Events are processed one at a time, in arrival order, each to completion (the single
// controller-event-thread): ZooKeeper watches (broker, topic and ISR-change notifications),
// ControlledShutdown and AlterIsr requests, and the preferred-leader timer. A session expiry
// abandons the event in progress and clears the queue (ControllerEventManager.clearAndPut).

import { assert } from '../core/assert.ts';
import type { TimerId } from '../core/scheduler.ts';
import type { ActorContext } from '../hw/actor.ts';
import type { WatchedEvent } from '../zk/client-results.ts';
import * as paths from '../zk/paths.ts';
import type { BrokerSettings } from './broker-config.ts';
import { ControllerChannelManager } from './controller-channel.ts';
import { ControllerContext } from './controller-context.ts';
import type { ControllerEnv } from './controller-env.ts';
import {
  checkAndTriggerAutoLeaderRebalance,
  processAlterIsr,
  processBrokerChange,
  processControlledShutdown,
  processIsrChangeNotification,
  processTopicChange,
} from './controller-events.ts';
import { onControllerFailover } from './controller-failover.ts';
import type { KafkaZkClient } from './kafka-zk-client.ts';
import { ControllerMovedError, getControllerId, registerControllerAndIncrementEpoch } from './kafka-zk-ops.ts';
import type { NetworkClient } from './network-client.ts';
import { ErrorCode, type AlterIsrRequest, type AlterIsrResponse, type ControlledShutdownRequest, type ControlledShutdownResponse } from './protocol.ts';
import { runTask, type Task } from './task.ts';

/** Events waiting for the controller thread; more means a runaway feedback loop. */
export const MAX_CONTROLLER_EVENTS = 100_000;
/** KafkaController.onControllerFailover schedules the first preferred-leader check after 5 s. */
const FIRST_REBALANCE_CHECK_US = 5_000_000;

interface ControllerEvent {
  readonly name: string;
  run(): Task<void>;
}

export class KafkaController {
  private env: ControllerEnv | null = null;
  private activeControllerId = -1;
  private readonly queue: ControllerEvent[] = [];
  private processing = false;
  /** Bumped when everything in progress must be abandoned (session expiry, shutdown). */
  private generation = 0;
  private rebalanceTimer: TimerId | null = null;

  constructor(
    private readonly ctx: ActorContext,
    private readonly settings: BrokerSettings,
    private readonly zk: KafkaZkClient,
    private readonly network: NetworkClient,
  ) {}

  get isActive(): boolean {
    return this.env !== null;
  }

  /** The controller this broker believes in (-1: none known). */
  get controllerId(): number {
    return this.activeControllerId;
  }

  /** The active controller's view (for tests and the checker), or null. */
  get context(): ControllerContext | null {
    return this.env?.context ?? null;
  }

  /** Startup, or RegisterBrokerAndReelect after a new session: elect if nobody leads. */
  elect(): void {
    this.enqueue({ name: 'Reelect', run: () => this.reelect() });
  }

  /** Expire: the session is gone; resign at once and drop everything queued. */
  onSessionExpired(): void {
    this.abandonAll();
    this.activeControllerId = -1;
  }

  /** KafkaController.shutdown on a clean broker stop. */
  shutdown(): void {
    this.abandonAll();
  }

  /** Routes a ZooKeeper watch event; false when it is not the controller's. */
  onWatch(event: WatchedEvent): boolean {
    switch (event.path) {
      case paths.CONTROLLER_PATH:
        if (event.type === 'NodeDeleted') this.elect();
        else this.enqueue({ name: 'ControllerChange', run: () => this.maybeResign() });
        return true;
      case paths.BROKER_IDS_PATH:
        this.enqueueActive('BrokerChange', processBrokerChange);
        return true;
      case paths.TOPICS_PATH:
        this.enqueueActive('TopicChange', processTopicChange);
        return true;
      case paths.ISR_CHANGE_NOTIFICATION_PATH:
        this.enqueueActive('IsrChangeNotification', processIsrChangeNotification);
        return true;
      default:
        return false;
    }
  }

  handleControlledShutdown(request: ControlledShutdownRequest, respond: (response: ControlledShutdownResponse) => void): void {
    const notController: ControlledShutdownResponse = {
      type: 'controlled-shutdown-response',
      correlationId: request.correlationId,
      error: ErrorCode.BROKER_NOT_AVAILABLE,
      remainingPartitions: [],
    };
    this.enqueueRequest('ControlledShutdown', (env) => processControlledShutdown(env, request), respond, notController);
  }

  handleAlterIsr(request: AlterIsrRequest, respond: (response: AlterIsrResponse) => void): void {
    const notController: AlterIsrResponse = { type: 'alter-isr-response', correlationId: request.correlationId, error: ErrorCode.BROKER_NOT_AVAILABLE, partitions: [] };
    this.enqueueRequest('AlterIsr', (env) => processAlterIsr(env, request), respond, notController);
  }

  private enqueueActive(name: string, handler: (env: ControllerEnv) => Task<void>): void {
    this.enqueue({
      name,
      run: () => this.whenActive(handler),
    });
  }

  private *whenActive(handler: (env: ControllerEnv) => Task<void>): Task<void> {
    if (this.env !== null) yield* handler(this.env);
  }

  /** A request answered after its event runs; a broker that is not the controller says so. */
  private enqueueRequest<R>(name: string, handler: (env: ControllerEnv) => Task<R>, respond: (response: R) => void, notController: R): void {
    const controller = this;
    this.enqueue({
      name,
      *run(): Task<void> {
        if (controller.env === null) {
          respond(notController);
          return;
        }
        respond(yield* handler(controller.env));
      },
    });
  }

  private enqueue(event: ControllerEvent): void {
    assert(this.queue.length < MAX_CONTROLLER_EVENTS, () => `${this.ctx.id}: more than ${MAX_CONTROLLER_EVENTS} controller events queued`);
    this.queue.push(event);
    if (!this.processing) this.processNext();
  }

  private processNext(): void {
    const event = this.queue.shift();
    if (event === undefined) {
      this.processing = false;
      return;
    }
    this.processing = true;
    const generation = this.generation;
    const alive = (): boolean => generation === this.generation;
    runTask(event.run(), () => this.processNext(), alive, (error) => {
      // ControllerEventManager logs a failed event and moves on; a moved controller resigns.
      if (error instanceof ControllerMovedError) this.queue.unshift({ name: 'ControllerChange', run: () => this.maybeResign() });
      this.processNext();
    });
  }

  /** Reelect: maybeResign, then elect. */
  private *reelect(): Task<void> {
    yield* this.maybeResign();
    if (this.activeControllerId !== -1) return;
    let won: { epoch: number; epochZkVersion: number };
    try {
      won = yield* registerControllerAndIncrementEpoch(this.zk, this.settings.id, Math.floor(this.ctx.now / 1000));
    } catch (error) {
      if (!(error instanceof ControllerMovedError)) throw error;
      yield* this.maybeResign();
      return;
    }
    this.activeControllerId = this.settings.id;
    this.becomeActive(won.epoch, won.epochZkVersion);
    yield* onControllerFailover(this.env!);
    this.scheduleRebalance(FIRST_REBALANCE_CHECK_US);
  }

  /** maybeResign: re-watch /controller, learn who holds it, resign if it is no longer us. */
  private *maybeResign(): Task<void> {
    const wasActive = this.isActive;
    this.activeControllerId = yield* getControllerId(this.zk, true);
    if (wasActive && this.activeControllerId !== this.settings.id) this.resign();
  }

  private becomeActive(epoch: number, epochZkVersion: number): void {
    const context = new ControllerContext(epoch, epochZkVersion);
    const socketTimeoutMs = this.settings.config['controller.socket.timeout.ms'];
    const channel = new ControllerChannelManager(this.ctx, this.network, this.settings.id, epoch, socketTimeoutMs);
    this.env = { ctx: this.ctx, settings: this.settings, zk: this.zk, context, channel };
    this.ctx.trace.emit('controller', { broker: this.settings.id, epoch });
  }

  /** onControllerResignation. */
  private resign(): void {
    const env = this.env;
    if (env === null) return;
    this.ctx.trace.emit('controller-resigned', { broker: this.settings.id, epoch: env.context.epoch });
    env.channel.shutdown();
    if (this.rebalanceTimer !== null) this.ctx.cancelTimer(this.rebalanceTimer);
    this.rebalanceTimer = null;
    this.env = null;
  }

  private abandonAll(): void {
    this.generation++;
    this.queue.length = 0;
    this.processing = false;
    this.resign();
  }

  /** scheduleAutoLeaderRebalanceTask: the check runs as an event, then schedules the next one. */
  private scheduleRebalance(delayUs: number): void {
    if (!this.settings.config['auto.leader.rebalance.enable'] || this.env === null) return;
    this.rebalanceTimer = this.ctx.setTimer(delayUs, () => {
      this.rebalanceTimer = null;
      const controller = this;
      this.enqueue({
        name: 'AutoPreferredReplicaLeaderElection',
        *run(): Task<void> {
          if (controller.env === null) return;
          yield* checkAndTriggerAutoLeaderRebalance(controller.env);
          controller.scheduleRebalance(controller.settings.config['leader.imbalance.check.interval.seconds'] * 1_000_000);
        },
      });
    });
  }
}
