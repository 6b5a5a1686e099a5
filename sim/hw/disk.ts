// One disk (a Kafka log dir) and the files on it, with Linux writeback in front of it (DESIGN §4).
//
// Writes land in the page cache (page-cache.ts) and return at once, unless the machine is past
// vm.dirty_ratio, in which case `append` says how long the writer would block. Dirty data reaches
// the disk as fs/fs-writeback.c sends it:
// - the flusher wakes every vm.dirty_writeback_centisecs (5 s) while anything is dirty and writes
//   back every file dirtied more than vm.dirty_expire_centisecs (30 s) ago. Age is per file, as
//   Linux keeps it per inode (`dirtied_when`): a file being appended to is written back in full
//   each time it expires, and its age restarts with the next write after that;
// - past vm.dirty_background_ratio it writes back the oldest-dirtied files at once, until the
//   machine is back under the threshold;
// - fsync writes the file's dirty data itself, then flushes the device; the caller hears when both
//   are done (Kafka calls it per `log.flush.interval.messages` / `.ms`, and for checkpoints).
// Writeback is submitted a few MiB at a time (the block layer's request limit), so reads and
// fsyncs queue behind a bounded amount of background writing, never behind gigabytes.
//
// The disk serves one request at a time in FIFO order, so saturation shows as queueing latency.
// Sequential writes cost bytes / write throughput; reads of data not in the page cache cost the
// disk's latency + bytes / read throughput; a device flush costs the latency. A slow-disk fault
// multiplies the service time of requests that start while it holds.
//
// Durability is a byte position per file: bytes are appended at the end of a file that only
// grows (sim/kafka/log.ts gives each batch a byte position that is never reused) and written back
// in order, so "bytes below durablePosition are on stable storage" says it all. A crash changes
// nothing here: the page cache belongs to the OS. A power loss drops every byte above the
// durable position and every queued request; `survivingPosition` then says where the data a
// reader will find ends, which is what a log recovers to. Checkpoint-style files (replace the
// whole content, fsync, rename) are `writeSnapshot`: after a power loss the last durable one wins.

import { assert } from '../core/assert.ts';
import type { Scheduler, TimerId } from '../core/scheduler.ts';
import { US_PER_SECOND } from '../core/time.ts';
import type { PageCache, WritebackDevice } from './page-cache.ts';

/** Largest single write handed to the disk by writeback (Linux MAX_WRITEBACK_PAGES: 1024 pages). */
export const WRITEBACK_CHUNK_BYTES = 4 * 1024 * 1024;
/** Writeback bytes kept queued at the disk at once (nr_requests × max request size, roughly). */
export const WRITEBACK_QUEUE_BYTES = 4 * WRITEBACK_CHUNK_BYTES;
/** Requests one disk may hold queued; more means a writer ignores throttling entirely. */
export const MAX_DISK_QUEUE = 1_000_000;
/** Largest read in one call. */
export const MAX_READ_BYTES = 1024 * 1024 * 1024;

export interface DiskOptions {
  /** "broker-1/disk-0", for messages. */
  readonly label: string;
  readonly writeBytesPerSecond: number;
  readonly readBytesPerSecond: number;
  readonly latencyUs: number;
  readonly dirtyExpireUs: number;
  readonly dirtyWritebackIntervalUs: number;
}

/** A file on a disk. Positions only grow: durable ≤ queued ≤ planned ≤ end. */
export class DiskFile {
  /** Bytes ever appended. */
  endPosition = 0;
  /** Bytes chosen for writeback (by the flusher or an fsync). */
  plannedPosition = 0;
  /** Bytes handed to the disk. */
  queuedPosition = 0;
  /** Bytes below this are on stable storage (or were lost to an earlier power loss). */
  durablePosition = 0;
  /** Where the data a reader finds ends: the end, or after a power loss what was durable then. */
  survivingPosition = 0;
  /** When the bytes above plannedPosition started to be dirty. */
  dirtiedAtUs = 0;
  /** The owner's image of this file's bytes (e.g. its partition log); it survives every fault. */
  contents: unknown = undefined;
  /** The latest snapshot written (visible at once; durable once its write completes). */
  snapshot: unknown = undefined;
  durableSnapshot: unknown = undefined;

