// The replicated state of a ZooKeeper server: the znode tree with its Stats, the ephemeral znodes
// of each session, and the table of live sessions (ZooKeeper's DataTree and the session map of
// ZKDatabase). Every server applies the same committed transactions in zxid order, so every
// server's tree at a given zxid is identical; `digest()` lets tests compare them.
//
// Follows DataTree / PrepRequestProcessor of ZooKeeper 3.5–3.8:
// - create checks the path, then the parent (NONODE), then the node (NODEEXISTS), then whether the
//   parent is ephemeral (NOCHILDRENFOREPHEMERALS); a sequential node gets the parent's cversion as
//   a 10-digit suffix; creating or deleting a child bumps the parent's cversion and pzxid.
// - delete and setData are conditional on the data version (-1 matches any), delete refuses a
//   node with children (NOTEMPTY).
// - a multi applies all of its ops or none: the first failing op gets its error, the ones before
//   it OK and the ones after it RUNTIMEINCONSISTENCY, and the tree is left untouched.
// - closing a session deletes its ephemeral znodes (in path order here; ZooKeeper's order is a
//   hash set's) and fires their watches.
// The tree returns the watch triggers of each change; which connections they reach is the
// per-server WatchManager's business (watch-manager.ts). Children are listed in sorted order.

import { assert } from '../core/assert.ts';
import type { NodeId } from '../hw/actor.ts';
import type { CreateMode, OpResult, ReadResult, SessionId, Stat, Txn, TxnOutcome, WatchTrigger, WriteOp, ZkErrorCode } from './types.ts';

interface ZNode {
  data: string;
  stat: Stat;
  readonly children: Set<string>;
}

export interface SessionEntry {
  readonly timeoutMs: number;
  readonly owner: NodeId;
}

/** Undo steps of a multi in progress, replayed backwards when one of its ops fails. */
type Journal = (() => void)[];

class OpFailure {
  constructor(readonly err: ZkErrorCode) {}
}

/** ZooKeeper's PathUtils.validatePath, without its checks on unprintable characters. */
export function isValidPath(path: string): boolean {
  if (path.length === 0 || path[0] !== '/') return false;
  if (path === '/') return true;
  if (path.endsWith('/')) return false;
  return path
    .slice(1)
    .split('/')
    .every((name) => name.length > 0 && name !== '.' && name !== '..' && !name.includes('\u0000'));
}

export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function rootStat(): Stat {
  return { czxid: 0, mzxid: 0, pzxid: 0, ctimeMs: 0, mtimeMs: 0, version: 0, cversion: 0, ephemeralOwner: null, dataLength: 0, numChildren: 0 };
}

export class ZnodeTree {
  private readonly nodes = new Map<string, ZNode>();
  private readonly sessionTable = new Map<SessionId, SessionEntry>();
  private readonly ephemeralsBySession = new Map<SessionId, Set<string>>();

  constructor() {
    this.nodes.set('/', { data: '', stat: rootStat(), children: new Set() });
    // DataTree creates the system znodes /zookeeper and /zookeeper/quota (and /zookeeper/config
    // since 3.5) before any transaction, with zxid 0.
    for (const path of ['/zookeeper', '/zookeeper/quota', '/zookeeper/config']) this.addSystemNode(path);
  }

  get sessions(): ReadonlyMap<SessionId, SessionEntry> {
    return this.sessionTable;
  }

  get nodeCount(): number {
    return this.nodes.size;
  }

  /** Applies one committed transaction; the tree changes only on success. */
  apply(txn: Txn): TxnOutcome {
    const body = txn.body;
    switch (body.type) {
      case 'createSession':
        this.sessionTable.set(txn.sessionId, { timeoutMs: body.timeoutMs, owner: body.owner });
        return { err: 'OK', results: [], triggers: [] };
      case 'closeSession':
        return { err: 'OK', results: [], triggers: this.killSession(txn) };
      case 'error':
        return { err: body.err, results: [{ type: 'error', err: body.err }], triggers: [] };
      case 'multi':
        if (!this.sessionTable.has(txn.sessionId)) return { err: 'SESSIONEXPIRED', results: [], triggers: [] };
        return this.applyMulti(txn, body.ops);
      default:
        if (!this.sessionTable.has(txn.sessionId)) return { err: 'SESSIONEXPIRED', results: [{ type: 'error', err: 'SESSIONEXPIRED' }], triggers: [] };
        return this.applyMulti(txn, [body], true);
    }
  }

