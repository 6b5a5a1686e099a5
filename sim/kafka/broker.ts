// A Kafka broker (ZooKeeper mode) as an actor on a machine: kafka.server.KafkaServer (Kafka 2.8).
//
// Startup, in KafkaServer's order: the request-handler pool (`num.io.threads`); the logs found on
// the disks, each recovered to what survived (a power loss drops what was not yet durable); a
// ZooKeeper session; the replica manager's periodic tasks. Once the session is established the
// broker makes sure Kafka's persistent znodes exist, registers /brokers/ids/N (ephemeral; its
// czxid is the broker epoch) and takes part in the controller election. If the znode is still held
// by the previous incarnation's session — a broker restarted faster than its old session expired
// — registration fails with NodeExists and, as in Kafka, startup is fatal: the process exits.
//
// A session expiry makes the controller resign at once; the new session registers the broker
// again and re-elects (RegisterBrokerAndReelect). Messages are routed: ZooKeeper's to the client
// library, responses to the request that awaits them, requests to KafkaApis.
//
// Clean shutdown (`shutdown()`, the scenario's `shutdown` fault): with controlled.shutdown.enable,
// up to controlled.shutdown.max.retries ControlledShutdown requests to the controller, with
// controlled.shutdown.retry.backoff.ms between them, until it reports no partition left to move;
// then the controller component stops, the ZooKeeper session is closed (the broker's znode goes at
// once, so the controller reacts without waiting for a session timeout) and the process exits.

import type { Actor, ActorContext, DisconnectReason, NodeId } from '../hw/actor.ts';
import { PERSISTENT_ZK_PATHS } from '../zk/paths.ts';
import * as paths from '../zk/paths.ts';
import { brokerNodeId, type BrokerSettings, type KafkaBrokerConfig } from './broker-config.ts';
import { ConfigChangeListener } from './config-changes.ts';
import { KafkaController } from './controller.ts';
import { AlterIsrManager, ZkIsrManager, type ControllerLink, type IsrPropagation } from './isr-propagation.ts';
import { KafkaApis, REQUEST_HANDLER_POOL, isKafkaRequest, isKafkaResponse } from './kafka-apis.ts';
import { KafkaZkClient } from './kafka-zk-client.ts';
import { registerBroker } from './kafka-zk-ops.ts';
import { LogManager } from './log-manager.ts';
import { MetadataCache } from './metadata-cache.ts';
import { NetworkClient, sendOrLoop } from './network-client.ts';
import type { LogBatch } from './log.ts';
import { REQUEST_HEADER_BYTES, type BatchPayload, type ControlledShutdownResponse, type PartitionName } from './protocol.ts';
import { FetchPurgatory, ProducePurgatory } from './purgatory.ts';
import { ReplicaFetcherManager } from './replica-fetcher.ts';
import { ReplicaManager, type PartitionRole, type ReplicaManagerParts } from './replica-manager.ts';
import { ReplicaRequests } from './replica-requests.ts';
import { ReplicaTrace } from './replica-trace.ts';
import { runTask, wait, type Task } from './task.ts';
import { createTopic, type TopicCreation, type TopicDefinition } from './topic-admin.ts';

export interface BrokerActorOptions {
  readonly settings: BrokerSettings;
  /** zookeeper.connect: the ensemble's server nodes. */
  readonly zookeeper: readonly NodeId[];
  /**
   * Ends this broker's process: `clean` after a (controlled) shutdown, `failure` after a fatal
   * startup error — the exit status a process supervisor (systemd Restart=on-failure) acts on.
   */
  readonly exit?: (status: 'clean' | 'failure') => void;
  /** Components beyond replication (the group coordinator), built for each incarnation. */
  readonly plugins?: readonly BrokerPluginFactory[];
}

/** A broker component beyond the replication core, e.g. the group coordinator. */
export interface BrokerPlugin {
  /** Handles a request type the core does not know (after its request-handler CPU); true if it did. */
  handleRequest?(from: NodeId, request: { readonly type: string; readonly correlationId: number }): boolean;
  /** A partition's role here changed (GroupCoordinator.onElection / onResignation). */
  onRoleChange?(partition: PartitionName, role: PartitionRole, leaderEpoch: number): void;
}

