// The ZooKeeper leader: Leader.lead, LearnerHandler and the leader's request pipeline
// (PrepRequestProcessor → ProposalRequestProcessor → CommitProcessor) of ZooKeeper 3.5–3.8.
//
// Establishing an epoch (Zab phases 1 and 2): once a quorum (the leader included) has sent
// FOLLOWERINFO, the new epoch is one more than the largest acceptedEpoch among them; LEADERINFO
// carries it; once a quorum has acknowledged it (ACKEPOCH) the leader records it as its
// currentEpoch and syncs each follower (DIFF/TRUNC/SNAP + NEWLEADER). When a quorum has
// acknowledged NEWLEADER, the leader's whole log is committed, it starts its session tracker —
// every known session gets a full timeout from now — and serves. Each phase must complete within
// initLimit ticks or the leader gives up. Followers that arrive later go through the same steps
// and get UPTODATE as soon as they acknowledge NEWLEADER.
//
// Broadcast (Zab phase 3): each write gets the next zxid, is logged and proposed to every synced
// follower, and commits when a quorum (the leader's own fsynced log included) has acknowledged it
// — strictly in zxid order. A request from a session that is unknown or closing becomes an error
// txn (SESSIONEXPIRED), as PrepRequestProcessor.checkSession makes it. Every half tick the leader
// pings its followers; every tick it checks that a quorum has been heard from within syncLimit
// ticks, and if not it abdicates ("Not sufficient followers synced") — until then its proposals
// simply do not commit. Followers silent for longer than their limit are disconnected.

import { assert } from '../core/assert.ts';
import type { TimerId } from '../core/scheduler.ts';
import { quorumSize, tickUs } from './config.ts';
import type { PeerMessage } from './protocol.ts';
import type { QuorumHost, QuorumRole } from './quorum-role.ts';
import { SessionTracker } from './session-tracker.ts';
import { formatZxid, makeZxid, type SessionId, type Txn, type TxnBody, type TxnOutcome } from './types.ts';

/** Proposals in flight at once before the run is treated as runaway (ZooKeeper throttles at 1000 requests). */
export const MAX_OUTSTANDING_PROPOSALS = 1_000_000;

type LeaderPhase = 'discovery' | 'epoch' | 'syncing' | 'broadcast';

interface LearnerState {
  readonly sid: number;
  readonly acceptedEpoch: number;
  stage: 'info' | 'epoch-acked' | 'synced';
  lastZxid: number;
  lastHeardUs: number;
  forwarding: boolean;
}

interface OutstandingProposal {
  readonly txn: Txn;
  readonly acks: Set<number>;
}

export class ZabLeader implements QuorumRole {
  private phase: LeaderPhase = 'discovery';
  private active = true;
  private newEpoch = 0;
  private readonly learners = new Map<number, LearnerState>();
  private readonly epochAcks = new Set<number>();
  private readonly newLeaderAcks = new Set<number>();
  private readonly outstanding = new Map<number, OutstandingProposal>();
  private nextCounter = 1;
  private tracker: SessionTracker | null = null;
  private readonly summary: { readonly currentEpoch: number; readonly lastZxid: number };
  private phaseTimer: TimerId | null = null;
  private pingTimer: TimerId | null = null;
  private expiryTimer: TimerId | null = null;
  private halfTicks = 0;
  private writingEpoch = false;
  private readonly voters: ReadonlySet<number>;

  constructor(private readonly host: QuorumHost) {
    this.voters = new Set(host.config.servers.map((server) => server.sid));
    this.summary = { currentEpoch: host.db.storage.currentEpoch, lastZxid: host.db.lastLoggedZxid };
  }

  get serving(): boolean {
    return this.active && this.phase === 'broadcast';
  }

  start(): void {
    this.armPhaseDeadline();
    this.armPing();
    this.advance();
  }

  shutdown(): void {
    this.active = false;
    for (const timer of [this.phaseTimer, this.pingTimer, this.expiryTimer]) if (timer !== null) this.host.ctx.cancelTimer(timer);
    for (const sid of this.learners.keys()) this.host.closePeer(sid);
    this.learners.clear();
  }

  submit(sessionId: SessionId, cxid: number, body: TxnBody): void {
    if (!this.serving) return;
    assert(this.outstanding.size < MAX_OUTSTANDING_PROPOSALS, () => `more than ${MAX_OUTSTANDING_PROPOSALS} ZooKeeper proposals outstanding`);
    const zxid = makeZxid(this.newEpoch, this.nextCounter++);
    const txn: Txn = { zxid, sessionId, cxid, timeMs: Math.floor(this.host.ctx.now / 1000), body: this.prepare(sessionId, body) };
    this.host.db.storage.append(txn);
    this.outstanding.set(zxid, { txn, acks: new Set() });
    for (const learner of this.learners.values()) if (learner.forwarding) this.host.sendPeer(learner.sid, { zk: 'proposal', txn });
    this.host.txnLog.whenDurable(() => {
      if (this.active) this.processAck(this.host.sid, zxid);
    });
  }

