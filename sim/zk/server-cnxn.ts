// The client-facing side of one ZooKeeper server: its connections (NIOServerCnxn), the handshake
// (ZooKeeperServer.processConnectRequest), per-session request ordering (CommitProcessor) and the
// answers and watch notifications (FinalRequestProcessor), for ZooKeeper 3.5–3.8.
//
// - A server that is not serving (LOOKING, or still syncing) closes new connections at once, so
//   clients move on to another server. When it stops serving it closes every client connection.
// - A connecting client that has seen a later zxid than this server has applied is refused ("client
//   must try another server"), so a client never travels back in time.
// - A new session gets an id from this server (its myid in the top byte) and is created by a
//   createSession txn through the leader; the client hears back once it commits. A reconnecting
//   session is revalidated with the leader: alive ⇒ the negotiated timeout, expired ⇒ 0.
// - Every packet from a client touches its session. Writes are forwarded to the leader at once, in
//   order; reads and pings are answered in order behind the session's pending writes, from this
//   server's tree — which may lag the leader's, so reads may be stale.
// - When a txn is applied, its watch events go out first, then the answer to the client that sent
//   it. When a session's closeSession is applied, its connection is closed: an expired client
//   finds out when it reconnects.
// - SetWatches re-registers a reconnected client's watches, firing at once those whose node changed
//   after the client's last seen zxid (DataTree.setWatches).

import { assert } from '../core/assert.ts';
import type { ActorContext, NodeId } from '../hw/actor.ts';
import { negotiateSessionTimeoutMs, type ZkEnsembleConfig } from './config.ts';
import type { ZkDatabase } from './database.ts';
import { messageBytes, type ClientRequest, type ClientToServer, type ConnectRequest, type ServerToClient, type SetWatches } from './protocol.ts';
import type { QuorumRole } from './quorum-role.ts';
import { isReadOp, type ClientOp, type SessionId, type Txn, type TxnBody, type TxnOutcome, type WatchEventType } from './types.ts';
import { WatchManager } from './watch-manager.ts';

/** Requests one connection may have queued on a server (ClientCnxn bounds its own side too). */
export const MAX_QUEUED_REQUESTS_PER_CONNECTION = 100_000;
/** Sessions one server incarnation may create (the low bits of its session ids). */
const MAX_SESSIONS_PER_INCARNATION = 2 ** 20;

type QueuedKind = 'write' | 'read' | 'ping';

interface QueuedRequest {
  readonly kind: QueuedKind;
  readonly xid: number;
  readonly op: ClientOp | null;
  answer: ServerToClient | null;
}

interface Connection {
  readonly node: NodeId;
  readonly sessionId: SessionId;
  readonly timeoutMs: number;
  open: boolean;
  readonly queue: QueuedRequest[];
}

export interface ServerCnxnHost {
  readonly ctx: ActorContext;
  readonly sid: number;
  readonly config: ZkEnsembleConfig;
  readonly db: ZkDatabase;
  /** The role, when it is serving clients. */
  servingRole(): QuorumRole | null;
}

export class ServerCnxns {
  private readonly connections = new Map<NodeId, Connection>();
  private readonly nodeBySession = new Map<SessionId, NodeId>();
  private readonly watches = new WatchManager<NodeId>();
  private sessionsCreated = 0;
  private readonly sessionBase: number;

  constructor(private readonly host: ServerCnxnHost) {
    // ZooKeeper seeds session ids with its clock (SessionTrackerImpl.initializeNextSession) so an
    // id is never reused across restarts of the same server.
    this.sessionBase = Math.floor(host.ctx.now / 1000) * MAX_SESSIONS_PER_INCARNATION;
  }

  onMessage(from: NodeId, message: ClientToServer): void {
    if (message.zk === 'connect') return this.onConnect(from, message);
    const connection = this.connections.get(from);
    const role = this.host.servingRole();
    if (!connection || !connection.open || !role) {
      this.close(from);
      return;
    }
    role.touch(connection.sessionId, connection.timeoutMs);
    if (message.zk === 'set-watches') return this.setWatches(from, message);
    if (message.zk === 'ping') this.enqueue(connection, { kind: 'ping', xid: -2, op: null, answer: null });
    else this.onRequest(role, connection, message);
    this.pump(connection);
  }

  onDisconnect(peer: NodeId): void {
    this.forget(peer);
  }

  /** The server stopped serving: every client must go elsewhere. */
  closeAll(): void {
    for (const node of [...this.connections.keys()]) this.close(node);
  }

  /** FinalRequestProcessor for a txn applied on this server. */
  applied(txn: Txn, outcome: TxnOutcome): void {
    for (const trigger of outcome.triggers) {
      for (const node of this.watches.fire(trigger)) this.send(node, { zk: 'watch', type: trigger.type, path: trigger.path });
    }
    const node = this.nodeBySession.get(txn.sessionId);
    const connection = node === undefined ? undefined : this.connections.get(node);
    if (!connection || connection.sessionId !== txn.sessionId) return;
    const body = txn.body;
    if (body.type === 'createSession') {
      connection.open = true;
      this.send(connection.node, { zk: 'connected', sessionId: txn.sessionId, timeoutMs: connection.timeoutMs });
      return;
    }
    const request = connection.queue.find((queued) => queued.kind === 'write' && queued.xid === txn.cxid && queued.answer === null);
    if (request) {
      request.answer = { zk: 'reply', xid: txn.cxid, zxid: txn.zxid, err: outcome.err, results: outcome.results, read: null };
      this.pump(connection);
    }
    if (body.type === 'closeSession') this.close(connection.node);
  }

