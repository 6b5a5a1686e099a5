// A Kafka cluster world for tests, on the real layers: racks and machines (sim/hw World), a
// ZooKeeper ensemble (sim/zk), brokers (sim/kafka/broker.ts) and an admin tool process that
// creates topics through ZooKeeper (sim/kafka/topic-admin.ts). A small DSL reads like the scenario
// it sets up:
//
//   const cluster = ClusterWorld.build({ brokers: 3, config: { 'unclean.leader.election.enable': true } });
//   cluster.runFor('5s');
//   cluster.createTopic({ name: 'orders', partitions: 6, replicationFactor: 3 });
//   cluster.broker(cluster.leaderOf('orders/0')).crash();
//   cluster.runUntil(() => cluster.leaderOf('orders/0') !== -1, '60s');
//
// Node ids: brokers `broker-N` (ids 1..N spread over the racks in turn), ZooKeeper servers `zk-N`,
// the admin tool `admin`. The trace is kept in memory (`events(kind)`).

import { assert } from '../../sim/core/assert.ts';
import { createRng } from '../../sim/core/rng.ts';
import { Scheduler } from '../../sim/core/scheduler.ts';
import { parseDuration } from '../../sim/core/time.ts';
import { MemorySink, Trace, type DetailLevel, type TraceEvent } from '../../sim/core/trace.ts';
import type { Actor, ActorContext, NodeId } from '../../sim/hw/actor.ts';
import type { HardwareProfile } from '../../sim/hw/profiles.ts';
import { World } from '../../sim/hw/world.ts';
import { BrokerActor, type BrokerPluginFactory, type BrokerServer } from '../../sim/kafka/broker.ts';
import {
  brokerNodeId,
  brokerSettings,
  type ControllerCosts,
  type IsrPropagation,
  type KafkaBrokerConfig,
  type ReplicationProtocol,
} from '../../sim/kafka/broker-config.ts';
import { decodeState, partitionStatePath } from '../../sim/kafka/kafka-zk-ops.ts';
import type { PartitionState } from '../../sim/kafka/election.ts';
import type { PartitionProduceResponse, ProduceRequest, ProduceResponse, WireBatch } from '../../sim/kafka/protocol.ts';
import { AdminActor, type TopicCreation, type TopicDefinition } from '../../sim/kafka/topic-admin.ts';
import { ZkCommitLedger } from '../../sim/zk/commit-ledger.ts';
import { zkEnsembleConfig, zkServerAddresses, type ZkEnsembleConfig } from '../../sim/zk/config.ts';
import { ZkServer } from '../../sim/zk/server.ts';
import * as paths from '../../sim/zk/paths.ts';

export interface ClusterOptions {
  readonly seed?: number;
  readonly racks?: readonly string[];
  /** Broker count (ids 1..N over the racks in turn). */
  readonly brokers?: number;
  readonly zookeeperServers?: number;
  /** zookeeper.session.timeout.ms (18 s). */
  readonly sessionTimeoutMs?: number;
  readonly config?: Partial<KafkaBrokerConfig>;
  readonly replicationProtocol?: ReplicationProtocol;
  readonly isrPropagation?: IsrPropagation;
  readonly costs?: Partial<ControllerCosts>;
  /** Racks become broker.rack (rack-aware assignment); off, brokers register without one. */
  readonly rackAware?: boolean;
  readonly hardware?: HardwareProfile | string;
  /** Broker components beyond replication (the group coordinator), per incarnation. */
  readonly plugins?: readonly BrokerPluginFactory[];
  /** Trace detail (default `full`, so tests see every LeaderAndIsr a broker applies). */
  readonly detail?: DetailLevel;
}

export type Duration = string | number;

/** A bare process that sends hand-made requests and records what comes back (a test's hands). */
export class ProbeActor implements Actor {
  ctx: ActorContext | null = null;
  readonly received: { from: NodeId; message: unknown; atUs: number }[] = [];

  onStart(ctx: ActorContext): void {
    this.ctx = ctx;
  }

  onMessage(from: NodeId, message: unknown): void {
    this.received.push({ from, message, atUs: this.ctx!.now });
  }

  send(to: NodeId, message: unknown, sizeBytes = 100): void {
    this.ctx!.send(to, message, sizeBytes);
  }

  /** The first message received with this correlation id. */
  response<T>(correlationId: number): T | undefined {
    return this.received.find((entry) => (entry.message as { correlationId?: number }).correlationId === correlationId)?.message as T | undefined;
  }
}

/** Faults and inspection of one broker. */
export class BrokerHandle {
  constructor(
    private readonly cluster: ClusterWorld,
    readonly id: number,
  ) {}

  get node(): string {
    return brokerNodeId(this.id);
  }

