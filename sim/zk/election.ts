// ZooKeeper's leader election among the voting servers: FastLeaderElection (3.5–3.8), driven by
// notifications instead of a thread polling a queue.
//
// A LOOKING server bumps its logical clock (the election epoch), votes for itself with its
// (currentEpoch, lastLoggedZxid, myid) and sends the vote to every voter. A vote beats another when
// its peer epoch is higher, then its zxid, then its server id (totalOrderPredicate): the server
// with the most recent history wins, the highest id breaks ties. Logged-but-uncommitted proposals
// count — ZooKeeper votes with its last *logged* zxid — which is what keeps a proposal acknowledged
// by a majority in the next leader's history. A server adopts any better vote it hears and
// re-broadcasts; a newer election epoch resets its tally. When a quorum of votes in the current
// epoch equals its proposal, it waits `finalizeWait` (200 ms) for anything better, then decides.
// A server that joins an established ensemble hears FOLLOWING/LEADING votes and follows their
// leader once a quorum agrees and the leader itself says LEADING (checkLeader).
//
// Silence is met with resends after a timeout that doubles from 200 ms to 60 s
// (maxNotificationInterval); before each resend the connections to voters not heard from are
// closed and reopened, as QuorumCnxManager.connectAll re-establishes dropped election channels.

import type { TimerId } from '../core/scheduler.ts';

export type PeerState = 'LOOKING' | 'FOLLOWING' | 'LEADING';

export interface Vote {
  readonly leader: number;
  readonly zxid: number;
  readonly electionEpoch: number;
  readonly peerEpoch: number;
}

export interface Notification extends Vote {
  readonly sid: number;
  readonly state: PeerState;
}

/** FastLeaderElection.finalizeWait and its minimum notification interval. */
export const FINALIZE_WAIT_US = 200_000;
/** FastLeaderElection.maxNotificationInterval. */
export const MAX_NOTIFICATION_INTERVAL_US = 60_000_000;

/** True when vote `a` is better than vote `b` (FastLeaderElection.totalOrderPredicate). */
export function betterVote(a: Pick<Vote, 'leader' | 'zxid' | 'peerEpoch'>, b: Pick<Vote, 'leader' | 'zxid' | 'peerEpoch'>): boolean {
  if (a.peerEpoch !== b.peerEpoch) return a.peerEpoch > b.peerEpoch;
  if (a.zxid !== b.zxid) return a.zxid > b.zxid;
  return a.leader > b.leader;
}

/** Vote.equals: all fields while anyone is LOOKING, only leader and peer epoch otherwise. */
function sameVote(a: Notification, b: Notification): boolean {
  if (a.state === 'LOOKING' || b.state === 'LOOKING') {
    return a.leader === b.leader && a.zxid === b.zxid && a.electionEpoch === b.electionEpoch && a.peerEpoch === b.peerEpoch;
  }
  return a.leader === b.leader && a.peerEpoch === b.peerEpoch;
}

export interface ElectionHost {
  readonly sid: number;
  readonly voters: readonly number[];
  isQuorum(sids: ReadonlySet<number>): boolean;
  sendNotification(toSid: number, notification: Notification): void;
  /** Close the election channels to these voters so the next send opens fresh ones. */
  reconnect(sids: readonly number[]): void;
  setTimer(delayUs: number, fn: () => void): TimerId;
  cancelTimer(id: TimerId): void;
  /** The election is over: lead when `vote.leader` is this server, else follow it. */
  decided(vote: Vote): void;
}

export class FastLeaderElection {
  private logicalclock = 0;
  private proposal: Vote = { leader: 0, zxid: 0, electionEpoch: 0, peerEpoch: 0 };
  private recvset = new Map<number, Notification>();
  private outofelection = new Map<number, Notification>();
  private heardFrom = new Set<number>();
  private notTimeoutUs = FINALIZE_WAIT_US;
  private timer: TimerId | null = null;
  private finalizing = false;
  private looking = false;

  constructor(private readonly host: ElectionHost) {}

  get electionEpoch(): number {
    return this.logicalclock;
  }

  get isLooking(): boolean {
    return this.looking;
  }

  /** lookForLeader: a fresh round voting for ourselves. */
  start(lastLoggedZxid: number, currentEpoch: number): void {
    this.looking = true;
    this.logicalclock++;
    this.recvset = new Map();
    this.outofelection = new Map();
    this.heardFrom = new Set();
    this.finalizing = false;
    this.notTimeoutUs = FINALIZE_WAIT_US;
    this.proposal = { leader: this.host.sid, zxid: lastLoggedZxid, electionEpoch: this.logicalclock, peerEpoch: currentEpoch };
    this.sendNotifications();
    // Our own notification reaches us too: alone, we are our quorum (a one-server ensemble).
    if (this.hasQuorumFor(this.recvset, this.notification('LOOKING'))) {
      this.finalizing = true;
      this.arm(FINALIZE_WAIT_US, () => this.finish());
    } else {
      this.arm(this.notTimeoutUs, () => this.onSilence());
    }
  }

