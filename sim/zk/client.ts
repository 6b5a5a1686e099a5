// The ZooKeeper client library (org.apache.zookeeper.ZooKeeper and ClientCnxn, 3.5–3.8) as an
// object that lives inside a host actor — a Kafka broker — and talks through the host's
// ActorContext. The host routes to it: `handleMessage(from, msg)` and `handleDisconnect(peer)`
// return true when the message or connection was ZooKeeper's.
//
// Connection management (ClientCnxn.SendThread, StaticHostProvider):
// - the server list is shuffled once; the client connects to one server at a time, trying the
//   next on failure, after a random 0–1 s pause, and an extra 1 s once it has cycled through all;
// - a handshake must complete within connectTimeout = sessionTimeout / #servers;
// - once connected, it pings when it has sent nothing for readTimeout/2 minus 1 s (readTimeout =
//   2/3 of the negotiated timeout, so about every third of it), at least every 10 s, and gives the
//   server up when it has heard nothing for readTimeout;
// - on reconnecting it presents its session id and last seen zxid: a live session is resumed
//   (with its ephemeral znodes), its watches re-registered with SetWatches; an expired one is
//   reported as Expired and the client is dead — the host must start a new session, as Kafka's
//   ZooKeeperClient does by creating a new ZooKeeper instance.
// A disconnect fails every request in flight or queued with CONNECTIONLOSS (ClientCnxn.cleanup);
// requests made while connecting wait for the connection; requests after expiry or close get
// SESSIONEXPIRED. Results are delivered in request order, watch events before the results of
// later requests. Disconnected is announced once per lost connection (ZooKeeper repeats it on
// every failed attempt). Simplified: no chroot, auth, read-only mode or request timeouts.

import { assert } from '../core/assert.ts';
import type { Rng } from '../core/rng.ts';
import type { TimerId } from '../core/scheduler.ts';
import type { ActorContext, NodeId } from '../hw/actor.ts';
import * as results from './client-results.ts';
import { isServerToClient, isZkMessage, messageBytes, type ClientReply, type ClientToServer, type ConnectResponse, type WatchNotification } from './protocol.ts';
import type { ClientOp, CreateMode, WriteOp } from './types.ts';

/** Requests queued or in flight before the host is considered runaway (Kafka sends at most 10). */
export const MAX_CLIENT_REQUESTS = 100_000;
/** ClientCnxn.SendThread's random pause before reconnecting, and StaticHostProvider's spinDelay. */
const RECONNECT_JITTER_MS = 1000;
const SPIN_DELAY_MS = 1000;
/** ClientCnxn.MAX_SEND_PING_INTERVAL. */
const MAX_SEND_PING_INTERVAL_MS = 10_000;

export type ZkClientState = 'connecting' | 'connected' | 'expired' | 'closed';

export interface ZkClientOptions {
  /** The ensemble's servers (zookeeper.connect). */
  readonly servers: readonly NodeId[];
  /** The session timeout asked for; the server clamps it to [2, 20] ticks. */
  readonly sessionTimeoutMs: number;
  readonly listener?: results.ZkClientListener;
}

interface Request {
  readonly xid: number;
  readonly op: ClientOp;
  readonly done: (answer: results.RawAnswer) => void;
}

/** The ping interval ClientCnxn ends up with for a read timeout (its `timeToNextPing` rule). */
export function pingIntervalMs(readTimeoutMs: number): number {
  const half = Math.floor(readTimeoutMs / 2);
  const interval = half <= 1000 ? half : Math.max(1001, half - 1000);
  return Math.min(interval, MAX_SEND_PING_INTERVAL_MS + 1);
}

export class ZkClient {
  private ctx: ActorContext | null = null;
  private rng: Rng | null = null;
  private hosts: NodeId[] = [];
  private hostIndex = -1;
  private lastConnectedIndex = -1;
  private clientState: ZkClientState = 'closed';
  private server: NodeId | null = null;
  private handshaking = false;
  private session: string | null = null;
  private timeoutMs: number;
  private lastZxid = 0;
  private nextXid = 1;
  private readonly outgoing: Request[] = [];
  private readonly pending: Request[] = [];
  private readonly dataWatches = new Set<string>();
  private readonly existWatches = new Set<string>();
  private readonly childWatches = new Set<string>();
  private lastSendUs = 0;
  private livenessTimer: TimerId | null = null;
  private pingTimer: TimerId | null = null;
  private reconnectTimer: TimerId | null = null;
  private closeRequested = false;

