// A ZooKeeper server's in-memory database (ZKDatabase of ZooKeeper 3.5–3.8): the tree with every
// committed transaction applied, up to lastProcessedZxid, over the dataDir (data-dir.ts).
//
// - Elections compare the last *logged* zxid, so logged-but-uncommitted proposals count.
// - The tree only ever holds committed transactions here: a restarted server loads its last
//   snapshot and applies its logged transactions once the leader's sync says they are committed.
//   ZooKeeper replays the whole log at load, then TRUNC or SNAP undo what was not committed,
//   before it serves anyone — the observable behaviour is the same.
// - A snapshot is taken every `snapCount` applied transactions (ZooKeeper adds a random jitter).
// - The leader syncs a follower with DIFF when the follower's last zxid is in its log, TRUNC when
//   the follower holds proposals the leader never had (and a txn of that epoch marks a safe
//   truncation point), else SNAP (LearnerHandler.syncFollower).
// - Proposals are acknowledged after an fsync; fsyncs are group commits, as SyncRequestProcessor
//   flushes one batch at a time.

import { assert } from '../core/assert.ts';
import type { ZkStorage } from './data-dir.ts';
import { formatZxid, zxidEpoch, type Txn, type TxnOutcome } from './types.ts';
import type { ZnodeTree } from './znode-tree.ts';

/** Called for each transaction a server applies, in order. */
export type AppliedListener = (txn: Txn, outcome: TxnOutcome) => void;

export interface SyncPlan {
  readonly mode: 'diff' | 'trunc' | 'snap';
  readonly truncateZxid: number;
  readonly snapshot: ZnodeTree | null;
  readonly snapshotZxid: number;
  readonly txns: readonly Txn[];
}

export class ZkDatabase {
  tree: ZnodeTree;
  lastProcessedZxid: number;
  private appliedSinceSnapshot = 0;

  constructor(
    readonly storage: ZkStorage,
    private readonly snapCount: number,
    private readonly onReset: (zxid: number) => void,
  ) {
    this.tree = storage.loadSnapshotTree();
    this.lastProcessedZxid = storage.snapshotZxid;
    onReset(this.lastProcessedZxid);
  }

  get lastLoggedZxid(): number {
    return this.storage.lastLoggedZxid;
  }

  /** Applies every logged txn up to `zxid`, in order, telling `listener` about each. */
  commitThrough(zxid: number, listener: AppliedListener): void {
    const storage = this.storage;
    for (let index = storage.firstAfter(this.lastProcessedZxid); index < storage.logLength; index++) {
      const txn = storage.txnAt(index);
      if (txn.zxid > zxid) break;
      const outcome = this.tree.apply(txn);
      this.lastProcessedZxid = txn.zxid;
      this.appliedSinceSnapshot++;
      listener(txn, outcome);
    }
    if (this.appliedSinceSnapshot >= this.snapCount) {
      this.storage.compact(this.tree, this.lastProcessedZxid);
      this.appliedSinceSnapshot = 0;
    }
  }

  /** TRUNC: drops logged txns above `zxid`, none of which may have been applied. */
  truncate(zxid: number): void {
    assert(zxid >= this.lastProcessedZxid, () => `TRUNC to ${formatZxid(zxid)} below the applied ${formatZxid(this.lastProcessedZxid)}`);
    assert(this.storage.hasLogged(zxid), () => `TRUNC to ${formatZxid(zxid)}, which this server never logged`);
    this.storage.truncateAfter(zxid);
  }

  /** SNAP: the leader's tree replaces ours. */
  installSnapshot(tree: ZnodeTree, zxid: number): void {
    this.storage.installSnapshot(tree, zxid);
    this.tree = tree.clone();
    this.lastProcessedZxid = zxid;
    this.appliedSinceSnapshot = 0;
    this.onReset(zxid);
  }

  /** How the leader brings a follower whose last logged zxid is `peerLastZxid` in line with itself. */
  syncPlanFor(peerLastZxid: number): SyncPlan {
    const storage = this.storage;
    if (peerLastZxid >= storage.snapshotZxid && storage.hasLogged(peerLastZxid)) {
      return { mode: 'diff', truncateZxid: 0, snapshot: null, snapshotZxid: 0, txns: storage.txnsAfter(peerLastZxid) };
    }
    if (peerLastZxid > storage.snapshotZxid) {
      const index = storage.firstAfter(peerLastZxid - 1) - 1;
      const truncateZxid = index >= 0 ? storage.txnAt(index).zxid : storage.snapshotZxid;
      if (truncateZxid > 0 && zxidEpoch(truncateZxid) === zxidEpoch(peerLastZxid)) {
        return { mode: 'trunc', truncateZxid, snapshot: null, snapshotZxid: 0, txns: storage.txnsAfter(truncateZxid) };
      }
    }
    return { mode: 'snap', truncateZxid: 0, snapshot: this.tree.clone(), snapshotZxid: this.lastProcessedZxid, txns: storage.txnsAfter(this.lastProcessedZxid) };
  }
}

/**
 * Group commit of the transaction log (SyncRequestProcessor): callbacks registered while no fsync
 * runs start one; those registered during an fsync wait for the next. Callbacks run in order.
 */
export class GroupCommit {
  private waiting: (() => void)[] = [];
  private syncing = false;

  constructor(private readonly storage: ZkStorage) {}

  whenDurable(callback: () => void): void {
    this.waiting.push(callback);
    if (!this.syncing) this.startFsync();
  }

  private startFsync(): void {
    const batch = this.waiting;
    this.waiting = [];
    this.syncing = true;
    this.storage.fsync(() => {
      this.syncing = false;
      for (const callback of batch) callback();
      if (this.waiting.length > 0) this.startFsync();
    });
  }
}