  /** Leaves the election (the server decided, or is shutting down). */
  stop(): void {
    this.looking = false;
    this.finalizing = false;
    if (this.timer !== null) this.host.cancelTimer(this.timer);
    this.timer = null;
  }

  /** A notification while LOOKING (FastLeaderElection.lookForLeader's loop body). */
  receive(n: Notification): void {
    if (!this.looking) return;
    this.heardFrom.add(n.sid);
    if (n.state === 'LOOKING' && n.electionEpoch < this.logicalclock) {
      // WorkerReceiver answers a laggard with our current vote so it can catch up.
      this.host.sendNotification(n.sid, this.notification('LOOKING'));
      return;
    }
    if (this.finalizing) {
      if (!betterVote(n, this.proposal)) {
        this.arm(FINALIZE_WAIT_US, () => this.finish());
        return;
      }
      this.finalizing = false;
    }
    if (n.state === 'LOOKING') this.receiveLooking(n);
    else this.receiveEstablished(n);
    if (this.looking && !this.finalizing) this.arm(this.notTimeoutUs, () => this.onSilence());
  }

  private receiveLooking(n: Notification): void {
    if (n.electionEpoch > this.logicalclock) {
      this.logicalclock = n.electionEpoch;
      this.recvset = new Map();
      const own = { leader: this.host.sid, zxid: this.proposal.zxid, peerEpoch: this.proposal.peerEpoch };
      const best = betterVote(n, own) ? n : own;
      this.proposal = { leader: best.leader, zxid: best.zxid, electionEpoch: this.logicalclock, peerEpoch: best.peerEpoch };
      this.sendNotifications();
    } else if (betterVote(n, this.proposal)) {
      this.proposal = { leader: n.leader, zxid: n.zxid, electionEpoch: this.logicalclock, peerEpoch: n.peerEpoch };
      this.sendNotifications();
    }
    this.recvset.set(n.sid, n);
    if (this.hasQuorumFor(this.recvset, this.notification('LOOKING'))) {
      this.finalizing = true;
      this.arm(FINALIZE_WAIT_US, () => this.finish());
    }
  }

  private receiveEstablished(n: Notification): void {
    if (n.electionEpoch === this.logicalclock) {
      this.recvset.set(n.sid, n);
      if (this.hasQuorumFor(this.recvset, n) && this.checkLeader(this.recvset, n.leader, n.electionEpoch)) {
        this.decide(n);
        return;
      }
    }
    this.outofelection.set(n.sid, n);
    if (this.hasQuorumFor(this.outofelection, n) && this.checkLeader(this.outofelection, n.leader, n.electionEpoch)) {
      this.logicalclock = n.electionEpoch;
      this.decide(n);
    }
  }

  /** We must have heard the leader itself say LEADING, or be the leader of this very round. */
  private checkLeader(votes: ReadonlyMap<number, Notification>, leader: number, electionEpoch: number): boolean {
    if (leader !== this.host.sid) return votes.get(leader)?.state === 'LEADING';
    return this.logicalclock === electionEpoch;
  }

  private hasQuorumFor(votes: ReadonlyMap<number, Notification>, vote: Notification): boolean {
    const agreeing = new Set<number>();
    for (const [sid, other] of votes) if (sameVote(other, vote)) agreeing.add(sid);
    return this.host.isQuorum(agreeing);
  }

  private finish(): void {
    this.timer = null;
    this.decide(this.proposal);
  }

  private decide(vote: Vote): void {
    this.stop();
    this.host.decided({ leader: vote.leader, zxid: vote.zxid, electionEpoch: vote.electionEpoch, peerEpoch: vote.peerEpoch });
  }

  private onSilence(): void {
    this.timer = null;
    const silent = this.host.voters.filter((sid) => sid !== this.host.sid && !this.heardFrom.has(sid));
    this.host.reconnect(silent);
    this.heardFrom = new Set();
    this.sendNotifications();
    this.notTimeoutUs = Math.min(this.notTimeoutUs * 2, MAX_NOTIFICATION_INTERVAL_US);
    this.arm(this.notTimeoutUs, () => this.onSilence());
  }

  private sendNotifications(): void {
    const mine = this.notification('LOOKING');
    this.recvset.set(this.host.sid, mine);
    for (const sid of this.host.voters) if (sid !== this.host.sid) this.host.sendNotification(sid, mine);
  }

  private notification(state: PeerState): Notification {
    return { ...this.proposal, electionEpoch: this.logicalclock, sid: this.host.sid, state };
  }

  private arm(delayUs: number, fn: () => void): void {
    if (this.timer !== null) this.host.cancelTimer(this.timer);
    this.timer = this.host.setTimer(delayUs, fn);
  }
}
