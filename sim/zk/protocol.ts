// The messages ZooKeeper processes exchange, with a modest byte size for the network model.
//
// Client ↔ server (ClientCnxn / ServerCnxn): ConnectRequest and ConnectResponse (a negotiated
// timeout of 0 tells the client its session expired), requests and replies matched by xid, pings,
// watch notifications, and SetWatches to re-register watches after a reconnect.
// Server ↔ server: FastLeaderElection notifications, and the Zab quorum protocol of
// Leader/Learner: FOLLOWERINFO → LEADERINFO → ACKEPOCH (discovery), DIFF/TRUNC/SNAP followed by
// NEWLEADER → ACK → UPTODATE (synchronisation), PROPOSAL → ACK → COMMIT (broadcast), PING (the
// follower's answer carries the sessions its clients touched), REQUEST (a write forwarded by a
// follower) and REVALIDATE (a follower asks the leader whether a reconnecting session lives).
// We send one `sync` message that carries the DIFF/TRUNC/SNAP payload and the NEWLEADER that
// always follows it. Sizes follow the jute encodings roughly: a 16-byte header plus the payload.

import type { NodeId } from '../hw/actor.ts';
import type { Notification } from './election.ts';
import type { ClientOp, ReadResult, OpResult, SessionId, Txn, TxnBody, WatchEventType, ZkErrorCode } from './types.ts';
import type { ZnodeTree } from './znode-tree.ts';

// Client ↔ server.

export interface ConnectRequest {
  readonly zk: 'connect';
  /** null asks for a new session. */
  readonly sessionId: SessionId | null;
  readonly timeoutMs: number;
  readonly lastZxidSeen: number;
  /** Who the session is for, recorded with it for the trace (the host actor's id). */
  readonly owner: NodeId;
}

export interface ConnectResponse {
  readonly zk: 'connected';
  readonly sessionId: SessionId;
  /** The negotiated session timeout; 0 means the session has expired. */
  readonly timeoutMs: number;
}

export interface ClientRequest {
  readonly zk: 'request';
  readonly xid: number;
  readonly op: ClientOp;
}

export interface ClientReply {
  readonly zk: 'reply';
  readonly xid: number;
  /** The zxid of the change (writes) or of the server's state (reads). */
  readonly zxid: number;
  readonly err: ZkErrorCode;
  readonly results: readonly OpResult[];
  readonly read: ReadResult | null;
}

export interface ClientPing {
  readonly zk: 'ping';
}

export interface PingReply {
  readonly zk: 'pong';
  readonly zxid: number;
}

export interface WatchNotification {
  readonly zk: 'watch';
  readonly type: WatchEventType;
  readonly path: string;
}

export interface SetWatches {
  readonly zk: 'set-watches';
  readonly relativeZxid: number;
  readonly dataWatches: readonly string[];
  readonly existWatches: readonly string[];
  readonly childWatches: readonly string[];
}

// Server ↔ server.

export interface VoteMessage extends Notification {
  readonly zk: 'vote';
}

export interface FollowerInfo {
  readonly zk: 'follower-info';
  readonly acceptedEpoch: number;
}

export interface LeaderInfo {
  readonly zk: 'leader-info';
  readonly newEpoch: number;
}

export interface AckEpoch {
  readonly zk: 'ack-epoch';
  readonly currentEpoch: number;
  readonly lastZxid: number;
}

export interface SyncMessage {
  readonly zk: 'sync';
  readonly mode: 'diff' | 'trunc' | 'snap';
  /** TRUNC: drop logged txns above this zxid. */
  readonly truncateZxid: number;
  /** SNAP: the leader's tree at `snapshotZxid`. */
  readonly snapshot: ZnodeTree | null;
  readonly snapshotZxid: number;
  /** Txns to log after the DIFF point, the TRUNC point or the snapshot. */
  readonly txns: readonly Txn[];
  /** The NEWLEADER that follows: the epoch being established. */
  readonly newEpoch: number;
}

export interface AckNewLeader {
  readonly zk: 'ack-newleader';
  readonly newEpoch: number;
}

export interface UpToDate {
  readonly zk: 'uptodate';
  /** Everything up to here is committed. */
  readonly committedZxid: number;
}

export interface Proposal {
  readonly zk: 'proposal';
  readonly txn: Txn;
}

export interface ProposalAck {
  readonly zk: 'ack';
  readonly zxid: number;
}

