// A Kafka producer client as an actor on a client machine (DESIGN §7): KafkaProducer with its
// application thread (producer-send.ts, driven by the load of load.ts), RecordAccumulator
// (accumulator.ts), Sender (sender.ts), NetworkClient (producer-network.ts), metadata
// (producer-metadata.ts) and, with enable.idempotence, the TransactionManager's idempotence
// (transaction-manager.ts). It talks to brokers only through ctx.send; every record it sends is
// recorded in its ProducerHistory (history.ts) for the checker, and once per second a metrics
// sample goes to the trace (producer-metrics.ts).
//
// Each start of the process is a new incarnation with empty memory: a new producer id, new
// connections, metadata fetched again. The history and the metrics outlive incarnations. When an
// incarnation dies (crash, power loss, restart), its records are settled as a crashed client
// leaves them: still inside send() or in a batch that never left → fail; in a request that may
// have reached a broker → info.
//
// Simplified: one topic per producer; a clean stop is treated as a crash (KafkaProducer.close
// with a zero timeout); `reconfigure` (a scenario's `config` fault) changes settings in place,
// except enable.idempotence and buffer.memory, which apply from the next start.

import type { Actor, ActorContext, DisconnectReason, NodeId } from '../hw/actor.ts';
import { US_PER_SECOND } from '../core/time.ts';
import { RecordAccumulator } from './accumulator.ts';
import { ProducerHistory } from './history.ts';
import type { LoadSpec } from './load.ts';
import type { ProducerBatch } from './producer-batch.ts';
import {
  producerConfig,
  producerCpuCosts,
  producerSettings,
  type ProducerConfig,
  type ProducerCpuCosts,
  type ProducerSettings,
} from './producer-config.ts';
import { ProducerMetadata } from './producer-metadata.ts';
import { ProducerMetrics } from './producer-metrics.ts';
import { ProducerNetwork } from './producer-network.ts';
import { APPLICATION_POOL, ApplicationThread } from './producer-send.ts';
import { HookedContext } from './quiet-sends.ts';
import { Sender, SENDER_POOL } from './sender.ts';
import { TransactionManager } from './transaction-manager.ts';

/** Correlation ids of one incarnation start here, so no answer to a dead one is mistaken. */
const CORRELATION_IDS_PER_INCARNATION = 1_000_000_000;

export interface ProducerOptions {
  /** Identity in the history, in the trace and on the wire (ProducerRecords.producer). */
  readonly name: string;
  readonly load: LoadSpec;
  /** Kafka settings by dotted name; the others take Kafka's defaults (see producerConfig). */
  readonly config?: Partial<ProducerConfig>;
  /** bootstrap.servers: the brokers' node ids, asked for metadata until some has answered. */
  readonly bootstrap: readonly NodeId[];
  /** The node id of broker `brokerId` (default `broker-<id>`). */
  readonly brokerNodeId?: (brokerId: number) => NodeId;
  /** CPU costs, overriding those derived from the machine's hardware profile. */
  readonly cpu?: Partial<ProducerCpuCosts>;
  /** Metrics sample period (default 1 s). */
  readonly metricsIntervalUs?: number;
  /** Defer quiet sends (quiet-sends.ts; default on). Off only to show a run's trace is the same. */
  readonly deferQuietSends?: boolean;
}

/** One incarnation of the process: everything it holds in memory. */
class Incarnation {
  dead = false;
  readonly settings: ProducerSettings;
  readonly accumulator: RecordAccumulator;
  readonly network: ProducerNetwork;
  readonly sender: Sender;
  readonly app: ApplicationThread;

  constructor(
    readonly ctx: ActorContext,
    readonly producer: Producer,
    config: ProducerConfig,
    incarnation: number,
  ) {
    const { recorded: history, metrics, options } = producer;
    const deferQuietSends = options.deferQuietSends ?? true;
    // The Sender and its NetworkClient see a context that applies deferred sends before each of
    // their events and plans again after it (quiet-sends.ts); the application thread's own
    // events need neither.
    const hooks = { before: () => this.app.beforeEvent(), after: () => this.app.afterEvent() };
    const io = deferQuietSends ? new HookedContext(ctx, hooks) : ctx;
    const settings = (this.settings = producerSettings(config));
    const rng = ctx.rng.fork(`incarnation-${incarnation}`);
    const cpu = producerCpuCosts(ctx.hardware, options.cpu);
    ctx.definePool(APPLICATION_POOL, 1);
    ctx.definePool(SENDER_POOL, 1);
    const metadata = new ProducerMetadata(settings.metadataMaxAgeUs, settings.retryBackoffUs, options.brokerNodeId ?? ((id) => `broker-${id}`));
    this.accumulator = new RecordAccumulator(settings, history);
    const onDisconnected = (): void => {
      metadata.requestUpdate();
      this.sender.wakeup();
    };
    const onReady = (): void => this.sender.wakeup();
    this.network = new ProducerNetwork(io, settings, rng.fork('network'), onDisconnected, incarnation * CORRELATION_IDS_PER_INCARNATION, onReady);
    const txn = settings.idempotence ? new TransactionManager() : null;
    const listener = { onBatchDone: (batch: ProducerBatch) => this.onBatchDone(batch), onMetadataUpdate: () => this.app.onMetadataUpdate() };
    this.sender = new Sender({ ctx: io, producer: producer.name, settings, cpu, accumulator: this.accumulator, metadata, network: this.network, txn, history, bootstrap: options.bootstrap, listener });
    this.app = new ApplicationThread({ ctx, load: options.load, settings, cpu, metadata, accumulator: this.accumulator, sender: this.sender, txn, history, metrics, rng, deferQuietSends });
    ctx.trace.emit('producer-start', { producer: producer.name, incarnation, acks: settings.acks, idempotence: settings.idempotence });
    this.app.start();
    this.scheduleSample(options.metricsIntervalUs ?? US_PER_SECOND);
  }

