// One voting member of a ZooKeeper ensemble as an actor on the virtual hardware: QuorumPeer of
// ZooKeeper 3.5–3.8. It is LOOKING (running FastLeaderElection), then LEADING or FOLLOWING; when
// its role fails — no quorum, a silent or lost leader — it closes its client connections and looks
// again. Its dataDir (data-dir.ts: snapshot, transaction log, epoch files) is on its machine's
// disk and outlives the process; ZooKeeper fsyncs every transaction before acknowledging it, so
// it loses nothing acknowledged to a crash or a power loss.
//
// A server answers election notifications in every state: while LOOKING they feed its own
// election; once FOLLOWING or LEADING it tells LOOKING servers whom it follows, which is how a
// restarted server finds the established leader. Messages are routed by their `zk` tag; messages
// from other ZooKeeper servers are peer messages, the rest come from clients.

import type { Actor, ActorContext, DisconnectReason, NodeId } from '../hw/actor.ts';
import { quorumSize, type ZkEnsembleConfig } from './config.ts';
import type { ZkCommitLedger } from './commit-ledger.ts';
import { ZkStorage } from './data-dir.ts';
import { GroupCommit, ZkDatabase } from './database.ts';
import { FastLeaderElection, type Notification, type PeerState, type Vote } from './election.ts';
import { ZabFollower } from './follower.ts';
import { ZabLeader } from './leader.ts';
import { isClientToServer, isZkMessage, messageBytes, type PeerMessage } from './protocol.ts';
import type { QuorumHost, QuorumRole } from './quorum-role.ts';
import { ServerCnxns } from './server-cnxn.ts';
import type { Txn, TxnOutcome } from './types.ts';

export class ZkServer implements Actor, QuorumHost {
  private context: ActorContext | null = null;
  private database: ZkDatabase | null = null;
  private groupCommit: GroupCommit | null = null;
  private election: FastLeaderElection | null = null;
  private cnxns: ServerCnxns | null = null;
  private role: (QuorumRole & { start(): void }) | null = null;
  private peerState: PeerState = 'LOOKING';
  private currentVote: Vote = { leader: 0, zxid: 0, electionEpoch: 0, peerEpoch: 0 };
  private readonly sidByNode: ReadonlyMap<NodeId, number>;
  private readonly nodeBySid: ReadonlyMap<number, NodeId>;

  constructor(
    readonly sid: number,
    readonly config: ZkEnsembleConfig,
    private readonly ledger: ZkCommitLedger,
  ) {
    this.sidByNode = new Map(config.servers.map((server) => [server.node, server.sid]));
    this.nodeBySid = new Map(config.servers.map((server) => [server.sid, server.node]));
  }

  get ctx(): ActorContext {
    return this.context as ActorContext;
  }

  get db(): ZkDatabase {
    return this.database as ZkDatabase;
  }

  get txnLog(): GroupCommit {
    return this.groupCommit as GroupCommit;
  }

  /** LOOKING, FOLLOWING or LEADING. */
  get state(): PeerState {
    return this.peerState;
  }

  /** True while this server accepts clients (an established leader or an up-to-date follower). */
  get serving(): boolean {
    return this.role?.serving ?? false;
  }

  /** The leader this server follows or is, once decided. */
  get leaderSid(): number | null {
    return this.peerState === 'LOOKING' ? null : this.currentVote.leader;
  }

  onStart(ctx: ActorContext): void {
    this.context = ctx;
    const storage = new ZkStorage(ctx.disk(0));
    this.database = new ZkDatabase(storage, this.config.snapCount, (zxid) => this.ledger.reset(this.sid, zxid));
    this.groupCommit = new GroupCommit(storage);
    this.cnxns = new ServerCnxns({ ctx, sid: this.sid, config: this.config, db: this.db, servingRole: () => (this.serving ? this.role : null) });
    this.role = null;
    this.election = new FastLeaderElection({
      sid: this.sid,
      voters: this.config.servers.map((server) => server.sid),
      isQuorum: (sids) => this.config.servers.filter((server) => sids.has(server.sid)).length >= quorumSize(this.config),
      sendNotification: (toSid, notification) => this.sendPeer(toSid, { zk: 'vote', ...notification }),
      reconnect: (sids) => sids.forEach((sid) => this.closePeer(sid)),
      setTimer: (delayUs, fn) => ctx.setTimer(delayUs, fn),
      cancelTimer: (id) => ctx.cancelTimer(id),
      decided: (vote) => this.decided(vote),
    });
    this.lookForLeader();
  }

  onMessage(from: NodeId, message: unknown): void {
    if (!isZkMessage(message)) return;
    const sid = this.sidByNode.get(from);
    if (sid === undefined) {
      if (isClientToServer(message)) this.cnxns?.onMessage(from, message);
      return;
    }
    const peerMessage = message as PeerMessage;
    if (peerMessage.zk === 'vote') this.onVote(peerMessage);
    else this.role?.onPeerMessage(sid, peerMessage);
  }

  onDisconnect(peer: NodeId, _reason: DisconnectReason): void {
    const sid = this.sidByNode.get(peer);
    if (sid === undefined) this.cnxns?.onDisconnect(peer);
    else this.role?.onPeerDisconnect(sid);
  }

  sendPeer(sid: number, message: PeerMessage): void {
    const node = this.nodeBySid.get(sid);
    if (node !== undefined && sid !== this.sid) this.ctx.send(node, message, messageBytes(message));
  }

  closePeer(sid: number): void {
    const node = this.nodeBySid.get(sid);
    if (node !== undefined && sid !== this.sid) this.ctx.closeConnection(node);
  }

  applied(txn: Txn, outcome: TxnOutcome): void {
    this.ledger.applied(this.sid, this.ctx.id, txn, outcome, this.ctx.trace);
    this.cnxns?.applied(txn, outcome);
  }

  startServing(): void {
    this.ctx.trace.emit('zk-serving', { zk: this.ctx.id, state: this.peerState, leader: this.currentVote.leader });
  }

  epochEstablished(epoch: number): void {
    this.currentVote = { ...this.currentVote, peerEpoch: epoch };
  }

  stepDown(reason: string): void {
    this.role?.shutdown();
    this.role = null;
    this.cnxns?.closeAll();
    this.ctx.trace.emit('zk-looking', { zk: this.ctx.id, was: this.peerState, reason });
    this.lookForLeader();
  }

  private lookForLeader(): void {
    this.peerState = 'LOOKING';
    this.election?.start(this.db.lastLoggedZxid, this.db.storage.currentEpoch);
  }

  private decided(vote: Vote): void {
    this.currentVote = vote;
    if (vote.leader === this.sid) {
      this.peerState = 'LEADING';
      this.role = new ZabLeader(this);
    } else {
      this.peerState = 'FOLLOWING';
      this.role = new ZabFollower(this, vote.leader);
    }
    this.role.start();
  }

  /** WorkerReceiver: feed our election, or tell a LOOKING peer whom we follow. */
  private onVote(notification: Notification): void {
    if (this.peerState === 'LOOKING') {
      this.election?.receive(notification);
      return;
    }
    if (notification.state !== 'LOOKING') return;
    const answer: Notification = { ...this.currentVote, sid: this.sid, state: this.peerState };
    this.sendPeer(notification.sid, { zk: 'vote', ...answer });
  }
}
