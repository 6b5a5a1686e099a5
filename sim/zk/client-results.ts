// What the ZooKeeper client library hands back to its host: per-operation results (the rc and
// payload of ZooKeeper's async callbacks — StringCallback, StatCallback, DataCallback,
// Children2Callback, MultiCallback), session state changes (Watcher.Event.KeeperState) and watch
// events. Every result carries `err`; payload fields are null unless `err` is OK (exists on a
// missing node answers NONODE with a null stat, as ZooKeeper does).

import type { OpResult, ReadResult, Stat, WatchEventType, ZkErrorCode } from './types.ts';

export interface CreateResult {
  readonly err: ZkErrorCode;
  /** The created path (with its sequence suffix for sequential nodes). */
  readonly path: string | null;
}

export interface DeleteResult {
  readonly err: ZkErrorCode;
}

export interface SetDataResult {
  readonly err: ZkErrorCode;
  readonly stat: Stat | null;
}

export interface GetDataResult {
  readonly err: ZkErrorCode;
  readonly data: string | null;
  readonly stat: Stat | null;
}

export interface ExistsResult {
  readonly err: ZkErrorCode;
  readonly stat: Stat | null;
}

export interface GetChildrenResult {
  readonly err: ZkErrorCode;
  /** Sorted child names. */
  readonly children: readonly string[];
  readonly stat: Stat | null;
}

export interface MultiResult {
  readonly err: ZkErrorCode;
  /** One per op; on failure OK before the failing op, its error, then RUNTIMEINCONSISTENCY. */
  readonly results: readonly OpResult[];
}

/** Watcher.Event.KeeperState values a session goes through. */
export type KeeperState = 'SyncConnected' | 'Disconnected' | 'Expired';

export interface WatchedEvent {
  readonly type: WatchEventType;
  readonly path: string;
}

/** What the host registers to hear about its session and its watches (the default Watcher). */
export interface ZkClientListener {
  onSessionEvent?(state: KeeperState): void;
  onWatchEvent?(event: WatchedEvent): void;
}

/** The raw answer to one request, before it is shaped for its callback. */
export interface RawAnswer {
  readonly err: ZkErrorCode;
  readonly results: readonly OpResult[];
  readonly read: ReadResult | null;
}

export function toCreateResult(answer: RawAnswer): CreateResult {
  const result = answer.results[0];
  return { err: answer.err, path: answer.err === 'OK' && result?.type === 'create' ? result.path : null };
}

export function toSetDataResult(answer: RawAnswer): SetDataResult {
  const result = answer.results[0];
  return { err: answer.err, stat: answer.err === 'OK' && result?.type === 'setData' ? result.stat : null };
}

export function toGetDataResult(answer: RawAnswer): GetDataResult {
  const read = answer.read;
  return read?.type === 'getData' && answer.err === 'OK' ? { err: 'OK', data: read.data, stat: read.stat } : { err: answer.err, data: null, stat: null };
}

export function toExistsResult(answer: RawAnswer): ExistsResult {
  const read = answer.read;
  return { err: answer.err, stat: read?.type === 'exists' ? read.stat : null };
}

export function toGetChildrenResult(answer: RawAnswer): GetChildrenResult {
  const read = answer.read;
  return read?.type === 'getChildren' && answer.err === 'OK'
    ? { err: 'OK', children: read.children, stat: read.stat }
    : { err: answer.err, children: [], stat: null };
}