  /** Runs ops in order with an undo journal; a failure rolls every earlier op back. */
  private applyMulti(txn: Txn, ops: readonly WriteOp[], single = false): TxnOutcome {
    const journal: Journal = [];
    const triggers: WatchTrigger[] = [];
    const results: OpResult[] = [];
    for (let index = 0; index < ops.length; index++) {
      const outcome = this.applyOp(txn, ops[index] as WriteOp, journal, triggers);
      if (outcome instanceof OpFailure) {
        for (let undo = journal.length - 1; undo >= 0; undo--) (journal[undo] as () => void)();
        const failed: OpResult[] = ops.map((_, other) => ({
          type: 'error',
          err: other < index ? 'OK' : other === index ? outcome.err : 'RUNTIMEINCONSISTENCY',
        }));
        return { err: outcome.err, results: single ? [{ type: 'error', err: outcome.err }] : failed, triggers: [] };
      }
      results.push(outcome);
    }
    return { err: 'OK', results, triggers };
  }

  private applyOp(txn: Txn, op: WriteOp, journal: Journal, triggers: WatchTrigger[]): OpResult | OpFailure {
    switch (op.type) {
      case 'create':
        return this.create(txn, op.path, op.data, op.mode, journal, triggers);
      case 'delete':
        return this.delete(txn.zxid, op.path, op.version, journal, triggers);
      case 'setData':
        return this.setData(txn, op.path, op.data, op.version, journal, triggers);
      case 'check': {
        if (!isValidPath(op.path)) return new OpFailure('BADARGUMENTS');
        const node = this.nodes.get(op.path);
        if (!node) return new OpFailure('NONODE');
        if (op.version !== -1 && op.version !== node.stat.version) return new OpFailure('BADVERSION');
        return { type: 'check' };
      }
    }
  }

  private create(
    txn: Txn,
    requestedPath: string,
    data: string,
    mode: CreateMode,
    journal: Journal,
    triggers: WatchTrigger[],
  ): OpResult | OpFailure {
    const sequential = mode === 'persistent-sequential' || mode === 'ephemeral-sequential';
    if (!isValidPath(sequential ? `${requestedPath}0` : requestedPath) || requestedPath === '/') return new OpFailure('BADARGUMENTS');
    const parentPath = parentOf(sequential ? `${requestedPath}0` : requestedPath);
    const parent = this.nodes.get(parentPath);
    if (!parent) return new OpFailure('NONODE');
    const path = sequential ? requestedPath + String(parent.stat.cversion).padStart(10, '0') : requestedPath;
    if (this.nodes.has(path)) return new OpFailure('NODEEXISTS');
    if (parent.stat.ephemeralOwner !== null) return new OpFailure('NOCHILDRENFOREPHEMERALS');
    const owner = mode === 'ephemeral' || mode === 'ephemeral-sequential' ? txn.sessionId : null;
    const stat: Stat = {
      czxid: txn.zxid,
      mzxid: txn.zxid,
      pzxid: txn.zxid,
      ctimeMs: txn.timeMs,
      mtimeMs: txn.timeMs,
      version: 0,
      cversion: 0,
      ephemeralOwner: owner,
      dataLength: data.length,
      numChildren: 0,
    };
    this.nodes.set(path, { data, stat, children: new Set() });
    const parentStat = parent.stat;
    this.linkChild(parent, nameOf(path), txn.zxid, true);
    if (owner !== null) this.ephemeralSet(owner).add(path);
    journal.push(() => {
      this.nodes.delete(path);
      parent.children.delete(nameOf(path));
      parent.stat = parentStat;
      if (owner !== null) this.ephemeralSet(owner).delete(path);
    });
    triggers.push({ type: 'NodeCreated', path }, { type: 'NodeChildrenChanged', path: parentPath });
    return { type: 'create', path };
  }

  private delete(zxid: number, path: string, version: number, journal: Journal, triggers: WatchTrigger[]): OpResult | OpFailure {
    if (!isValidPath(path) || path === '/') return new OpFailure('BADARGUMENTS');
    const node = this.nodes.get(path);
    if (!node) return new OpFailure('NONODE');
    if (version !== -1 && version !== node.stat.version) return new OpFailure('BADVERSION');
    if (node.children.size > 0) return new OpFailure('NOTEMPTY');
    const parent = this.nodes.get(parentOf(path)) as ZNode;
    const parentStat = parent.stat;
    this.nodes.delete(path);
    this.linkChild(parent, nameOf(path), zxid, false);
    const owner = node.stat.ephemeralOwner;
    if (owner !== null) this.ephemeralSet(owner).delete(path);
    journal.push(() => {
      this.nodes.set(path, node);
      parent.children.add(nameOf(path));
      parent.stat = parentStat;
      if (owner !== null) this.ephemeralSet(owner).add(path);
    });
    triggers.push({ type: 'NodeDeleted', path }, { type: 'NodeChildrenChanged', path: parentOf(path) });
    return { type: 'delete' };
  }

