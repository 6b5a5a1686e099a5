// The seam between a ZooKeeper server process (server.ts) and the role it plays once an election
// is decided: leader (leader.ts) or follower (follower.ts), as QuorumPeer hands over to Leader.lead
// or Follower.followLeader. The host gives the role its database, its log and its peers; the role
// tells the host when it may serve clients and when it gives up (back to LOOKING). The client side
// of the server (server-cnxn.ts) sees only the QuorumRole face: submit writes, touch sessions,
// revalidate a reconnecting session.

import type { ActorContext } from '../hw/actor.ts';
import type { ZkEnsembleConfig } from './config.ts';
import type { GroupCommit, ZkDatabase } from './database.ts';
import type { PeerMessage } from './protocol.ts';
import type { SessionId, Txn, TxnBody, TxnOutcome } from './types.ts';

/** Sessions a follower may have touched between two pings (bounded by its connections). */
export const MAX_TOUCHED_SESSIONS = 1_000_000;

export interface QuorumHost {
  readonly ctx: ActorContext;
  readonly config: ZkEnsembleConfig;
  readonly sid: number;
  readonly db: ZkDatabase;
  readonly txnLog: GroupCommit;
  sendPeer(sid: number, message: PeerMessage): void;
  closePeer(sid: number): void;
  /** A committed transaction was applied here: answer clients, fire watches. */
  applied(txn: Txn, outcome: TxnOutcome): void;
  /** The role is established (leader) or up to date (follower): clients may be served. */
  startServing(): void;
  /** The leader's epoch is established: later election answers carry it (updateElectionVote). */
  epochEstablished(epoch: number): void;
  /** The role failed; the server shuts it down and goes back to LOOKING. */
  stepDown(reason: string): void;
}

export interface QuorumRole {
  readonly serving: boolean;
  /** A write or session change from a client of this server, to be ordered by the leader. */
  submit(sessionId: SessionId, cxid: number, body: TxnBody): void;
  /** A client of this server was heard from. */
  touch(sessionId: SessionId, timeoutMs: number): void;
  /** Is this session alive? Asked when a client reconnects with it (Learner.validateSession). */
  revalidate(sessionId: SessionId, timeoutMs: number, callback: (valid: boolean) => void): void;
  onPeerMessage(sid: number, message: PeerMessage): void;
  onPeerDisconnect(sid: number): void;
  /** Cancels timers and ignores late callbacks: the role is over. */
  shutdown(): void;
}
