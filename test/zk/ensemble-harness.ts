// A ZooKeeper ensemble and its clients on the real virtual hardware (sim/hw World), for tests:
// servers zk-1…zk-N spread over racks, and client hosts (stand-ins for brokers) that embed a
// ZkClient exactly as a broker does and record what the client tells them.

import { Scheduler } from '../../sim/core/scheduler.ts';
import { createRng } from '../../sim/core/rng.ts';
import { MemorySink, Trace } from '../../sim/core/trace.ts';
import type { Actor, ActorContext, DisconnectReason, NodeId } from '../../sim/hw/actor.ts';
import { World } from '../../sim/hw/world.ts';
import { ZkClient } from '../../sim/zk/client.ts';
import type * as results from '../../sim/zk/client-results.ts';
import type { KeeperState, WatchedEvent } from '../../sim/zk/client-results.ts';
import type { CreateMode, WriteOp } from '../../sim/zk/types.ts';
import type { ZkCommitLedger } from '../../sim/zk/commit-ledger.ts';
import type { ZkEnsembleConfig, ZkEnsembleOptions } from '../../sim/zk/config.ts';
import { installZkEnsemble } from '../../sim/zk/ensemble.ts';
import type { ZkServer } from '../../sim/zk/server.ts';

/** A host actor embedding a ZooKeeper client, as a broker embeds Kafka's ZooKeeperClient. */
export class ZkClientHost implements Actor {
  client!: ZkClient;
  readonly sessionEvents: KeeperState[] = [];
  readonly watchEvents: WatchedEvent[] = [];
  ctx!: ActorContext;

  constructor(
    private readonly servers: readonly NodeId[],
    private readonly sessionTimeoutMs: number,
  ) {}

  onStart(ctx: ActorContext): void {
    this.ctx = ctx;
    this.client = new ZkClient({
      servers: this.servers,
      sessionTimeoutMs: this.sessionTimeoutMs,
      listener: {
        onSessionEvent: (state) => this.sessionEvents.push(state),
        onWatchEvent: (event) => this.watchEvents.push(event),
      },
    });
    this.client.start(ctx);
  }

  onMessage(from: NodeId, message: unknown): void {
    this.client.handleMessage(from, message);
  }

  onDisconnect(peer: NodeId, _reason: DisconnectReason): void {
    this.client.handleDisconnect(peer);
  }
}

export interface EnsembleOptions extends ZkEnsembleOptions {
  readonly servers: number;
  readonly clients?: readonly string[];
  /** Restricts a client's connect string to some servers (default: all of them). */
  readonly clientServers?: Readonly<Record<string, readonly NodeId[]>>;
  readonly sessionTimeoutMs?: number;
  readonly seed?: number | string;
  /** Record every network message in the trace (`msg` events typed by their `zk` tag). */
  readonly messages?: boolean;
}

export class ZkTestEnsemble {
  readonly scheduler: Scheduler;
  readonly sink = new MemorySink();
  readonly trace: Trace;
  readonly world: World;
  readonly config: ZkEnsembleConfig;
  readonly ledger: ZkCommitLedger;
  readonly servers: ZkServer[];
  readonly hosts = new Map<string, ZkClientHost>();

  constructor(options: EnsembleOptions) {
    this.scheduler = new Scheduler({ seed: options.seed ?? 1 });
    this.trace = new Trace(this.scheduler, { sinks: [this.sink], detail: options.messages ? 'full' : 'standard' });
    this.world = new World({
      scheduler: this.scheduler,
      trace: this.trace,
      rng: createRng(options.seed ?? 1),
      network: { messageType: (message) => (message as { zk?: string }).zk },
    });
    const ensemble = installZkEnsemble(this.world, {
      servers: Array.from({ length: options.servers }, (_, index) => ({ id: index + 1, rack: `r${(index % 3) + 1}` })),
      options,
    });
    this.config = ensemble.config;
    this.ledger = ensemble.ledger;
    this.servers = [...ensemble.servers];
    const nodes = ensemble.connectString;
    for (const [index, name] of (options.clients ?? []).entries()) {
      const host = new ZkClientHost(options.clientServers?.[name] ?? nodes, options.sessionTimeoutMs ?? 6000);
      this.world.addMachine({ id: name, rack: `r${(index % 3) + 1}`, actor: host });
      this.hosts.set(name, host);
    }
    for (const node of this.world.nodes()) this.world.start(node);
  }

  get nowMs(): number {
    return this.scheduler.now / 1000;
  }

  host(name: string): ZkClientHost {
    const host = this.hosts.get(name);
    if (!host) throw new Error(`no client host ${name}`);
    return host;
  }

  client(name: string): ZkClient {
    return this.host(name).client;
  }

  server(sid: number): ZkServer {
    return this.servers[sid - 1] as ZkServer;
  }

  isUp(node: NodeId): boolean {
    return this.world.machine(node).state === 'up';
  }

  /** The sid of the established leader among running servers, if exactly one serves as leader. */
  leader(): number | null {
    const leaders = this.servers.filter((server) => this.isUp(`zk-${server.sid}`) && server.state === 'LEADING' && server.serving);
    return leaders.length === 1 ? (leaders[0] as ZkServer).sid : null;
  }

  runForMs(ms: number): void {
    this.world.runUntil(this.scheduler.now + ms * 1000);
  }

  /** Runs until `done()` holds, checking every 10 ms, for at most `limitMs`; returns whether it did. */
  runUntil(done: () => boolean, limitMs = 120_000): boolean {
    const deadlineUs = this.scheduler.now + limitMs * 1000;
    while (!done()) {
      if (this.scheduler.now >= deadlineUs) return false;
      this.world.runUntil(Math.min(deadlineUs, this.scheduler.now + 10_000));
    }
    return true;
  }

  /** Issues a client call and runs the simulation until its callback fires. */
  call<R>(name: string, issue: (client: ZkClient, done: (result: R) => void) => void, limitMs = 120_000): R {
    let result: R | undefined;
    let answered = false;
    issue(this.client(name), (value) => {
      result = value;
      answered = true;
    });
    if (!this.runUntil(() => answered, limitMs)) throw new Error(`no answer within ${limitMs} ms`);
    return result as R;
  }

  /** A client's API with each call run to its answer (the simulation advances meanwhile). */
  sync(name: string) {
    return {
      create: (path: string, data: string, mode: CreateMode) =>
        this.call<results.CreateResult>(name, (client, done) => client.create(path, data, mode, done)),
      delete: (path: string, version: number) => this.call<results.DeleteResult>(name, (client, done) => client.delete(path, version, done)),
      setData: (path: string, data: string, version: number) =>
        this.call<results.SetDataResult>(name, (client, done) => client.setData(path, data, version, done)),
      getData: (path: string, watch = false) => this.call<results.GetDataResult>(name, (client, done) => client.getData(path, watch, done)),
      exists: (path: string, watch = false) => this.call<results.ExistsResult>(name, (client, done) => client.exists(path, watch, done)),
      getChildren: (path: string, watch = false) =>
        this.call<results.GetChildrenResult>(name, (client, done) => client.getChildren(path, watch, done)),
      multi: (ops: readonly WriteOp[]) => this.call<results.MultiResult>(name, (client, done) => client.multi(ops, done)),
    };
  }

  /** Events of one kind from the trace. */
  events(kind: string): Record<string, unknown>[] {
    return this.sink.events.filter((event) => event.k === kind);
  }
}