  private onConnect(from: NodeId, request: ConnectRequest): void {
    this.forget(from);
    const role = this.host.servingRole();
    const db = this.host.db;
    if (!role || request.lastZxidSeen > db.lastProcessedZxid) {
      this.host.ctx.closeConnection(from);
      return;
    }
    const timeoutMs = negotiateSessionTimeoutMs(this.host.config, request.timeoutMs);
    if (request.sessionId === null) {
      const sessionId = this.newSessionId();
      this.track({ node: from, sessionId, timeoutMs, open: false, queue: [] });
      role.submit(sessionId, 0, { type: 'createSession', timeoutMs, owner: request.owner });
      return;
    }
    const connection: Connection = { node: from, sessionId: request.sessionId, timeoutMs, open: false, queue: [] };
    this.track(connection);
    role.revalidate(request.sessionId, timeoutMs, (valid) => {
      if (this.connections.get(from) !== connection) return;
      if (valid) {
        connection.open = true;
        this.send(from, { zk: 'connected', sessionId: connection.sessionId, timeoutMs });
      } else {
        this.send(from, { zk: 'connected', sessionId: connection.sessionId, timeoutMs: 0 });
        this.forget(from);
      }
    });
  }

  private onRequest(role: QuorumRole, connection: Connection, request: ClientRequest): void {
    const op = request.op;
    if (isReadOp(op)) {
      this.enqueue(connection, { kind: 'read', xid: request.xid, op, answer: null });
      return;
    }
    this.enqueue(connection, { kind: 'write', xid: request.xid, op, answer: null });
    const body: TxnBody = op.type === 'closeSession' ? { type: 'closeSession', reason: 'closed' } : op;
    role.submit(connection.sessionId, request.xid, body);
  }

  /** Answers, in order, every request at the head of the queue that can be answered now. */
  private pump(connection: Connection): void {
    const queue = connection.queue;
    while (queue.length > 0) {
      const head = queue[0] as QueuedRequest;
      if (head.kind === 'write' && head.answer === null) return;
      queue.shift();
      if (this.connections.get(connection.node) !== connection) return;
      this.send(connection.node, head.answer ?? this.answerNow(connection, head));
    }
  }

  private answerNow(connection: Connection, request: QueuedRequest): ServerToClient {
    const tree = this.host.db.tree;
    const zxid = this.host.db.lastProcessedZxid;
    if (request.kind === 'ping' || request.op === null || !isReadOp(request.op)) return { zk: 'pong', zxid };
    const op = request.op;
    const { err, result } = tree.read(op);
    if (op.watch && (err === 'OK' || (err === 'NONODE' && op.type === 'exists'))) {
      if (op.type === 'getChildren') this.watches.addChildWatch(op.path, connection.node);
      else this.watches.addDataWatch(op.path, connection.node);
    }
    return { zk: 'reply', xid: request.xid, zxid, err, results: [], read: result };
  }

  private setWatches(from: NodeId, message: SetWatches): void {
    const tree = this.host.db.tree;
    const relative = message.relativeZxid;
    const fire = (type: WatchEventType, path: string): void => this.send(from, { zk: 'watch', type, path });
    for (const path of message.dataWatches) {
      const stat = tree.stat(path);
      if (!stat) fire('NodeDeleted', path);
      else if (stat.mzxid > relative) fire('NodeDataChanged', path);
      else this.watches.addDataWatch(path, from);
    }
    for (const path of message.existWatches) {
      if (tree.stat(path)) fire('NodeCreated', path);
      else this.watches.addDataWatch(path, from);
    }
    for (const path of message.childWatches) {
      const stat = tree.stat(path);
      if (!stat) fire('NodeDeleted', path);
      else if (stat.pzxid > relative) fire('NodeChildrenChanged', path);
      else this.watches.addChildWatch(path, from);
    }
  }

  private enqueue(connection: Connection, request: QueuedRequest): void {
    assert(connection.queue.length < MAX_QUEUED_REQUESTS_PER_CONNECTION, () => `${connection.node} queued too many ZooKeeper requests`);
    connection.queue.push(request);
  }

  private track(connection: Connection): void {
    this.connections.set(connection.node, connection);
    this.nodeBySession.set(connection.sessionId, connection.node);
  }

  private close(node: NodeId): void {
    this.forget(node);
    this.host.ctx.closeConnection(node);
  }

  private forget(node: NodeId): void {
    const connection = this.connections.get(node);
    if (!connection) return;
    this.connections.delete(node);
    if (this.nodeBySession.get(connection.sessionId) === node) this.nodeBySession.delete(connection.sessionId);
    this.watches.removeWatcher(node);
  }

  private send(node: NodeId, message: ServerToClient): void {
    this.host.ctx.send(node, message, messageBytes(message));
  }

  private newSessionId(): SessionId {
    assert(this.sessionsCreated < MAX_SESSIONS_PER_INCARNATION, 'a ZooKeeper server created too many sessions in one incarnation');
    const low = this.sessionBase + this.sessionsCreated++;
    return `0x${this.host.sid.toString(16).padStart(2, '0')}${low.toString(16).padStart(14, '0')}`;
  }
}