export type BrokerPluginFactory = (server: BrokerServer) => BrokerPlugin;

export type BrokerServerState = 'starting' | 'running' | 'shutting-down' | 'stopped';

export class BrokerActor implements Actor {
  private server: BrokerServer | null = null;

  constructor(readonly options: BrokerActorOptions) {}

  get id(): number {
    return this.options.settings.id;
  }

  /** The latest incarnation's server (it may have died since; ask the machine). */
  get current(): BrokerServer | null {
    return this.server;
  }

  onStart(ctx: ActorContext): void {
    this.server = new BrokerServer(ctx, this.options);
    this.server.startup();
  }

  onMessage(from: NodeId, message: unknown): void {
    this.server?.handleMessage(from, message);
  }

  onDisconnect(peer: NodeId, reason: DisconnectReason): void {
    this.server?.handleDisconnect(peer, reason);
  }

  onStop(): void {
    this.server?.stopped();
  }

  /**
   * A dynamic broker-config change (the scenario's `config` fault on a broker): it holds for this
   * broker's later incarnations too, as a config stored in ZooKeeper would.
   */
  reconfigure(changes: Partial<KafkaBrokerConfig>): void {
    Object.assign(this.options.settings.config, changes);
    this.server?.replicaManager.refreshConfigs();
  }
}

export class BrokerServer {
  readonly settings: BrokerSettings;
  readonly network: NetworkClient;
  readonly zk: KafkaZkClient;
  readonly metadataCache = new MetadataCache();
  readonly logManager: LogManager;
  readonly replicaManager: ReplicaManager;
  readonly controller: KafkaController;
  readonly requests: ReplicaRequests;
  private readonly configChanges: ConfigChangeListener;
  private readonly apis: KafkaApis;
  private readonly plugins: BrokerPlugin[] = [];
  private readonly parts: ReplicaManagerParts;
  private serverState: BrokerServerState = 'starting';
  private epoch = -1;

  constructor(
    readonly ctx: ActorContext,
    private readonly options: BrokerActorOptions,
  ) {
    this.settings = options.settings;
    const id = this.settings.id;
    const alive = (): boolean => this.serverState !== 'stopped';
    this.network = new NetworkClient(ctx, (message) => this.handleMessage(ctx.id, message));
    this.zk = new KafkaZkClient(
      ctx,
      { servers: options.zookeeper, sessionTimeoutMs: this.settings.zookeeperSessionTimeoutMs },
      {
        onNewSession: () => this.onNewSession(),
        onSessionExpired: () => this.onSessionExpired(),
        onWatch: (event) => this.controller.onWatch(event) || this.configChanges.onWatch(event),
      },
    );
    this.logManager = new LogManager(ctx, id, this.settings.config);
    this.controller = new KafkaController(ctx, this.settings, this.zk, this.network);
    const send = (to: NodeId, message: object, sizeBytes: number): void => this.send(to, message, sizeBytes);
    const trace = new ReplicaTrace(ctx, id);
    const fetchPurgatory = new FetchPurgatory(ctx, { canComplete: (f) => this.requests.canCompleteFetch(f), complete: (f) => this.requests.completeFetch(f) });
    this.parts = {
      ctx,
      settings: this.settings,
      zk: this.zk,
      logManager: this.logManager,
      metadataCache: this.metadataCache,
      fetchers: new ReplicaFetcherManager(ctx, id, this.settings.config, this.network, {
        appended: (partition, batches, highWatermarkChanged) => this.followerAppended(partition.name, batches, highWatermarkChanged),
        truncated: (partition, truncation) => trace.truncation(partition, truncation),
        failed: (partition, detail) => ctx.trace.emit('replica-failed', { broker: id, partition: partition.name, detail }),
      }),
      fetchPurgatory,
      producePurgatory: new ProducePurgatory(ctx),
      trace,
      isrPropagation: null,
      onRoleChange: (partition, role, leaderEpoch) => {
        for (const plugin of this.plugins) plugin.onRoleChange?.(partition, role, leaderEpoch);
      },
    };
    this.replicaManager = new ReplicaManager(this.parts);
    this.configChanges = new ConfigChangeListener(this.zk, (topic, config) => this.replicaManager.setTopicConfig(topic, config), alive);
    this.requests = new ReplicaRequests(this.parts, this.replicaManager, send);
    this.parts.isrPropagation = this.isrPropagation(alive);
    const apisParts = { ctx, brokerId: id, metadataCache: this.metadataCache, replicaManager: this.replicaManager, requests: this.requests, controller: this.controller, alive };
    this.apis = new KafkaApis(apisParts, send, (from, request) => this.plugins.some((plugin) => plugin.handleRequest?.(from, request) === true));
    for (const factory of options.plugins ?? []) this.plugins.push(factory(this));
  }