  constructor(
    readonly id: number,
    readonly name: string,
  ) {}

  /** Bytes not yet handed to the disk (lost on power loss, with those not yet durable). */
  get dirtyBytes(): number {
    return this.endPosition - this.queuedPosition;
  }
}

/** What a power loss took from one file. */
export interface FileLoss {
  readonly file: string;
  readonly lostBytes: number;
  readonly survivingPosition: number;
}

const WRITE = 0;
const READ = 1;
const FLUSH = 2;
const SNAPSHOT = 3;
type RequestKind = typeof WRITE | typeof READ | typeof FLUSH | typeof SNAPSHOT;

class DiskRequest {
  constructor(
    readonly kind: RequestKind,
    readonly file: DiskFile,
    /** Where in the file the request starts (writes and reads). */
    readonly position: number,
    /** Bytes of the file the request covers. */
    readonly bytes: number,
    /** Bytes the device transfers: a read skips what the page cache holds. */
    readonly deviceBytes: number,
    readonly done: (() => void) | undefined,
    readonly snapshot: unknown,
  ) {}
}

export class Disk implements WritebackDevice {
  readonly files = new Map<string, DiskFile>();
  /** Multiplies service time (slow-disk fault); 1 is healthy. */
  slowFactor = 1;
  /** Completed work, for metrics and tests. */
  readonly stats = { writtenBytes: 0, readBytes: 0, busyUs: 0, requests: 0 };
  /** Files with bytes above plannedPosition, oldest-dirtied first. */
  private readonly dirtyFiles = new Set<DiskFile>();
  /** Writeback chosen but not yet submitted: files and the position to write each up to. */
  private plan: DiskFile[] = [];
  private planTargets: number[] = [];
  private planHead = 0;
  private queue: DiskRequest[] = [];
  private queueHead = 0;
  private inService: DiskRequest | null = null;
  private serviceTimer: TimerId = -1;
  /** When the request in service ends (fractional µs), so back-to-back requests lose no time. */
  private serviceEndUs = 0;
  private queuedWriteBytes = 0;
  private flusherTimer: TimerId | null = null;
  private readonly usPerWriteByte: number;
  private readonly usPerReadByte: number;
  private readonly onServiceDone = (): void => this.finishService();
  private readonly onFlusherTick = (): void => this.flusherTick();

  constructor(
    private readonly scheduler: Scheduler,
    private readonly cache: PageCache,
    readonly options: DiskOptions,
  ) {
    assert(options.writeBytesPerSecond > 0 && options.readBytesPerSecond > 0, () => `${options.label}: throughput must be positive`);
    this.usPerWriteByte = US_PER_SECOND / options.writeBytesPerSecond;
    this.usPerReadByte = US_PER_SECOND / options.readBytesPerSecond;
    cache.addDevice(this);
  }

  /** The file called `name`, created empty on first use. */
  file(name: string): DiskFile {
    let file = this.files.get(name);
    if (file === undefined) {
      file = new DiskFile(this.cache.newFileId(), name);
      this.files.set(name, file);
    }
    return file;
  }

  /** Requests queued or in service. */
  get queueLength(): number {
    return this.queue.length - this.queueHead + (this.inService === null ? 0 : 1);
  }

  /**
   * Appends `bytes` to the end of `file` (into the page cache). Returns how many µs the write
   * blocks the writer: 0, or the time writeback needs to bring the machine under vm.dirty_ratio.
   */
  append(file: DiskFile, bytes: number): number {
    assert(Number.isInteger(bytes) && bytes >= 0, () => `${this.options.label}: append of ${bytes} bytes to ${file.name}`);
    if (bytes === 0) return 0;
    const wasClean = file.endPosition === file.plannedPosition;
    this.cache.touch(file.id, file.endPosition, bytes);
    file.endPosition += bytes;
    file.survivingPosition = file.endPosition;
    if (wasClean) {
      file.dirtiedAtUs = this.scheduler.now;
      this.dirtyFiles.add(file);
      if (this.flusherTimer === null) this.flusherTimer = this.scheduler.schedule(this.options.dirtyWritebackIntervalUs, this.onFlusherTick);
    }
    this.cache.dirtied(bytes);
    const excessBytes = this.cache.throttleExcessBytes();
    return excessBytes > 0 ? Math.ceil(excessBytes * this.usPerWriteByte * this.slowFactor) : 0;
  }

