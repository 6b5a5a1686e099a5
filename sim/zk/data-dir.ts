// A ZooKeeper server's dataDir on its machine's disk (FileTxnSnapLog of ZooKeeper 3.5–3.8): the
// transaction log, the latest snapshot, and the acceptedEpoch / currentEpoch files.
//
// - The log is appended to and fsynced before any proposal is acknowledged, so a power loss only
//   takes unacknowledged txns (what lies above the file's surviving position is dropped when the
//   server starts again). Truncation (TRUNC) is a change to the log's image, as in FileTxnLog.
// - A snapshot (the tree at a zxid) is written whole, fsynced and renamed — the disk's
//   `writeSnapshot` — every snapCount txns, and when a follower receives a SNAP. The log before a
//   snapshot is dropped only once the snapshot is durable; until then the previous log is kept,
//   so a power loss that takes the new snapshot finds the old snapshot and the log after it.
// - The epoch files are written atomically (AtomicFileOutputStream); callers wait until they are
//   durable before acting on them, as QuorumPeer.writeLongToFile blocks.
// On start the server loads the latest surviving snapshot and the logged txns after it.

import { assert } from '../core/assert.ts';
import type { DiskAccess, FileHandle } from '../hw/actor.ts';
import { txnBytes } from './protocol.ts';
import { formatZxid, type Txn } from './types.ts';
import { ZnodeTree } from './znode-tree.ts';

/** Transactions one server may hold in its log before the run is treated as runaway. */
export const MAX_LOG_ENTRIES = 10_000_000;
export const TXN_LOG_FILE = 'zookeeper/version-2/log';
export const SNAPSHOT_FILE = 'zookeeper/version-2/snapshot';
export const ACCEPTED_EPOCH_FILE = 'zookeeper/version-2/acceptedEpoch';
export const CURRENT_EPOCH_FILE = 'zookeeper/version-2/currentEpoch';

interface LoggedTxn {
  readonly txn: Txn;
  /** Byte position in the log file just past this txn. */
  readonly endPosition: number;
}

/** The txns logged after the snapshot at `baseZxid`. */
interface LogImage {
  baseZxid: number;
  entries: LoggedTxn[];
}

/** The structured image of the log file (its `contents`), which outlives every incarnation. */
interface DataDirImage {
  current: LogImage;
  /** The log before the latest snapshot switch, kept until that snapshot is durable. */
  previous: LogImage | null;
  snapshotsWritten: number;
}

interface SnapshotImage {
  readonly tree: ZnodeTree;
  readonly zxid: number;
}

export class ZkStorage {
  private readonly logFile: FileHandle;
  private readonly snapshotFile: FileHandle;
  private readonly acceptedEpochFile: FileHandle;
  private readonly currentEpochFile: FileHandle;
  private readonly image: DataDirImage;

  /** Opens the dataDir and recovers it to what survived. */
  constructor(disk: DiskAccess) {
    this.logFile = disk.file(TXN_LOG_FILE);
    this.snapshotFile = disk.file(SNAPSHOT_FILE);
    this.acceptedEpochFile = disk.file(ACCEPTED_EPOCH_FILE);
    this.currentEpochFile = disk.file(CURRENT_EPOCH_FILE);
    const stored = this.logFile.contents as DataDirImage | undefined;
    this.image = stored ?? { current: { baseZxid: 0, entries: [] }, previous: null, snapshotsWritten: 0 };
    this.logFile.contents = this.image;
    this.recover();
  }

  get acceptedEpoch(): number {
    return (this.acceptedEpochFile.snapshot as number | undefined) ?? 0;
  }

  get currentEpoch(): number {
    return (this.currentEpochFile.snapshot as number | undefined) ?? 0;
  }

  setAcceptedEpoch(epoch: number, durable: () => void): void {
    this.acceptedEpochFile.writeSnapshot(epoch, 8, durable);
  }

  setCurrentEpoch(epoch: number, durable: () => void): void {
    this.currentEpochFile.writeSnapshot(epoch, 8, durable);
  }

  get snapshotZxid(): number {
    return this.image.current.baseZxid;
  }

  /** A copy of the tree the latest snapshot holds. */
  loadSnapshotTree(): ZnodeTree {
    const snapshot = this.snapshotFile.snapshot as SnapshotImage | undefined;
    return snapshot === undefined ? new ZnodeTree() : snapshot.tree.clone();
  }