  constructor(private readonly options: ZkClientOptions) {
    assert(options.servers.length > 0, 'a ZooKeeper client needs at least one server');
    this.timeoutMs = options.sessionTimeoutMs;
  }

  get state(): ZkClientState {
    return this.clientState;
  }

  /** The session id once established ("0x…"), else null. */
  get sessionId(): string | null {
    return this.session;
  }

  /** The negotiated session timeout (the requested one until a server answers). */
  get sessionTimeoutMs(): number {
    return this.timeoutMs;
  }

  /** The server this client is connected (or connecting) to. */
  get connectedServer(): NodeId | null {
    return this.server;
  }

  /** Starts a new session through the host's context (host onStart, or after Expired). */
  start(ctx: ActorContext): void {
    assert(this.clientState === 'closed' || this.clientState === 'expired', () => `ZkClient.start while ${this.clientState}`);
    this.ctx = ctx;
    this.rng ??= ctx.rng.fork('zk-client');
    this.hosts = this.rng.shuffle([...this.options.servers]);
    this.hostIndex = -1;
    this.lastConnectedIndex = -1;
    this.session = null;
    this.timeoutMs = this.options.sessionTimeoutMs;
    this.lastZxid = 0;
    this.closeRequested = false;
    for (const set of [this.dataWatches, this.existWatches, this.childWatches]) set.clear();
    this.clientState = 'connecting';
    this.connectNext(true);
  }

  /** Closes the session (its ephemeral znodes go at once), as ZooKeeper.close(). */
  close(): void {
    if (this.clientState === 'expired' || this.clientState === 'closed') return;
    if (this.clientState === 'connected') {
      this.closeRequested = true;
      this.submit({ type: 'closeSession' }, () => this.terminate('closed'));
    } else {
      this.terminate('closed');
    }
  }

  // The API: asynchronous, one callback per request, watches reported to the listener.

  create(path: string, data: string, mode: CreateMode, callback: (result: results.CreateResult) => void): void {
    this.submit({ type: 'create', path, data, mode }, (answer) => callback(results.toCreateResult(answer)));
  }

  delete(path: string, version: number, callback: (result: results.DeleteResult) => void): void {
    this.submit({ type: 'delete', path, version }, (answer) => callback({ err: answer.err }));
  }

  setData(path: string, data: string, version: number, callback: (result: results.SetDataResult) => void): void {
    this.submit({ type: 'setData', path, data, version }, (answer) => callback(results.toSetDataResult(answer)));
  }

  getData(path: string, watch: boolean, callback: (result: results.GetDataResult) => void): void {
    this.submit({ type: 'getData', path, watch }, (answer) => callback(results.toGetDataResult(answer)));
  }

  exists(path: string, watch: boolean, callback: (result: results.ExistsResult) => void): void {
    this.submit({ type: 'exists', path, watch }, (answer) => callback(results.toExistsResult(answer)));
  }

  getChildren(path: string, watch: boolean, callback: (result: results.GetChildrenResult) => void): void {
    this.submit({ type: 'getChildren', path, watch }, (answer) => callback(results.toGetChildrenResult(answer)));
  }

  multi(ops: readonly WriteOp[], callback: (result: results.MultiResult) => void): void {
    this.submit({ type: 'multi', ops }, (answer) => callback({ err: answer.err, results: answer.results }));
  }