  /** Sends a message from this broker (to itself over loopback); nothing once the process is stopping. */
  send(to: NodeId, message: object, sizeBytes: number): void {
    if (this.serverState !== 'stopped') sendOrLoop(this.ctx, to, message, sizeBytes, (looped) => this.handleMessage(this.ctx.id, looped));
  }

  /** AdminZkClient.createTopic run by this broker (Kafka creates internal topics such as __consumer_offsets so). */
  createTopic(topic: TopicDefinition, done: (result: TopicCreation) => void): void {
    runTask(createTopic(this.zk, topic, this.ctx.rng.fork(`topic/${topic.name}`)), done, () => this.serverState !== 'stopped', (error) => {
      done({ ok: false, error: 'INVALID_REPLICATION_FACTOR', detail: error.message });
    });
  }

  get state(): BrokerServerState {
    return this.serverState;
  }

  /** The broker epoch of the current registration (-1 while unregistered). */
  get brokerEpoch(): number {
    return this.epoch;
  }

  startup(): void {
    this.ctx.definePool(REQUEST_HANDLER_POOL, this.settings.config['num.io.threads']);
    this.logManager.loadLogs();
    this.zk.start();
    this.replicaManager.startup();
  }

  handleMessage(from: NodeId, message: unknown): void {
    if (this.serverState === 'stopped' || this.zk.handleMessage(from, message)) return;
    if (isKafkaResponse(message)) this.network.handleResponse(message);
    else if (isKafkaRequest(message)) this.apis.receive(from, message);
  }

  handleDisconnect(peer: NodeId, _reason: DisconnectReason): void {
    if (this.serverState === 'stopped' || this.zk.handleDisconnect(peer)) return;
    this.apis.handleDisconnect(peer);
    this.network.handleDisconnect(peer);
  }

  /** The process is being stopped by the machine. */
  stopped(): void {
    this.serverState = 'stopped';
  }

  /** KafkaServer.shutdown: controlled shutdown first (if enabled), then stop. */
  shutdown(): void {
    if (this.serverState === 'shutting-down' || this.serverState === 'stopped') return;
    this.serverState = 'shutting-down';
    runTask(this.shutdownTask(), () => undefined, () => this.serverState !== 'stopped');
  }

  private onNewSession(): void {
    const first = this.zk.sessions === 1;
    runTask(this.register(first), () => undefined, () => this.serverState !== 'stopped', (error) => {
      this.ctx.trace.emit('broker-registration-failed', { broker: this.settings.id, reason: error.message });
    });
  }

  private *register(first: boolean): Task<void> {
    if (first) yield* this.zk.createPersistentPaths(PERSISTENT_ZK_PATHS);
    const registration = paths.encodeBrokerRegistration({
      brokerId: this.settings.id,
      host: brokerNodeId(this.settings.id),
      port: 9092,
      rack: this.settings.rack,
      timestampMs: Math.floor(this.ctx.now / 1000),
    });
    const epoch = yield* registerBroker(this.zk, this.settings.id, registration);
    if (epoch === null) {
      this.fatal(`NodeExists: ${paths.brokerIdPath(this.settings.id)} is still held by a previous session`);
      return;
    }
    this.epoch = epoch;
    if (this.serverState === 'starting') this.serverState = 'running';
    this.ctx.trace.emit('broker-registered', { broker: this.settings.id, rack: this.settings.rack, brokerEpoch: epoch, session: this.zk.sessionId });
    this.configChanges.onNewSession();
    this.controller.elect();
  }