  get isUp(): boolean {
    return this.cluster.world.machine(this.node).state === 'up';
  }

  /** The broker's server while its process exists (up or paused), else null. */
  get server(): BrokerServer | null {
    const state = this.cluster.world.machine(this.node).state;
    return state === 'up' || state === 'paused' ? this.cluster.actor(this.id).current : null;
  }

  crash(): this {
    this.cluster.world.crash(this.node);
    return this;
  }

  powerLoss(): this {
    this.cluster.world.powerLoss(this.node);
    return this;
  }

  /** Starts the process again (after a crash, stop or power loss), optionally after a delay. */
  restart(delay: Duration = 0): this {
    this.cluster.world.restart(this.node, parseDuration(delay));
    return this;
  }

  pause(duration: Duration): this {
    this.cluster.world.pause(this.node, parseDuration(duration));
    return this;
  }

  /** A clean shutdown: controlled shutdown (when enabled), then the process exits. */
  shutdown(): this {
    this.server?.shutdown();
    return this;
  }
}

export class ClusterWorld {
  readonly scheduler: Scheduler;
  readonly sink = new MemorySink();
  readonly trace: Trace;
  readonly world: World;
  readonly zkConfig: ZkEnsembleConfig;
  readonly zkServers: ZkServer[];
  readonly admin: AdminActor;
  private readonly brokers = new Map<number, BrokerActor>();
  private producer: ProbeActor | undefined;
  private correlation = 0;

  private constructor(readonly options: ClusterOptions) {
    const seed = options.seed ?? 1;
    this.scheduler = new Scheduler({ seed });
    this.trace = new Trace(this.scheduler, { sinks: [this.sink], detail: options.detail ?? 'full' });
    this.world = new World({ scheduler: this.scheduler, trace: this.trace, rng: createRng(seed) });
    const racks = options.racks ?? ['r1', 'r2', 'r3'];
    const sessionTimeoutMs = options.sessionTimeoutMs ?? 18_000;
    const ledger = new ZkCommitLedger();
    this.zkConfig = zkEnsembleConfig(zkServerAddresses(options.zookeeperServers ?? 3));
    const zookeeper = this.zkConfig.servers.map((server) => server.node);
    this.zkServers = this.zkConfig.servers.map((address, index) => {
      const server = new ZkServer(address.sid, this.zkConfig, ledger);
      this.addMachine(address.node, racks[index % racks.length]!, server);
      return server;
    });
    this.admin = new AdminActor(zookeeper, sessionTimeoutMs);
    this.addMachine('admin', racks[0]!, this.admin);
    for (let id = 1; id <= (options.brokers ?? 3); id++) {
      const rack = racks[(id - 1) % racks.length]!;
      const settings = brokerSettings(id, {
        rack: options.rackAware === false ? null : rack,
        config: options.config ?? {},
        zookeeperSessionTimeoutMs: sessionTimeoutMs,
        replicationProtocol: options.replicationProtocol ?? 'kip-320',
        isrPropagation: options.isrPropagation ?? 'alter-isr',
        costs: options.costs ?? {},
      });
      const actor = new BrokerActor({ settings, zookeeper, exit: () => this.world.stop(brokerNodeId(id)), plugins: options.plugins ?? [] });
      this.brokers.set(id, actor);
      this.addMachine(brokerNodeId(id), rack, actor);
    }
    for (const node of this.world.nodes()) this.world.start(node);
  }

  static build(options: ClusterOptions = {}): ClusterWorld {
    return new ClusterWorld(options);
  }

  get nowUs(): number {
    return this.scheduler.now;
  }

  get nowMs(): number {
    return this.scheduler.now / 1000;
  }

  brokerIds(): number[] {
    return [...this.brokers.keys()];
  }

  broker(id: number): BrokerHandle {
    assert(this.brokers.has(id), () => `no broker ${id}`);
    return new BrokerHandle(this, id);
  }

  actor(id: number): BrokerActor {
    return this.brokers.get(id)!;
  }

  runFor(duration: Duration): this {
    this.scheduler.runUntil(this.scheduler.now + parseDuration(duration));
    return this;
  }

  /** Runs until `done()` holds (checked every `step`), failing after `limit`. Returns the time it held. */
  runUntil(done: () => boolean, limit: Duration, step: Duration = '1ms'): number {
    const stepUs = parseDuration(step);
    const endUs = this.scheduler.now + parseDuration(limit);
    while (!done()) {
      assert(this.scheduler.now < endUs, () => `runUntil: condition not met within ${String(limit)} (now ${this.nowMs} ms)`);
      this.scheduler.runUntil(Math.min(endUs, this.scheduler.now + stepUs));
    }
    return this.scheduler.now;
  }