  /** Routes a message from the host; true when it was ZooKeeper's. */
  handleMessage(from: NodeId, message: unknown): boolean {
    if (!isZkMessage(message) || !isServerToClient(message) || !this.options.servers.includes(from)) return false;
    if (from !== this.server || this.ctx === null) return true;
    this.armLiveness(this.handshaking ? this.connectTimeoutMs() : this.readTimeoutMs());
    switch (message.zk) {
      case 'connected':
        this.onConnected(message);
        break;
      case 'reply':
        this.onReply(message);
        break;
      case 'pong':
        if (message.zxid > 0) this.lastZxid = message.zxid;
        break;
      case 'watch':
        this.onWatch(message);
        break;
    }
    return true;
  }

  /** Routes a connection loss from the host; true when the peer is a ZooKeeper server. */
  handleDisconnect(peer: NodeId): boolean {
    if (!this.options.servers.includes(peer)) return false;
    if (peer === this.server) this.disconnect(false);
    return true;
  }

  private submit(op: ClientOp, done: (answer: results.RawAnswer) => void): void {
    if (this.clientState === 'expired' || this.clientState === 'closed' || (this.closeRequested && op.type !== 'closeSession')) {
      done({ err: 'SESSIONEXPIRED', results: [], read: null });
      return;
    }
    assert(this.outgoing.length + this.pending.length < MAX_CLIENT_REQUESTS, () => `more than ${MAX_CLIENT_REQUESTS} ZooKeeper requests outstanding`);
    const request: Request = { xid: this.nextXid++, op, done };
    if (this.clientState === 'connected') this.sendRequest(request);
    else this.outgoing.push(request);
  }

  private sendRequest(request: Request): void {
    this.pending.push(request);
    this.send({ zk: 'request', xid: request.xid, op: request.op });
  }

  private onConnected(response: ConnectResponse): void {
    if (!this.handshaking) return;
    if (response.timeoutMs <= 0) {
      this.terminate('expired');
      return;
    }
    this.handshaking = false;
    this.session = response.sessionId;
    this.timeoutMs = response.timeoutMs;
    this.lastConnectedIndex = this.hostIndex;
    this.clientState = 'connected';
    this.armLiveness(this.readTimeoutMs());
    if (this.dataWatches.size + this.existWatches.size + this.childWatches.size > 0) {
      this.send({
        zk: 'set-watches',
        relativeZxid: this.lastZxid,
        dataWatches: [...this.dataWatches],
        existWatches: [...this.existWatches],
        childWatches: [...this.childWatches],
      });
    }
    for (const request of this.outgoing.splice(0)) this.sendRequest(request);
    if (this.pingTimer === null) this.armPing();
    this.options.listener?.onSessionEvent?.('SyncConnected');
  }

  private onReply(reply: ClientReply): void {
    const request = this.pending.shift();
    assert(request !== undefined && request.xid === reply.xid, () => `ZooKeeper reply xid ${reply.xid} out of order`);
    if (reply.zxid > 0) this.lastZxid = reply.zxid;
    const op = request.op;
    if ((op.type === 'getData' || op.type === 'exists' || op.type === 'getChildren') && op.watch) {
      if (op.type === 'getChildren' && reply.err === 'OK') this.childWatches.add(op.path);
      else if (op.type !== 'getChildren' && reply.err === 'OK') this.dataWatches.add(op.path);
      else if (op.type === 'exists' && reply.err === 'NONODE') this.existWatches.add(op.path);
    }
    request.done({ err: reply.err, results: reply.results, read: reply.read });
  }

  /** ZKWatchManager.materialize: the event consumes the client's record of the watch. */
  private onWatch(notification: WatchNotification): void {
    const path = notification.path;
    if (notification.type !== 'NodeChildrenChanged') {
      this.dataWatches.delete(path);
      this.existWatches.delete(path);
    }
    if (notification.type === 'NodeChildrenChanged' || notification.type === 'NodeDeleted') this.childWatches.delete(path);
    this.options.listener?.onWatchEvent?.({ type: notification.type, path });
  }