  private setData(txn: Txn, path: string, data: string, version: number, journal: Journal, triggers: WatchTrigger[]): OpResult | OpFailure {
    if (!isValidPath(path)) return new OpFailure('BADARGUMENTS');
    const node = this.nodes.get(path);
    if (!node) return new OpFailure('NONODE');
    if (version !== -1 && version !== node.stat.version) return new OpFailure('BADVERSION');
    const before = { data: node.data, stat: node.stat };
    node.data = data;
    node.stat = { ...node.stat, mzxid: txn.zxid, mtimeMs: txn.timeMs, version: node.stat.version + 1, dataLength: data.length };
    journal.push(() => {
      node.data = before.data;
      node.stat = before.stat;
    });
    triggers.push({ type: 'NodeDataChanged', path });
    return { type: 'setData', stat: node.stat };
  }

  private linkChild(parent: ZNode, name: string, zxid: number, add: boolean): void {
    if (add) parent.children.add(name);
    else parent.children.delete(name);
    const stat = parent.stat;
    parent.stat = { ...stat, cversion: stat.cversion + 1, pzxid: Math.max(stat.pzxid, zxid), numChildren: parent.children.size };
  }

  private killSession(txn: Txn): WatchTrigger[] {
    const paths = [...(this.ephemeralsBySession.get(txn.sessionId) ?? [])].sort();
    const triggers: WatchTrigger[] = [];
    const journal: Journal = [];
    for (const path of paths) {
      const outcome = this.delete(txn.zxid, path, -1, journal, triggers);
      assert(!(outcome instanceof OpFailure), () => `ephemeral ${path} of ${txn.sessionId} could not be deleted`);
    }
    this.ephemeralsBySession.delete(txn.sessionId);
    this.sessionTable.delete(txn.sessionId);
    return triggers;
  }

  private ephemeralSet(sessionId: SessionId): Set<string> {
    let set = this.ephemeralsBySession.get(sessionId);
    if (!set) {
      set = new Set();
      this.ephemeralsBySession.set(sessionId, set);
    }
    return set;
  }

  private addSystemNode(path: string): void {
    this.nodes.set(path, { data: '', stat: rootStat(), children: new Set() });
    const parent = this.nodes.get(parentOf(path)) as ZNode;
    parent.children.add(nameOf(path));
    parent.stat = { ...parent.stat, numChildren: parent.children.size };
  }

  // Reads: served from this server's tree, which may lag the leader's.

  read(op: { type: 'getData' | 'exists' | 'getChildren'; path: string }): { err: ZkErrorCode; result: ReadResult | null } {
    if (!isValidPath(op.path)) return { err: 'BADARGUMENTS', result: null };
    const node = this.nodes.get(op.path);
    // exists() on a missing node answers NONODE with a null Stat (and may leave a watch).
    if (op.type === 'exists') return { err: node ? 'OK' : 'NONODE', result: { type: 'exists', stat: node ? node.stat : null } };
    if (!node) return { err: 'NONODE', result: null };
    if (op.type === 'getData') return { err: 'OK', result: { type: 'getData', data: node.data, stat: node.stat } };
    return { err: 'OK', result: { type: 'getChildren', children: [...node.children].sort(), stat: node.stat } };
  }

  stat(path: string): Stat | null {
    return this.nodes.get(path)?.stat ?? null;
  }

  data(path: string): string | null {
    return this.nodes.get(path)?.data ?? null;
  }

  /** Paths of the ephemeral znodes a session owns, sorted. */
  ephemerals(sessionId: SessionId): string[] {
    return [...(this.ephemeralsBySession.get(sessionId) ?? [])].sort();
  }

  /** A deep copy: what a snapshot on disk holds and what a SNAP sync ships. */
  clone(): ZnodeTree {
    const copy = new ZnodeTree();
    copy.nodes.clear();
    for (const [path, node] of this.nodes) copy.nodes.set(path, { data: node.data, stat: node.stat, children: new Set(node.children) });
    for (const [id, entry] of this.sessionTable) copy.sessionTable.set(id, entry);
    for (const [id, paths] of this.ephemeralsBySession) copy.ephemeralsBySession.set(id, new Set(paths));
    return copy;
  }

  /** A canonical text of the whole state, equal on two servers exactly when their trees are. */
  digest(): string {
    const paths = [...this.nodes.keys()].sort();
    const nodeText = paths.map((path) => {
      const node = this.nodes.get(path) as ZNode;
      return `${path}=${JSON.stringify(node.data)}@${JSON.stringify(node.stat)}`;
    });
    const sessions = [...this.sessionTable.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `${nodeText.join('\n')}\n${JSON.stringify(sessions)}`;
  }

  /** Approximate serialized size, for the network cost of a SNAP. */
  sizeBytes(): number {
    let bytes = 0;
    for (const [path, node] of this.nodes) bytes += path.length + node.data.length + 60;
    return bytes + this.sessionTable.size * 16;
  }
}
