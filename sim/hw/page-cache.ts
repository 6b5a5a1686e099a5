// A machine's page cache: the RAM the kernel keeps file data in (DESIGN §4). Kafka never reads or
// writes its log through its own buffers; it relies on this cache, which is why a killed broker
// loses nothing (the cache belongs to the OS) and a machine that loses power loses every byte not
// yet written back.
//
// Two things are modelled here, machine-wide as in Linux (the disks in disk.ts share them):
// - Dirty accounting, as mm/page-writeback.c does it: bytes dirty (NR_FILE_DIRTY) and bytes under
//   writeback (NR_WRITEBACK), against vm.dirty_background_ratio (background writeback starts) and
//   vm.dirty_ratio (writers are throttled until writeback catches up), both as a share of the
//   memory left to the cache (RAM minus the process heap).
// - Which file data is in memory, for reads: an LRU over fixed-size chunks of each file, filled by
//   writes and by reads, evicting the least recently used chunk when the cache is full. A read is
//   free for the bytes whose chunk is cached and pays the disk for the rest.
//
// Simplified: chunks instead of 4 KiB pages (a read of any byte of a cached chunk is a hit, and a
// whole chunk is read in on a miss, like readahead); dirty data may be evicted from the LRU's view
// (it still gets written back, a later read just pays the disk); no anonymous-memory pressure.

import { assert } from '../core/assert.ts';

/** Granularity of the cache model. */
export const PAGE_CACHE_CHUNK_BYTES = 1024 * 1024;

/** Files one machine may hold (keys must stay exact integers). */
export const MAX_FILES_PER_MACHINE = 1 << 20;

const CHUNKS_PER_FILE = 2 ** 32;

/** A disk that can be asked to start background writeback when the machine is over its threshold. */
export interface WritebackDevice {
  startBackgroundWriteback(): void;
}

export interface PageCacheOptions {
  capacityBytes: number;
  /** vm.dirty_background_ratio, percent. */
  dirtyBackgroundRatio: number;
  /** vm.dirty_ratio, percent. */
  dirtyRatio: number;
  chunkBytes?: number;
}

export class PageCache {
  readonly capacityBytes: number;
  readonly chunkBytes: number;
  readonly backgroundThresholdBytes: number;
  readonly throttleThresholdBytes: number;
  /** Bytes written by processes and not yet handed to a disk (NR_FILE_DIRTY). */
  dirtyBytes = 0;
  /** Bytes handed to a disk and not yet on stable storage (NR_WRITEBACK). */
  writebackBytes = 0;
  private readonly capacityChunks: number;
  /** Cached chunks, least recently used first (a Map keeps insertion order). */
  private readonly lru = new Map<number, true>();
  private readonly devices: WritebackDevice[] = [];
  private nextFileId = 0;

  constructor(options: PageCacheOptions) {
    this.capacityBytes = options.capacityBytes;
    this.chunkBytes = options.chunkBytes ?? PAGE_CACHE_CHUNK_BYTES;
    assert(this.capacityBytes > 0 && this.chunkBytes > 0, 'page cache: capacity and chunk size must be positive');
    this.capacityChunks = Math.max(1, Math.floor(this.capacityBytes / this.chunkBytes));
    this.backgroundThresholdBytes = Math.floor((this.capacityBytes * options.dirtyBackgroundRatio) / 100);
    this.throttleThresholdBytes = Math.floor((this.capacityBytes * options.dirtyRatio) / 100);
  }

  /** A machine-wide id for a new file (the LRU's key space). */
  newFileId(): number {
    assert(this.nextFileId < MAX_FILES_PER_MACHINE, () => `more than ${MAX_FILES_PER_MACHINE} files on one machine`);
    return this.nextFileId++;
  }

  addDevice(device: WritebackDevice): void {
    this.devices.push(device);
  }

  /** A process wrote `bytes`: they are dirty. Starts background writeback past the threshold. */
  dirtied(bytes: number): void {
    this.dirtyBytes += bytes;
    if (this.overBackgroundThreshold()) for (const device of this.devices) device.startBackgroundWriteback();
  }

  /** Dirty bytes were handed to a disk. */
  writebackStarted(bytes: number): void {
    this.dirtyBytes -= bytes;
    this.writebackBytes += bytes;
    assert(this.dirtyBytes >= 0, () => `page cache: dirty bytes went negative (${this.dirtyBytes})`);
  }

  /** A disk finished writing `bytes`. */
  writebackDone(bytes: number): void {
    this.writebackBytes -= bytes;
    assert(this.writebackBytes >= 0, () => `page cache: writeback bytes went negative (${this.writebackBytes})`);
  }

  overBackgroundThreshold(): boolean {
    return this.dirtyBytes > this.backgroundThresholdBytes;
  }

  /** Bytes by which dirty + writeback data exceeds vm.dirty_ratio (0 when under it). */
  throttleExcessBytes(): number {
    return Math.max(0, this.dirtyBytes + this.writebackBytes - this.throttleThresholdBytes);
  }

  /** Marks [position, position + bytes) of a file as cached and most recently used. */
  touch(fileId: number, position: number, bytes: number): void {
    if (bytes <= 0) return;
    const first = Math.floor(position / this.chunkBytes);
    const last = Math.floor((position + bytes - 1) / this.chunkBytes);
    assert(last < CHUNKS_PER_FILE, 'page cache: file position beyond the modelled range');
    for (let chunk = first; chunk <= last; chunk++) {
      const key = fileId * CHUNKS_PER_FILE + chunk;
      this.lru.delete(key);
      this.lru.set(key, true);
    }
    while (this.lru.size > this.capacityChunks) {
      const oldest = this.lru.keys().next().value as number;
      this.lru.delete(oldest);
    }
  }

  /** How many bytes of [position, position + bytes) are not in the cache. */
  uncachedBytes(fileId: number, position: number, bytes: number): number {
    if (bytes <= 0) return 0;
    const endPosition = position + bytes;
    let missing = 0;
    const last = Math.floor((endPosition - 1) / this.chunkBytes);
    for (let chunk = Math.floor(position / this.chunkBytes); chunk <= last; chunk++) {
      if (this.lru.has(fileId * CHUNKS_PER_FILE + chunk)) continue;
      const chunkStart = chunk * this.chunkBytes;
      missing += Math.min(endPosition, chunkStart + this.chunkBytes) - Math.max(position, chunkStart);
    }
    return missing;
  }

  /** Power loss: RAM is empty. */
  clear(): void {
    this.lru.clear();
    this.dirtyBytes = 0;
    this.writebackBytes = 0;
  }
}
