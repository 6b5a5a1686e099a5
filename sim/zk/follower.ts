// A ZooKeeper follower: Follower.followLeader and Learner of ZooKeeper 3.5–3.8.
//
// Discovery: it sends FOLLOWERINFO with its acceptedEpoch; the leader answers LEADERINFO with the
// new epoch, which the follower accepts (persisting acceptedEpoch) and acknowledges with its
// currentEpoch and last logged zxid — or refuses, going back to LOOKING, if it has already
// accepted a newer epoch. Synchronisation: DIFF, TRUNC or SNAP brings its log in line with the
// leader's; NEWLEADER sets its currentEpoch; its ACK is sent once the log is fsynced; UPTODATE
// says what is committed, and the follower starts serving clients. Broadcast: each PROPOSAL is
// logged and acknowledged after its fsync, each COMMIT applied in order. Every PING is answered
// with the sessions its clients touched since the last one, which is how the leader learns that
// sessions connected to followers are alive. Writes and session changes from its clients are
// forwarded to the leader (FollowerRequestProcessor); reconnecting sessions are revalidated with
// the leader. If the leader is silent for initLimit ticks (while syncing) or syncLimit ticks
// (after), or the connection breaks, the follower gives up and looks for a new leader.

import { assert } from '../core/assert.ts';
import type { TimerId } from '../core/scheduler.ts';
import { tickUs } from './config.ts';
import type { PeerMessage, SyncMessage } from './protocol.ts';
import { MAX_TOUCHED_SESSIONS, type QuorumHost, type QuorumRole } from './quorum-role.ts';
import { formatZxid, zxidEpoch, type SessionId, type Txn, type TxnBody } from './types.ts';

type FollowerPhase = 'discovery' | 'syncing' | 'broadcast';

/** Learner.connectToLeader sleeps a second between attempts. */
const LEADER_CONNECT_RETRY_US = 1_000_000;

export class ZabFollower implements QuorumRole {
  private phase: FollowerPhase = 'discovery';
  private active = true;
  private epoch = 0;
  /** COMMITs that arrived before UPTODATE, applied with it. */
  private committedBeforeUpToDate = 0;
  private touches = new Map<SessionId, number>();
  private readonly revalidations = new Map<SessionId, ((valid: boolean) => void)[]>();
  private readTimer: TimerId | null = null;
  private retryTimer: TimerId | null = null;

  constructor(
    private readonly host: QuorumHost,
    readonly leaderSid: number,
  ) {}

  get serving(): boolean {
    return this.active && this.phase === 'broadcast';
  }

  start(): void {
    this.registerWithLeader();
    this.armReadTimeout();
  }

  /**
   * FOLLOWERINFO, repeated every second until the leader answers: the leader may still be
   * finishing its election (Learner.connectToLeader retries its connection the same way).
   */
  private registerWithLeader(): void {
    if (!this.active || this.phase !== 'discovery') return;
    this.host.sendPeer(this.leaderSid, { zk: 'follower-info', acceptedEpoch: this.host.db.storage.acceptedEpoch });
    this.retryTimer = this.host.ctx.setTimer(LEADER_CONNECT_RETRY_US, () => {
      this.retryTimer = null;
      // Each attempt is a new socket: a connection broken by a partition is not reused.
      if (this.active && this.phase === 'discovery') this.host.closePeer(this.leaderSid);
      this.registerWithLeader();
    });
  }

  submit(sessionId: SessionId, cxid: number, body: TxnBody): void {
    if (this.serving) this.host.sendPeer(this.leaderSid, { zk: 'forward', sessionId, cxid, body });
  }

  touch(sessionId: SessionId, timeoutMs: number): void {
    if (!this.touches.has(sessionId)) assert(this.touches.size < MAX_TOUCHED_SESSIONS, 'a follower touched too many sessions between pings');
    this.touches.set(sessionId, timeoutMs);
  }

  revalidate(sessionId: SessionId, timeoutMs: number, callback: (valid: boolean) => void): void {
    const waiting = this.revalidations.get(sessionId);
    if (waiting) waiting.push(callback);
    else this.revalidations.set(sessionId, [callback]);
    this.host.sendPeer(this.leaderSid, { zk: 'revalidate', sessionId, timeoutMs });
  }