  touch(sessionId: SessionId): void {
    this.tracker?.touch(sessionId, this.host.ctx.now);
  }

  revalidate(sessionId: SessionId, _timeoutMs: number, callback: (valid: boolean) => void): void {
    callback(this.tracker?.touch(sessionId, this.host.ctx.now) ?? false);
  }

  onPeerMessage(sid: number, message: PeerMessage): void {
    if (!this.active) return;
    if (message.zk === 'follower-info') return this.onFollowerInfo(sid, message.acceptedEpoch);
    const learner = this.learners.get(sid);
    if (!learner) return;
    learner.lastHeardUs = this.host.ctx.now;
    switch (message.zk) {
      case 'ack-epoch':
        return this.onAckEpoch(learner, message.currentEpoch, message.lastZxid);
      case 'ack-newleader':
        return this.onAckNewLeader(learner, message.newEpoch);
      case 'ack':
        return this.processAck(sid, message.zxid);
      case 'learner-ping':
        for (const [sessionId] of message.touches) this.touch(sessionId);
        return;
      case 'forward':
        return this.submit(message.sessionId, message.cxid, message.body);
      case 'revalidate':
        return this.revalidate(message.sessionId, message.timeoutMs, (valid) =>
          this.host.sendPeer(sid, { zk: 'revalidate-reply', sessionId: message.sessionId, valid }),
        );
      default:
        return;
    }
  }

  onPeerDisconnect(sid: number): void {
    this.learners.delete(sid);
  }

  /** PrepRequestProcessor: session bookkeeping, and SESSIONEXPIRED for sessions that are not alive. */
  private prepare(sessionId: SessionId, body: TxnBody): TxnBody {
    const tracker = this.tracker as SessionTracker;
    if (body.type === 'createSession') {
      tracker.addSession(sessionId, body.timeoutMs, this.host.ctx.now);
      return body;
    }
    if (body.type === 'closeSession') {
      tracker.setClosing(sessionId);
      return body;
    }
    return tracker.isActive(sessionId) ? body : { type: 'error', err: 'SESSIONEXPIRED' };
  }

  private onFollowerInfo(sid: number, acceptedEpoch: number): void {
    this.learners.set(sid, { sid, acceptedEpoch, stage: 'info', lastZxid: 0, lastHeardUs: this.host.ctx.now, forwarding: false });
    if (this.phase === 'discovery') this.advance();
    else this.host.sendPeer(sid, { zk: 'leader-info', newEpoch: this.newEpoch });
  }

  private onAckEpoch(learner: LearnerState, currentEpoch: number, lastZxid: number): void {
    if (learner.stage !== 'info' || this.phase === 'discovery') return;
    learner.stage = 'epoch-acked';
    learner.lastZxid = lastZxid;
    if (currentEpoch !== -1 && this.phase === 'epoch') {
      const ahead = currentEpoch > this.summary.currentEpoch || (currentEpoch === this.summary.currentEpoch && lastZxid > this.summary.lastZxid);
      if (ahead) {
        // Leader.waitForEpochAck: "Follower is ahead of the leader" ends that learner's handler.
        this.learners.delete(learner.sid);
        this.host.closePeer(learner.sid);
        return;
      }
      this.epochAcks.add(learner.sid);
    }
    if (this.phase === 'syncing' || this.phase === 'broadcast') this.sync(learner);
    else this.advance();
  }

  private onAckNewLeader(learner: LearnerState, newEpoch: number): void {
    if (newEpoch !== this.newEpoch || learner.stage !== 'epoch-acked') return;
    learner.stage = 'synced';
    if (this.phase === 'syncing') {
      this.newLeaderAcks.add(learner.sid);
      this.advance();
    } else if (this.phase === 'broadcast') {
      this.host.sendPeer(learner.sid, { zk: 'uptodate', committedZxid: this.host.db.lastProcessedZxid });
    }
  }

  /**
   * Moves through the establishment phases as far as the quorums gathered so far allow. Each new
   * epoch is written to its file, durably, before the leader acts on it.
   */
  private advance(): void {
    if (this.writingEpoch) return;
    const self = this.host.sid;
    const storage = this.host.db.storage;
    if (this.phase === 'discovery' && this.isQuorum([self, ...this.learners.keys()])) {
      this.newEpoch = Math.max(storage.acceptedEpoch, ...[...this.learners.values()].map((l) => l.acceptedEpoch)) + 1;
      this.persistEpoch((durable) => storage.setAcceptedEpoch(this.newEpoch, durable), () => {
        this.phase = 'epoch';
        for (const learner of this.learners.values()) this.host.sendPeer(learner.sid, { zk: 'leader-info', newEpoch: this.newEpoch });
      });
    } else if (this.phase === 'epoch' && this.isQuorum([self, ...this.epochAcks])) {
      this.persistEpoch((durable) => storage.setCurrentEpoch(this.newEpoch, durable), () => {
        this.phase = 'syncing';
        for (const learner of this.learners.values()) if (learner.stage === 'epoch-acked') this.sync(learner);
      });
    } else if (this.phase === 'syncing' && this.isQuorum([self, ...this.newLeaderAcks])) {
      this.establish();
    }
  }