  /** Writes the file's dirty data and flushes the device; `done` runs when all of it is durable. */
  fsync(file: DiskFile, done: () => void): void {
    if (file.plannedPosition < file.endPosition) {
      file.plannedPosition = file.endPosition;
      this.dirtyFiles.delete(file);
    }
    for (let rest = file.endPosition - file.queuedPosition; rest > 0; rest -= WRITEBACK_CHUNK_BYTES) {
      this.submitWrite(file, Math.min(rest, WRITEBACK_CHUNK_BYTES));
    }
    this.enqueue(new DiskRequest(FLUSH, file, 0, 0, 0, done, undefined));
  }

  /** Reads [position, position + bytes) of `file`; `done` runs when the data is in memory. */
  read(file: DiskFile, position: number, bytes: number, done: () => void): void {
    assert(
      Number.isInteger(position) && Number.isInteger(bytes) && position >= 0 && bytes >= 0 && bytes <= MAX_READ_BYTES,
      () => `${this.options.label}: read of ${bytes} bytes at ${position} in ${file.name}`,
    );
    assert(position + bytes <= file.endPosition, () => `${this.options.label}: read past the end (${file.endPosition}) of ${file.name}`);
    const missingBytes = this.cache.uncachedBytes(file.id, position, bytes);
    if (missingBytes === 0) {
      this.cache.touch(file.id, position, bytes);
      this.scheduler.schedule(0, done);
      return;
    }
    this.enqueue(new DiskRequest(READ, file, position, bytes, missingBytes, done, undefined));
  }

  /**
   * Replaces the file's snapshot (a checkpoint written to a temporary file, fsynced and renamed,
   * as Kafka's CheckpointFile does): visible at once, durable when `done` runs.
   */
  writeSnapshot(file: DiskFile, snapshot: unknown, bytes: number, done?: () => void): void {
    assert(Number.isInteger(bytes) && bytes >= 0, () => `${this.options.label}: snapshot of ${bytes} bytes`);
    file.snapshot = snapshot;
    this.enqueue(new DiskRequest(SNAPSHOT, file, 0, bytes, bytes, done, snapshot));
  }

  /** Background writeback past vm.dirty_background_ratio (called by the page cache). */
  startBackgroundWriteback(): void {
    this.pump();
  }

  /**
   * Power loss: queued and in-progress requests vanish, and every byte not yet durable is lost.
   * The caller clears the page cache. Returns what each file lost.
   */
  powerLoss(): FileLoss[] {
    if (this.inService !== null) this.scheduler.cancel(this.serviceTimer);
    if (this.flusherTimer !== null) this.scheduler.cancel(this.flusherTimer);
    this.inService = null;
    this.flusherTimer = null;
    this.queue = [];
    this.queueHead = 0;
    this.plan = [];
    this.planTargets = [];
    this.planHead = 0;
    this.queuedWriteBytes = 0;
    this.dirtyFiles.clear();
    const losses: FileLoss[] = [];
    for (const file of this.files.values()) {
      const lostBytes = file.endPosition - file.durablePosition;
      if (lostBytes > 0) {
        file.survivingPosition = file.durablePosition;
        // The lost range is a hole that is never written: new data goes after it.
        file.durablePosition = file.queuedPosition = file.plannedPosition = file.endPosition;
        losses.push({ file: file.name, lostBytes, survivingPosition: file.survivingPosition });
      }
      file.snapshot = file.durableSnapshot;
    }
    return losses;
  }