  /** Gives up the current server (or handshake) and moves on to the next one. */
  private disconnect(closeOurSide: boolean): void {
    const ctx = this.ctx as ActorContext;
    const wasConnected = this.clientState === 'connected';
    if (closeOurSide && this.server !== null) ctx.closeConnection(this.server);
    this.server = null;
    this.handshaking = false;
    this.cancelTimers();
    if (this.closeRequested) {
      this.terminate('closed');
      return;
    }
    this.clientState = 'connecting';
    this.failAll('CONNECTIONLOSS');
    if (wasConnected) this.options.listener?.onSessionEvent?.('Disconnected');
    if (this.clientState === 'connecting' && this.server === null && this.reconnectTimer === null) this.connectNext(false);
  }

  /** The session is over (expired or closed): fail everything and stop. */
  private terminate(state: 'expired' | 'closed'): void {
    const ctx = this.ctx as ActorContext;
    if (this.server !== null) ctx.closeConnection(this.server);
    this.server = null;
    this.handshaking = false;
    this.cancelTimers();
    this.clientState = state;
    this.failAll('SESSIONEXPIRED');
    if (state === 'expired') this.options.listener?.onSessionEvent?.('Expired');
  }

  private failAll(err: 'CONNECTIONLOSS' | 'SESSIONEXPIRED'): void {
    const failed = [...this.pending.splice(0), ...this.outgoing.splice(0)];
    for (const request of failed) request.done({ err, results: [], read: null });
  }

  /** StaticHostProvider.next plus SendThread's pause before a reconnect. */
  private connectNext(firstAttempt: boolean): void {
    const ctx = this.ctx as ActorContext;
    this.hostIndex = (this.hostIndex + 1) % this.hosts.length;
    let delayMs = firstAttempt ? 0 : (this.rng as Rng).int(RECONNECT_JITTER_MS);
    if (this.hostIndex === this.lastConnectedIndex) delayMs += SPIN_DELAY_MS;
    if (this.lastConnectedIndex === -1) this.lastConnectedIndex = 0;
    this.reconnectTimer = ctx.setTimer(delayMs * 1000, () => {
      this.reconnectTimer = null;
      if (this.clientState !== 'connecting') return;
      this.server = this.hosts[this.hostIndex] as NodeId;
      this.handshaking = true;
      this.send({ zk: 'connect', sessionId: this.session, timeoutMs: this.timeoutMs, lastZxidSeen: this.lastZxid, owner: ctx.id });
      this.armLiveness(this.connectTimeoutMs());
    });
  }

  private send(message: ClientToServer): void {
    const ctx = this.ctx as ActorContext;
    ctx.send(this.server as NodeId, message, messageBytes(message));
    this.lastSendUs = ctx.now;
    if (!this.handshaking && this.pingTimer === null) this.armPing();
  }

  private armPing(): void {
    const ctx = this.ctx as ActorContext;
    const dueUs = this.lastSendUs + pingIntervalMs(this.readTimeoutMs()) * 1000;
    this.pingTimer = ctx.setTimer(Math.max(0, dueUs - ctx.now), () => {
      this.pingTimer = null;
      if (this.clientState !== 'connected') return;
      if (ctx.now >= this.lastSendUs + pingIntervalMs(this.readTimeoutMs()) * 1000) this.send({ zk: 'ping' });
      else this.armPing();
    });
  }

  /** No byte from the server within `delayMs` ⇒ it is given up ("Client session timed out"). */
  private armLiveness(delayMs: number): void {
    const ctx = this.ctx as ActorContext;
    if (this.livenessTimer !== null) ctx.cancelTimer(this.livenessTimer);
    this.livenessTimer = ctx.setTimer(Math.round(delayMs * 1000), () => {
      this.livenessTimer = null;
      this.disconnect(true);
    });
  }

  private cancelTimers(): void {
    const ctx = this.ctx as ActorContext;
    for (const timer of [this.livenessTimer, this.pingTimer, this.reconnectTimer]) if (timer !== null) ctx.cancelTimer(timer);
    this.livenessTimer = null;
    this.pingTimer = null;
    this.reconnectTimer = null;
  }

  private readTimeoutMs(): number {
    return Math.floor((this.timeoutMs * 2) / 3);
  }

  private connectTimeoutMs(): number {
    return Math.floor(this.timeoutMs / this.hosts.length);
  }
}