  private onSessionExpired(): void {
    this.epoch = -1;
    this.ctx.trace.emit('broker-session-expired', { broker: this.settings.id });
    this.controller.onSessionExpired();
  }

  /** A fatal startup error: Kafka logs it, shuts down what started, and the JVM exits. */
  private fatal(reason: string): void {
    this.ctx.trace.emit('broker-start-failed', { broker: this.settings.id, reason });
    this.stopEverything('failure');
  }

  private *shutdownTask(): Task<void> {
    const config = this.settings.config;
    if (config['controlled.shutdown.enable']) {
      let succeeded = false;
      let attempts = 0;
      while (!succeeded && attempts < config['controlled.shutdown.max.retries']) {
        attempts++;
        const response = yield* this.requestControlledShutdown();
        succeeded = response !== null && response.error === 'NONE' && response.remainingPartitions.length === 0;
        if (!succeeded) yield* wait<void>((resume) => this.ctx.setTimer(config['controlled.shutdown.retry.backoff.ms'] * 1000, () => resume()));
      }
      this.ctx.trace.emit('controlled-shutdown-done', { broker: this.settings.id, succeeded, attempts });
    }
    this.stopEverything('clean');
  }

  /** One ControlledShutdownRequest to the controller the metadata cache names; null if none answered. */
  private *requestControlledShutdown(): Task<ControlledShutdownResponse | null> {
    const controllerId = this.metadataCache.controllerId;
    if (controllerId < 0) return null;
    const request = { type: 'controlled-shutdown' as const, correlationId: this.network.correlationId(), brokerId: this.settings.id, brokerEpoch: this.epoch };
    return yield* wait<ControlledShutdownResponse | null>((resume) =>
      this.network.send<ControlledShutdownResponse>(brokerNodeId(controllerId), request, REQUEST_HEADER_BYTES, this.settings.config['controller.socket.timeout.ms'], resume, () => resume(null)),
    );
  }

  /** The end of KafkaServer.shutdown: checkpoints, controller, ZooKeeper session, process. */
  private stopEverything(status: 'clean' | 'failure'): void {
    // ReplicaManager.shutdown writes the high watermarks a last time.
    if (this.replicaManager.partitions.size > 0) this.logManager.checkpointHighWatermarks(this.replicaManager.highWatermarks());
    this.controller.shutdown();
    this.zk.close();
    this.ctx.trace.emit('broker-stopping', { broker: this.settings.id });
    const exit = this.options.exit;
    if (exit !== undefined) this.ctx.setTimer(0, () => exit(status));
    else this.serverState = 'stopped';
  }

  private followerAppended(name: string, batches: readonly LogBatch<BatchPayload>[], highWatermarkChanged: boolean): number {
    const partition = this.replicaManager.partitions.get(name);
    if (partition === undefined) return 0;
    // Each write returns the wait for the machine's whole excess over vm.dirty_ratio, which the
    // later writes include: the writer waits once for the largest, not once per batch.
    let blockedUs = 0;
    for (const batch of batches) blockedUs = Math.max(blockedUs, this.logManager.appended(name, batch));
    if (batches.length > 0 || highWatermarkChanged) this.parts.trace.offsetsChanged(partition);
    if (highWatermarkChanged) this.replicaManager.settle(name);
    return blockedUs;
  }

  private isrPropagation(alive: () => boolean): IsrPropagation {
    const hooks = {
      committed: this.replicaManager.isrChangeCommitted.bind(this.replicaManager),
      rejected: this.replicaManager.isrChangeRejected.bind(this.replicaManager),
    };
    if (this.settings.isrPropagation === 'zookeeper') return new ZkIsrManager(this.ctx, this.zk, hooks, alive);
    const link: ControllerLink = {
      controllerId: () => this.metadataCache.controllerId,
      brokerEpoch: () => this.epoch,
    };
    return new AlterIsrManager(this.ctx, this.settings.id, this.network, link, hooks, this.settings.config['controller.socket.timeout.ms']);
  }
}
