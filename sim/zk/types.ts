// The data model ZooKeeper exposes to its clients and replicates between its servers: error codes
// (KeeperException.Code), create modes (CreateMode), the Stat of a znode, client operations and
// their results, watch events (Watcher.Event.EventType), and the transaction a leader proposes.
//
// A transaction is the unit of ZooKeeper's total order: it carries a zxid — the leader's epoch in
// the high 32 bits and a counter in the low 32 — and the session and client xid it came from.
// ZooKeeper's PrepRequestProcessor turns a request into an idempotent txn on the leader; we
// replicate the request itself and let every server apply it deterministically in zxid order,
// which yields the same trees and the same results (including failed updates, which take a zxid
// in ZooKeeper too, as an ErrorTxn). A request the leader rejects before proposing — a session
// that is expiring — becomes an `error` txn, as ZooKeeper's ErrorTxn. Container and TTL nodes,
// ACLs and quotas are not modelled.

import type { NodeId } from '../hw/actor.ts';

export type ZkErrorCode =
  | 'OK'
  | 'NONODE'
  | 'NODEEXISTS'
  | 'BADVERSION'
  | 'NOTEMPTY'
  | 'NOCHILDRENFOREPHEMERALS'
  | 'BADARGUMENTS'
  | 'SESSIONEXPIRED'
  | 'CONNECTIONLOSS'
  | 'RUNTIMEINCONSISTENCY';

export type CreateMode = 'persistent' | 'ephemeral' | 'persistent-sequential' | 'ephemeral-sequential';

/** A session id as ZooKeeper prints it: "0x" and 16 hex digits, the server's myid in the top byte. */
export type SessionId = string;

export interface Stat {
  /** zxid of the create. */
  readonly czxid: number;
  /** zxid of the last setData (or the create). */
  readonly mzxid: number;
  /** zxid of the last change to the children. */
  readonly pzxid: number;
  readonly ctimeMs: number;
  readonly mtimeMs: number;
  /** Data version: the number of setData calls. */
  readonly version: number;
  /** Child version: the number of child creations and deletions. */
  readonly cversion: number;
  readonly ephemeralOwner: SessionId | null;
  readonly dataLength: number;
  readonly numChildren: number;
}

export type WriteOp =
  | { readonly type: 'create'; readonly path: string; readonly data: string; readonly mode: CreateMode }
  | { readonly type: 'delete'; readonly path: string; readonly version: number }
  | { readonly type: 'setData'; readonly path: string; readonly data: string; readonly version: number }
  | { readonly type: 'check'; readonly path: string; readonly version: number };

export type ReadOp = {
  readonly type: 'getData' | 'exists' | 'getChildren';
  readonly path: string;
  readonly watch: boolean;
};

/** What a client asks of the server it is connected to. */
export type ClientOp = WriteOp | ReadOp | { readonly type: 'multi'; readonly ops: readonly WriteOp[] } | { readonly type: 'closeSession' };

/** The outcome of one write (alone or inside a multi). */
export type OpResult =
  | { readonly type: 'create'; readonly path: string }
  | { readonly type: 'delete' }
  | { readonly type: 'setData'; readonly stat: Stat }
  | { readonly type: 'check' }
  | { readonly type: 'error'; readonly err: ZkErrorCode };

/** The outcome of a read. */
export type ReadResult =
  | { readonly type: 'getData'; readonly data: string; readonly stat: Stat }
  | { readonly type: 'exists'; readonly stat: Stat | null }
  | { readonly type: 'getChildren'; readonly children: readonly string[]; readonly stat: Stat };

/** What a committed transaction does. */
export type TxnBody =
  | WriteOp
  | { readonly type: 'multi'; readonly ops: readonly WriteOp[] }
  | { readonly type: 'createSession'; readonly timeoutMs: number; readonly owner: NodeId }
  | { readonly type: 'closeSession'; readonly reason: 'expired' | 'closed' }
  | { readonly type: 'error'; readonly err: ZkErrorCode };

export interface Txn {
  readonly zxid: number;
  readonly sessionId: SessionId;
  /** The client's request xid, so the server it is connected to can answer it. */
  readonly cxid: number;
  /** The leader's clock when it proposed (ctime/mtime of the znodes it touches). */
  readonly timeMs: number;
  readonly body: TxnBody;
}

/** The result of applying a txn: the client's answer and the watch events it fires. */
export interface TxnOutcome {
  readonly err: ZkErrorCode;
  /** One result per op of a multi; one entry for a single write; empty for session txns. */
  readonly results: readonly OpResult[];
  readonly triggers: readonly WatchTrigger[];
}

export type WatchEventType = 'NodeCreated' | 'NodeDeleted' | 'NodeDataChanged' | 'NodeChildrenChanged';

/** A change that fires watches: which watch tables it reaches is fixed by its type (DataTree). */
export interface WatchTrigger {
  readonly type: WatchEventType;
  readonly path: string;
}

export const ZXID_EPOCH_FACTOR = 2 ** 32;

export function makeZxid(epoch: number, counter: number): number {
  return epoch * ZXID_EPOCH_FACTOR + counter;
}

export function zxidEpoch(zxid: number): number {
  return Math.floor(zxid / ZXID_EPOCH_FACTOR);
}

export function zxidCounter(zxid: number): number {
  return zxid % ZXID_EPOCH_FACTOR;
}

/** "0x200000005", as ZooKeeper logs a zxid. */
export function formatZxid(zxid: number): string {
  return `0x${zxid.toString(16)}`;
}

export function isWriteOp(op: ClientOp): op is WriteOp {
  return op.type === 'create' || op.type === 'delete' || op.type === 'setData' || op.type === 'check';
}

export function isReadOp(op: ClientOp): op is ReadOp {
  return op.type === 'getData' || op.type === 'exists' || op.type === 'getChildren';
}