  /** Creates a topic through the admin tool and waits until its partitions all have leaders. */
  createTopic(topic: TopicDefinition, limit: Duration = '30s'): TopicCreation {
    let result: TopicCreation | null = null;
    this.admin.createTopic({ topic, done: (outcome) => (result = outcome) });
    this.runUntil(() => result !== null, limit);
    const created = result as TopicCreation | null;
    assert(created !== null, 'createTopic: no outcome');
    if (created.ok) {
      const names = created.assignment.map((_, index) => `${topic.name}/${index}`);
      this.runUntil(() => names.every((name) => this.leaderOf(name) >= 0), limit);
    }
    return created;
  }

  /** The active controller among running (not paused) brokers, if exactly one believes it is. */
  controller(): { id: number; epoch: number } | null {
    const active = this.brokerIds()
      .filter((id) => this.broker(id).isUp)
      .map((id) => this.broker(id).server)
      .filter((server): server is BrokerServer => server !== null && server.controller.isActive);
    if (active.length !== 1) return null;
    const server = active[0]!;
    return { id: server.settings.id, epoch: server.controller.context!.epoch };
  }

  /** The partition's state znode as ZooKeeper last committed it (read from the most advanced server). */
  partitionState(name: string): PartitionState | null {
    const path = partitionStatePath(name);
    let best: PartitionState | null = null;
    for (const server of this.zkServers) {
      const stat = server.db.tree.stat(path);
      const data = server.db.tree.data(path);
      if (stat === null || data === null) continue;
      if (best === null || stat.version > best.zkVersion) best = decodeState(data, stat.version);
    }
    return best;
  }

  /** The /controller_epoch value ZooKeeper holds. */
  controllerEpochInZk(): number {
    let epoch = 0;
    for (const server of this.zkServers) {
      const data = server.db.tree.data(paths.CONTROLLER_EPOCH_PATH);
      if (data !== null) epoch = Math.max(epoch, paths.decodeControllerEpoch(data));
    }
    return epoch;
  }

  /** The broker serving as the partition's leader: running (not paused), leading, at the newest epoch; -1 if none. */
  leaderOf(name: string): number {
    let leader = -1;
    let epoch = -1;
    for (const id of this.brokerIds()) {
      if (!this.broker(id).isUp) continue;
      const partition = this.broker(id).server?.replicaManager.partitions.get(name);
      if (partition === undefined || !partition.isLeader || partition.leaderEpoch <= epoch) continue;
      leader = id;
      epoch = partition.leaderEpoch;
    }
    return leader;
  }

  /** A new probe process on its own machine (rack of broker 1), started now. */
  probe(name: string): ProbeActor {
    const probe = new ProbeActor();
    this.addMachine(name, (this.options.racks ?? ['r1'])[0]!, probe);
    this.world.start(name);
    return probe;
  }

  /**
   * Sends one record batch to the partition's current leader from a probe process and waits for
   * the answer (acks=0 answers nothing: it returns null once sent).
   */
  produce(name: string, options: { records?: number; bytes?: number; acks?: 0 | 1 | -1; producer?: string } = {}): PartitionProduceResponse | null {
    const leader = this.leaderOf(name);
    assert(leader >= 0, () => `produce to ${name}: no leader`);
    this.producer ??= this.probe('producer');
    const records = options.records ?? 1;
    const correlationId = ++this.correlation;
    const batch: WireBatch = {
      baseOffset: -1,
      recordCount: records,
      leaderEpoch: -1,
      producerId: -1,
      producerEpoch: -1,
      baseSequence: -1,
      sizeBytes: options.bytes ?? 100 * records,
      createTimeUs: this.nowUs,
      payload: { kind: 'records', producer: options.producer ?? 'probe', firstRecord: correlationId, count: records },
    };
    const request: ProduceRequest = { type: 'produce', correlationId, acks: options.acks ?? -1, timeoutMs: 30_000, partitions: [{ partition: name, batch }] };
    const probe = this.producer;
    probe.send(brokerNodeId(leader), request, batch.sizeBytes + 64);
    if (request.acks === 0) return null;
    this.runUntil(() => probe.response(correlationId) !== undefined, '35s');
    return probe.response<ProduceResponse>(correlationId)!.partitions[0]!;
  }

  events(kind: string): TraceEvent[] {
    return this.sink.events.filter((event) => event.k === kind);
  }

  private addMachine(id: string, rack: string, actor: Actor): void {
    const hardware = this.options.hardware;
    this.world.addMachine(typeof hardware === 'object' ? { id, rack, hardware, actor } : { id, rack, ...(hardware === undefined ? {} : { hardware }), actor });
  }
}