  private persistEpoch(write: (durable: () => void) => void, then: () => void): void {
    this.writingEpoch = true;
    write(() => {
      if (!this.active) return;
      this.writingEpoch = false;
      then();
      this.armPhaseDeadline();
      this.advance();
    });
  }

  private sync(learner: LearnerState): void {
    const plan = this.host.db.syncPlanFor(learner.lastZxid);
    this.host.sendPeer(learner.sid, { zk: 'sync', ...plan, newEpoch: this.newEpoch });
    learner.forwarding = true;
  }

  /** A quorum acknowledged NEWLEADER: the leader's history is committed and the epoch begins. */
  private establish(): void {
    const { ctx, db } = this.host;
    this.phase = 'broadcast';
    if (this.phaseTimer !== null) ctx.cancelTimer(this.phaseTimer);
    this.phaseTimer = null;
    this.tracker = new SessionTracker(tickUs(this.host.config), ctx.now);
    db.commitThrough(db.lastLoggedZxid, (txn, outcome) => this.applied(txn, outcome));
    for (const [sessionId, entry] of db.tree.sessions) this.tracker.addSession(sessionId, entry.timeoutMs, ctx.now);
    const synced = [...this.learners.values()].filter((learner) => learner.stage === 'synced');
    for (const learner of synced) this.host.sendPeer(learner.sid, { zk: 'uptodate', committedZxid: db.lastProcessedZxid });
    ctx.trace.emit('zk-leader', { zk: ctx.id, epoch: this.newEpoch, zxid: formatZxid(db.lastProcessedZxid), followers: synced.map((l) => l.sid) });
    this.host.epochEstablished(this.newEpoch);
    this.host.startServing();
    this.armExpiry();
  }

  private processAck(sid: number, zxid: number): void {
    const proposal = this.outstanding.get(zxid);
    if (!proposal) return;
    proposal.acks.add(sid);
    // Commit strictly in zxid order: stop at the first proposal without a quorum.
    for (const [pendingZxid, pending] of this.outstanding) {
      if (!this.isQuorum(pending.acks)) break;
      this.outstanding.delete(pendingZxid);
      this.host.db.commitThrough(pendingZxid, (txn, outcome) => this.applied(txn, outcome));
      for (const learner of this.learners.values()) if (learner.forwarding) this.host.sendPeer(learner.sid, { zk: 'commit', zxid: pendingZxid });
    }
  }

  private applied(txn: Txn, outcome: TxnOutcome): void {
    if (txn.body.type === 'closeSession') this.tracker?.removeSession(txn.sessionId);
    this.host.applied(txn, outcome);
  }

  private isQuorum(sids: Iterable<number>): boolean {
    let count = 0;
    for (const sid of new Set(sids)) if (this.voters.has(sid)) count++;
    return count >= quorumSize(this.host.config);
  }

  private armPhaseDeadline(): void {
    const { ctx, config } = this.host;
    if (this.phaseTimer !== null) ctx.cancelTimer(this.phaseTimer);
    this.phaseTimer = ctx.setTimer(config.initLimit * tickUs(config), () => {
      this.phaseTimer = null;
      if (this.active) this.host.stepDown(`no quorum of followers within initLimit during ${this.phase}`);
    });
  }

  /** Every half tick: ping, drop silent learners; every tick: check the synced quorum. */
  private armPing(): void {
    const { ctx, config } = this.host;
    this.pingTimer = ctx.setTimer(tickUs(config) / 2, () => {
      this.pingTimer = null;
      if (!this.active) return;
      const nowUs = ctx.now;
      const syncedSids: number[] = [this.host.sid];
      for (const learner of [...this.learners.values()]) {
        const limitTicks = learner.stage === 'synced' ? config.syncLimit : config.initLimit;
        if (nowUs - learner.lastHeardUs > limitTicks * tickUs(config)) {
          this.learners.delete(learner.sid);
          this.host.closePeer(learner.sid);
          continue;
        }
        if (learner.stage === 'synced') syncedSids.push(learner.sid);
        this.host.sendPeer(learner.sid, { zk: 'leader-ping' });
      }
      if (this.phase === 'broadcast' && ++this.halfTicks % 2 === 0 && !this.isQuorum(syncedSids)) {
        this.host.stepDown(`not sufficient followers synced, only synced with sids [${syncedSids.join(', ')}]`);
        return;
      }
      this.armPing();
    });
  }

  private armExpiry(): void {
    const { ctx } = this.host;
    const tracker = this.tracker as SessionTracker;
    this.expiryTimer = ctx.setTimer(Math.max(0, tracker.nextExpirationTimeUs - ctx.now), () => {
      this.expiryTimer = null;
      if (!this.active) return;
      for (const sessionId of tracker.pollExpired(ctx.now)) this.submit(sessionId, 0, { type: 'closeSession', reason: 'expired' });
      this.armExpiry();
    });
  }
}