  onPeerMessage(sid: number, message: PeerMessage): void {
    if (!this.active || sid !== this.leaderSid) return;
    this.armReadTimeout();
    switch (message.zk) {
      case 'leader-info':
        return this.onLeaderInfo(message.newEpoch);
      case 'sync':
        return this.onSync(message);
      case 'uptodate':
        return this.onUpToDate(message.committedZxid);
      case 'proposal':
        return this.onProposal(message.txn);
      case 'commit':
        if (this.phase === 'broadcast') this.host.db.commitThrough(message.zxid, (txn, outcome) => this.host.applied(txn, outcome));
        else this.committedBeforeUpToDate = Math.max(this.committedBeforeUpToDate, message.zxid);
        return;
      case 'leader-ping':
        this.host.sendPeer(this.leaderSid, { zk: 'learner-ping', touches: [...this.touches] });
        this.touches = new Map();
        return;
      case 'revalidate-reply':
        return this.onRevalidateReply(message.sessionId, message.valid);
      default:
        return;
    }
  }

  onPeerDisconnect(sid: number): void {
    if (this.active && sid === this.leaderSid) this.host.stepDown('the connection to the leader broke');
  }

  shutdown(): void {
    this.active = false;
    this.host.closePeer(this.leaderSid);
    for (const timer of [this.readTimer, this.retryTimer]) if (timer !== null) this.host.ctx.cancelTimer(timer);
    this.readTimer = null;
    this.retryTimer = null;
    this.revalidations.clear();
  }

  private onLeaderInfo(newEpoch: number): void {
    if (this.phase !== 'discovery') return;
    const storage = this.host.db.storage;
    if (newEpoch < storage.acceptedEpoch) {
      this.host.stepDown(`the leader's epoch ${newEpoch} is older than the accepted epoch ${storage.acceptedEpoch}`);
      return;
    }
    // Learner.registerWithLeader: an epoch already accepted is acknowledged with -1, which the
    // leader does not count toward its quorum. A new one is made durable before it is acknowledged.
    if (this.retryTimer !== null) this.host.ctx.cancelTimer(this.retryTimer);
    this.retryTimer = null;
    const fresh = newEpoch > storage.acceptedEpoch;
    const currentEpoch = fresh ? storage.currentEpoch : -1;
    this.epoch = newEpoch;
    this.phase = 'syncing';
    const acknowledge = (): void => {
      if (this.active) this.host.sendPeer(this.leaderSid, { zk: 'ack-epoch', currentEpoch, lastZxid: this.host.db.lastLoggedZxid });
    };
    if (fresh) storage.setAcceptedEpoch(newEpoch, acknowledge);
    else acknowledge();
  }

  private onSync(message: SyncMessage): void {
    if (this.phase !== 'syncing' || message.newEpoch !== this.epoch) return;
    const db = this.host.db;
    if (message.mode === 'trunc') db.truncate(message.truncateZxid);
    if (message.mode === 'snap') db.installSnapshot(message.snapshot as NonNullable<SyncMessage['snapshot']>, message.snapshotZxid);
    for (const txn of message.txns) db.storage.append(txn);
    // NEWLEADER: the epoch file and the synced log must both be durable before the ACK.
    let waiting = 2;
    const acknowledge = (): void => {
      if (--waiting === 0 && this.active) this.host.sendPeer(this.leaderSid, { zk: 'ack-newleader', newEpoch: message.newEpoch });
    };
    db.storage.setCurrentEpoch(message.newEpoch, acknowledge);
    this.host.epochEstablished(message.newEpoch);
    this.host.txnLog.whenDurable(acknowledge);
  }

  private onUpToDate(committedZxid: number): void {
    if (this.phase !== 'syncing') return;
    this.phase = 'broadcast';
    const upTo = Math.max(committedZxid, this.committedBeforeUpToDate);
    this.host.db.commitThrough(upTo, (txn, outcome) => this.host.applied(txn, outcome));
    this.armReadTimeout();
    this.host.startServing();
  }

  private onProposal(txn: Txn): void {
    if (this.phase === 'discovery') return;
    assert(zxidEpoch(txn.zxid) === this.epoch, () => `a proposal ${formatZxid(txn.zxid)} outside the epoch ${this.epoch}`);
    this.host.db.storage.append(txn);
    this.host.txnLog.whenDurable(() => {
      if (this.active) this.host.sendPeer(this.leaderSid, { zk: 'ack', zxid: txn.zxid });
    });
  }

  private onRevalidateReply(sessionId: SessionId, valid: boolean): void {
    const waiting = this.revalidations.get(sessionId) ?? [];
    this.revalidations.delete(sessionId);
    for (const callback of waiting) callback(valid);
  }

  /** The socket timeout of Learner: initLimit ticks until synced, syncLimit ticks after. */
  private armReadTimeout(): void {
    const config = this.host.config;
    const ticks = this.phase === 'broadcast' ? config.syncLimit : config.initLimit;
    if (this.readTimer !== null) this.host.ctx.cancelTimer(this.readTimer);
    this.readTimer = this.host.ctx.setTimer(ticks * tickUs(config), () => {
      this.readTimer = null;
      if (this.active) this.host.stepDown(`no word from the leader for ${ticks} ticks`);
    });
  }
}