  /** Runs an input of the process (a message, a disconnect) between the deferred sends' hooks, as HookedContext does for timers. */
  hooked(input: () => void): void {
    this.app.beforeEvent();
    input();
    this.app.afterEvent();
  }

  abandon(nowUs: number, error: string): void {
    this.dead = true;
    this.app.abandon(nowUs, error);
    this.sender.abandon(nowUs, error);
  }

  private onBatchDone(batch: ProducerBatch): void {
    const { recorded: history, metrics } = this.producer;
    metrics.onRangeDone(history.range(batch.rangeId), (offset) => history.invokeUs(batch.partition, batch.firstRecord + offset));
    if (!this.dead) this.app.onMemoryFreed();
  }

  private scheduleSample(intervalUs: number): void {
    this.ctx.setTimer(intervalUs, () => {
      if (this.dead) return;
      this.app.beforeEvent();
      const usedBytes = this.settings.bufferMemoryBytes - this.accumulator.bufferAvailableBytes;
      this.producer.metrics.sample(this.ctx.trace, this.ctx.now, usedBytes);
      this.scheduleSample(intervalUs);
    });
  }
}

export class Producer implements Actor {
  readonly name: string;
  /** The history as the process writes it; deferred sends are applied at the process's next event. */
  readonly recorded: ProducerHistory;
  readonly metrics: ProducerMetrics;
  private written: Partial<ProducerConfig>;
  private effective: ProducerConfig;
  private current: Incarnation | null = null;
  private incarnations = 0;

  constructor(readonly options: ProducerOptions) {
    this.name = options.name;
    this.written = { ...options.config };
    this.effective = producerConfig(this.written);
    this.recorded = new ProducerHistory(options.name);
    this.metrics = new ProducerMetrics(options.name);
  }

  /**
   * The history up to now, for readers between events (the checker, tests): the sends deferred
   * by the application thread that completed by now are applied first (quiet-sends.ts).
   */
  get history(): ProducerHistory {
    const current = this.current;
    if (current !== null && !current.dead) current.app.applyDeferred(current.ctx.now + 1);
    return this.recorded;
  }

  /** The effective configuration (Kafka's defaults filled in). */
  get config(): ProducerConfig {
    return this.effective;
  }

  /** True while an incarnation is running. */
  get running(): boolean {
    return this.current !== null && !this.current.dead;
  }

  onStart(ctx: ActorContext): void {
    if (this.current !== null && !this.current.dead) this.current.abandon(ctx.now, 'CLIENT_RESTARTED');
    this.incarnations++;
    this.current = new Incarnation(ctx, this, this.effective, this.incarnations);
  }

  onMessage(from: NodeId, message: unknown): void {
    const current = this.current;
    if (current === null || current.dead || typeof message !== 'object' || message === null) return;
    current.hooked(() => current.sender.handleResponse(from, message));
  }

  onDisconnect(peer: NodeId, _reason: DisconnectReason): void {
    const current = this.current;
    if (current === null || current.dead) return;
    current.hooked(() => current.network.handleDisconnect(peer));
  }

  onPause(): void {
    if (this.current !== null && !this.current.dead) this.current.app.onPause();
  }

  onStop(): void {
    if (this.current !== null && !this.current.dead) this.current.abandon(this.current.ctx.now, 'CLIENT_STOPPED');
  }

  /** The process was killed at `nowUs` (crash or power loss): settle what it held. */
  crash(nowUs: number): void {
    if (this.current !== null && !this.current.dead) this.current.abandon(nowUs, 'CLIENT_CRASHED');
  }

  /** Changes settings by dotted name (a `config` fault); see the file comment for what waits for a restart. */
  reconfigure(changes: Partial<ProducerConfig>): void {
    this.written = { ...this.written, ...changes };
    this.effective = producerConfig(this.written);
    if (this.current === null) return;
    const live = this.current.settings as { -readonly [K in keyof ProducerSettings]: ProducerSettings[K] };
    const next = producerSettings(this.effective);
    const app = this.current.app;
    app.applyDeferred(this.current.ctx.now);
    Object.assign(live, { ...next, idempotence: live.idempotence, bufferMemoryBytes: live.bufferMemoryBytes });
    app.afterEvent(true);
  }
}