  get logLength(): number {
    return this.image.current.entries.length;
  }

  txnAt(index: number): Txn {
    return (this.image.current.entries[index] as LoggedTxn).txn;
  }

  get lastLoggedZxid(): number {
    const entries = this.image.current.entries;
    return entries[entries.length - 1]?.txn.zxid ?? this.image.current.baseZxid;
  }

  append(txn: Txn): void {
    assert(txn.zxid > this.lastLoggedZxid, () => `logging ${formatZxid(txn.zxid)} after ${formatZxid(this.lastLoggedZxid)}`);
    assert(this.image.current.entries.length < MAX_LOG_ENTRIES, () => `a ZooKeeper log grew past ${MAX_LOG_ENTRIES} entries`);
    this.logFile.append(txnBytes(txn));
    this.image.current.entries.push({ txn, endPosition: this.logFile.endPosition });
  }

  /** Runs `durable` once everything logged so far is on stable storage. */
  fsync(durable: () => void): void {
    this.logFile.fsync(durable);
  }

  /** Index in the log of the first txn with zxid > `zxid`. */
  firstAfter(zxid: number): number {
    return firstAfter(this.image.current.entries, zxid);
  }

  hasLogged(zxid: number): boolean {
    if (zxid === this.image.current.baseZxid) return true;
    const index = this.firstAfter(zxid) - 1;
    return index >= 0 && this.txnAt(index).zxid === zxid;
  }

  txnsAfter(zxid: number): Txn[] {
    return this.image.current.entries.slice(this.firstAfter(zxid)).map((entry) => entry.txn);
  }

  truncateAfter(zxid: number): void {
    this.image.current.entries.length = this.firstAfter(zxid);
  }

  /** SNAP from the leader: a new snapshot, and a log that continues from it. */
  installSnapshot(tree: ZnodeTree, zxid: number): void {
    this.image.previous ??= this.image.current;
    this.image.current = { baseZxid: zxid, entries: [] };
    this.writeSnapshot(tree, zxid, () => undefined);
  }

  /** A periodic snapshot of the applied tree; the log it covers goes once it is durable. */
  compact(tree: ZnodeTree, zxid: number): void {
    const log = this.image.current;
    this.writeSnapshot(tree, zxid, () => {
      if (this.image.current !== log || log.baseZxid > zxid) return;
      log.entries = log.entries.slice(firstAfter(log.entries, zxid));
      log.baseZxid = zxid;
    });
  }

  private writeSnapshot(tree: ZnodeTree, zxid: number, durable: () => void): void {
    const written = ++this.image.snapshotsWritten;
    const snapshot: SnapshotImage = { tree: tree.clone(), zxid };
    this.snapshotFile.writeSnapshot(snapshot, tree.sizeBytes(), () => {
      if (written !== this.image.snapshotsWritten) return;
      // The durable snapshot is now the latest one: the log before it is no longer needed.
      this.image.previous = null;
      durable();
    });
  }

  /**
   * After a crash the latest snapshot and the whole log are there; after a power loss, the last
   * durable snapshot and the log up to the file's surviving position. Picks the log image that
   * continues from the surviving snapshot.
   */
  private recover(): void {
    const snapshot = (this.snapshotFile.snapshot as SnapshotImage | undefined) ?? { zxid: 0 };
    const survivingPosition = this.logFile.survivingPosition;
    const continues = (log: LogImage | null): log is LogImage =>
      log !== null && (log.baseZxid === snapshot.zxid || (log.baseZxid < snapshot.zxid && log.entries.some((e) => e.txn.zxid === snapshot.zxid)));
    const chosen = continues(this.image.current) ? this.image.current : continues(this.image.previous) ? this.image.previous : null;
    assert(chosen !== null, () => `no transaction log continues from the snapshot at ${formatZxid(snapshot.zxid)}`);
    const kept = chosen.entries.filter((entry) => entry.txn.zxid > snapshot.zxid && entry.endPosition <= survivingPosition);
    // The previous log stays while the latest snapshot may not be durable yet.
    if (chosen === this.image.previous) this.image.previous = null;
    this.image.current = { baseZxid: snapshot.zxid, entries: kept };
  }
}

function firstAfter(entries: readonly LoggedTxn[], zxid: number): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((entries[middle] as LoggedTxn).txn.zxid <= zxid) low = middle + 1;
    else high = middle;
  }
  return low;
}