export interface Commit {
  readonly zk: 'commit';
  readonly zxid: number;
}

export interface LeaderPing {
  readonly zk: 'leader-ping';
}

export interface LearnerPing {
  readonly zk: 'learner-ping';
  /** Sessions touched since the last ping, with their timeouts (LearnerSessionTracker). */
  readonly touches: ReadonlyArray<readonly [SessionId, number]>;
}

export interface ForwardedRequest {
  readonly zk: 'forward';
  readonly sessionId: SessionId;
  readonly cxid: number;
  readonly body: TxnBody;
}

export interface Revalidate {
  readonly zk: 'revalidate';
  readonly sessionId: SessionId;
  readonly timeoutMs: number;
}

export interface RevalidateReply {
  readonly zk: 'revalidate-reply';
  readonly sessionId: SessionId;
  readonly valid: boolean;
}

export type ClientToServer = ConnectRequest | ClientRequest | ClientPing | SetWatches;
export type ServerToClient = ConnectResponse | ClientReply | PingReply | WatchNotification;
export type PeerMessage =
  | VoteMessage
  | FollowerInfo
  | LeaderInfo
  | AckEpoch
  | SyncMessage
  | AckNewLeader
  | UpToDate
  | Proposal
  | ProposalAck
  | Commit
  | LeaderPing
  | LearnerPing
  | ForwardedRequest
  | Revalidate
  | RevalidateReply;
export type ZkMessage = ClientToServer | ServerToClient | PeerMessage;

const CLIENT_MESSAGES = new Set(['connect', 'request', 'ping', 'set-watches']);
const SERVER_TO_CLIENT = new Set(['connected', 'reply', 'pong', 'watch']);

/** True for a message of ZooKeeper's protocol (all carry a string `zk` tag). */
export function isZkMessage(message: unknown): message is ZkMessage {
  return typeof message === 'object' && message !== null && typeof (message as { zk?: unknown }).zk === 'string';
}

export function isClientToServer(message: ZkMessage): message is ClientToServer {
  return CLIENT_MESSAGES.has(message.zk);
}

export function isServerToClient(message: ZkMessage): message is ServerToClient {
  return SERVER_TO_CLIENT.has(message.zk);
}

const HEADER_BYTES = 16;

function opBytes(op: ClientOp | TxnBody): number {
  switch (op.type) {
    case 'create':
    case 'setData':
      return op.path.length + op.data.length + 12;
    case 'delete':
    case 'check':
    case 'getData':
    case 'exists':
    case 'getChildren':
      return op.path.length + 8;
    case 'multi':
      return op.ops.reduce((sum, inner) => sum + opBytes(inner) + 8, 8);
    default:
      return 16;
  }
}

/** The encoded size of a txn (TxnHeader + its record), for the network and the log file. */
export function txnBytes(txn: Txn): number {
  return 32 + opBytes(txn.body);
}

/** An estimate of the encoded size of a message, for the NIC and link model. */
export function messageBytes(message: ZkMessage): number {
  switch (message.zk) {
    case 'request':
      return HEADER_BYTES + opBytes(message.op);
    case 'reply':
      return HEADER_BYTES + 8 + replyPayloadBytes(message);
    case 'watch':
      return HEADER_BYTES + message.path.length;
    case 'set-watches':
      return HEADER_BYTES + [...message.dataWatches, ...message.existWatches, ...message.childWatches].reduce((sum, p) => sum + p.length + 4, 8);
    case 'forward':
      return HEADER_BYTES + 12 + opBytes(message.body);
    case 'proposal':
      return HEADER_BYTES + txnBytes(message.txn);
    case 'sync':
      return HEADER_BYTES + 16 + (message.snapshot?.sizeBytes() ?? 0) + message.txns.reduce((sum, txn) => sum + txnBytes(txn), 0);
    case 'learner-ping':
      return HEADER_BYTES + message.touches.length * 12;
    case 'vote':
      return 40;
    default:
      return HEADER_BYTES + 16;
  }
}

function replyPayloadBytes(reply: ClientReply): number {
  const read = reply.read;
  if (read === null) return reply.results.length * 8;
  if (read.type === 'getData') return read.data.length + 68;
  if (read.type === 'getChildren') return read.children.reduce((sum, name) => sum + name.length + 4, 68);
  return 68;
}
