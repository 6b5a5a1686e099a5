// The broker's ZooKeeper access: kafka.zookeeper.ZooKeeperClient and kafka.zk.KafkaZkClient
// (Kafka 2.8), over the simulated ZooKeeper client library (sim/zk/client.ts).
//
// - Session: one ZooKeeper session at a time. When it expires, the handlers hear it first
//   (beforeInitializingSession: the controller resigns), then a new session is started and, once
//   connected, they hear of it (afterInitializingSession: register the broker again, re-elect).
// - retryRequestsUntilConnected: a request that fails with CONNECTIONLOSS is sent again; the client
//   library holds it until it is connected again, so this waits without polling. An expired
//   session answers SESSIONEXPIRED, which ends the caller's task.
// The Kafka-level operations (registration, controller election, partition state) are in
// kafka-zk-ops.ts; the znode layout and its JSON in sim/zk/paths.ts.

import type { ActorContext, NodeId } from '../hw/actor.ts';
import type {
  CreateResult,
  DeleteResult,
  ExistsResult,
  GetChildrenResult,
  GetDataResult,
  MultiResult,
  SetDataResult,
  WatchedEvent,
} from '../zk/client-results.ts';
import { ZkClient } from '../zk/client.ts';
import { ancestorPaths } from '../zk/paths.ts';
import type { CreateMode, WriteOp, ZkErrorCode } from '../zk/types.ts';
import { TaskAborted, wait, type Await, type Task } from './task.ts';

export interface KafkaZkHandlers {
  /** A session was established: the first, or a new one after an expiry. */
  onNewSession(): void;
  /** The session expired (its ephemeral znodes are gone); a new one is being created. */
  onSessionExpired(): void;
  onWatch(event: WatchedEvent): void;
}

export interface KafkaZkClientOptions {
  readonly servers: readonly NodeId[];
  readonly sessionTimeoutMs: number;
}

export class KafkaZkClient {
  private readonly client: ZkClient;
  private currentSession: string | null = null;
  private sessionCount = 0;
  private closed = false;

  constructor(
    private readonly ctx: ActorContext,
    options: KafkaZkClientOptions,
    private readonly handlers: KafkaZkHandlers,
  ) {
    this.client = new ZkClient({
      servers: options.servers,
      sessionTimeoutMs: options.sessionTimeoutMs,
      listener: {
        onSessionEvent: (state) => this.onSessionEvent(state),
        onWatchEvent: (event) => this.handlers.onWatch(event),
      },
    });
  }

  start(): void {
    this.client.start(this.ctx);
  }

  /** ZooKeeper.close(): the session ends now and its ephemeral znodes go at once. */
  close(): void {
    this.closed = true;
    this.client.close();
  }

  get sessionId(): string | null {
    return this.client.sessionId;
  }

  /** Sessions established so far by this incarnation. */
  get sessions(): number {
    return this.sessionCount;
  }

  get connected(): boolean {
    return this.client.state === 'connected';
  }

  handleMessage(from: NodeId, message: unknown): boolean {
    return this.client.handleMessage(from, message);
  }

  handleDisconnect(peer: NodeId): boolean {
    return this.client.handleDisconnect(peer);
  }

  getData(path: string, watch = false): Await<GetDataResult> {
    return this.retried((done) => this.client.getData(path, watch, done));
  }

  getChildren(path: string, watch = false): Await<GetChildrenResult> {
    return this.retried((done) => this.client.getChildren(path, watch, done));
  }

  exists(path: string, watch = false): Await<ExistsResult> {
    return this.retried((done) => this.client.exists(path, watch, done));
  }

  create(path: string, data: string, mode: CreateMode): Await<CreateResult> {
    return this.retried((done) => this.client.create(path, data, mode, done));
  }

  setData(path: string, data: string, version: number): Await<SetDataResult> {
    return this.retried((done) => this.client.setData(path, data, version, done));
  }

  delete(path: string, version: number): Await<DeleteResult> {
    return this.retried((done) => this.client.delete(path, version, done));
  }

  multi(ops: readonly WriteOp[]): Await<MultiResult> {
    return this.retried((done) => this.client.multi(ops, done));
  }

  /** createRecursive of each path and its ancestors; existing ones are fine. */
  *createPersistentPaths(paths: readonly string[]): Task<void> {
    const all = [...new Set(paths.flatMap((path) => [...ancestorPaths(path), path]))];
    for (const path of all) {
      const result = yield* wait(this.create(path, '', 'persistent'));
      if (result.err !== 'OK' && result.err !== 'NODEEXISTS') throw zkError(result.err, 'create', path);
    }
  }

  /** retryRequestsUntilConnected (see the header). */
  private retried<R extends { readonly err: ZkErrorCode }>(issue: (done: (result: R) => void) => void): Await<R> {
    return (resume) => {
      const attempt = (): void =>
        issue((result) => {
          if (result.err === 'CONNECTIONLOSS' && !this.closed) attempt();
          else resume(result);
        });
      attempt();
    };
  }

  private onSessionEvent(state: 'SyncConnected' | 'Disconnected' | 'Expired'): void {
    if (state === 'SyncConnected') {
      const session = this.client.sessionId;
      if (session === this.currentSession) return;
      this.currentSession = session;
      this.sessionCount++;
      this.handlers.onNewSession();
    } else if (state === 'Expired' && !this.closed) {
      // ZooKeeperClient.reinitialize: the handlers first, then a new ZooKeeper session.
      this.handlers.onSessionExpired();
      this.client.start(this.ctx);
    }
  }
}

/** A KeeperException thrown out of a task. */
export function zkError(err: ZkErrorCode, operation: string, path: string): TaskAborted {
  return new TaskAborted(`ZooKeeper ${operation} ${path}: ${err}`);
}