  private flusherTick(): void {
    this.flusherTimer = null;
    const expiredBeforeUs = this.scheduler.now - this.options.dirtyExpireUs;
    for (const file of this.dirtyFiles) {
      if (file.dirtiedAtUs > expiredBeforeUs) break;
      this.planFile(file);
    }
    this.pump();
    if (this.dirtyFiles.size > 0) this.flusherTimer = this.scheduler.schedule(this.options.dirtyWritebackIntervalUs, this.onFlusherTick);
  }

  private planFile(file: DiskFile): void {
    file.plannedPosition = file.endPosition;
    this.dirtyFiles.delete(file);
    this.plan.push(file);
    this.planTargets.push(file.endPosition);
  }

  /** Submits planned writeback while the disk holds less than WRITEBACK_QUEUE_BYTES of it. */
  private pump(): void {
    while (this.queuedWriteBytes < WRITEBACK_QUEUE_BYTES) {
      if (this.planHead === this.plan.length) {
        const oldest = this.dirtyFiles.values().next();
        if (oldest.done || !this.cache.overBackgroundThreshold()) break;
        this.planFile(oldest.value);
      }
      const file = this.plan[this.planHead] as DiskFile;
      const bytes = Math.min((this.planTargets[this.planHead] as number) - file.queuedPosition, WRITEBACK_CHUNK_BYTES);
      if (bytes <= 0) {
        this.planHead++;
        continue;
      }
      this.submitWrite(file, bytes);
    }
    if (this.planHead === this.plan.length && this.planHead > 0) {
      this.plan = [];
      this.planTargets = [];
      this.planHead = 0;
    }
  }

  private submitWrite(file: DiskFile, bytes: number): void {
    file.queuedPosition += bytes;
    this.cache.writebackStarted(bytes);
    this.queuedWriteBytes += bytes;
    this.enqueue(new DiskRequest(WRITE, file, file.queuedPosition - bytes, bytes, bytes, undefined, undefined));
  }

  private enqueue(request: DiskRequest): void {
    assert(this.queueLength < MAX_DISK_QUEUE, () => `${this.options.label}: more than ${MAX_DISK_QUEUE} requests queued: a writer ignores throttling`);
    if (this.inService === null) this.startService(request, this.scheduler.now);
    else this.queue.push(request);
  }

  private startService(request: DiskRequest, startUs: number): void {
    const serviceUs = this.serviceUs(request) * this.slowFactor;
    this.inService = request;
    this.serviceEndUs = startUs + serviceUs;
    this.stats.busyUs += serviceUs;
    this.serviceTimer = this.scheduler.schedule(Math.ceil(this.serviceEndUs) - this.scheduler.now, this.onServiceDone);
  }

  private serviceUs(request: DiskRequest): number {
    switch (request.kind) {
      case WRITE:
        return request.deviceBytes * this.usPerWriteByte;
      case READ:
        return this.options.latencyUs + request.deviceBytes * this.usPerReadByte;
      case FLUSH:
        return this.options.latencyUs;
      case SNAPSHOT:
        return this.options.latencyUs + request.deviceBytes * this.usPerWriteByte;
    }
  }

  private finishService(): void {
    const request = this.inService as DiskRequest;
    this.inService = null;
    this.stats.requests++;
    if (this.queueHead < this.queue.length) {
      const next = this.queue[this.queueHead++] as DiskRequest;
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.queueHead);
        this.queueHead = 0;
      }
      this.startService(next, this.serviceEndUs);
    }
    this.complete(request);
  }

  private complete(request: DiskRequest): void {
    const file = request.file;
    switch (request.kind) {
      case WRITE:
        assert(file.durablePosition === request.position, () => `${this.options.label}: ${file.name} written back out of order`);
        file.durablePosition += request.bytes;
        this.cache.writebackDone(request.bytes);
        this.queuedWriteBytes -= request.bytes;
        this.stats.writtenBytes += request.bytes;
        this.pump();
        return;
      case READ:
        this.stats.readBytes += request.deviceBytes;
        this.cache.touch(file.id, request.position, request.bytes);
        break;
      case SNAPSHOT:
        file.durableSnapshot = request.snapshot;
        this.stats.writtenBytes += request.bytes;
        break;
      case FLUSH:
        break;
    }
    request.done?.();
  }
}
