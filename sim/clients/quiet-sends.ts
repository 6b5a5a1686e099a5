// Deferred quiet sends: how an open-loop producer's application thread avoids an event per record
// without changing what happens (producer-send.ts uses it; DESIGN §15).
//
// Most send() calls are quiet: the record joins its partition's only batch, which it neither fills
// nor closes, so send() wakes nobody (KafkaProducer.doSend wakes the Sender only for a new or a full
// batch) and nothing outside the producer can tell it happened until the process's next event (the
// Sender's next run, a response, a metrics sample). So the thread draws the coming arrivals ahead
// (DrawnArrivals, with their keys), marks the quiet ones as deferred (QuietProjection checks each
// against the batch it would join, counting the deferred records before it), and keeps one timer,
// for the first send that is not quiet. Every other event of the producer process first applies
// the deferred sends that completed before it, each at its own completion time, and afterwards
// plans again from the state it left (a drain closes a batch, metadata moves a partition); the
// context the Sender and its NetworkClient get (HookedContext) runs those two steps around their
// timers and CPU work.
//
// Exact, not approximate: a send's completion is a late timer (event-queue.ts), run after every
// ordinary event of its microsecond, and a catch-up before an event at T applies exactly the sends
// completed before T. So a run with deferral orders every send and every other event as a run
// without it, and its trace is the same (test/clients/quiet-sends.test.ts compares whole
// scenarios). A pause hands deferred sends their timers back first (Actor.onPause), so they wait
// out the pause as timers do; nothing is deferred while the process is frozen.

import type { TimerId } from '../core/scheduler.ts';
import type { ActorContext, DiskAccess, NodeId } from '../hw/actor.ts';
import type { HardwareProfile } from '../hw/profiles.ts';
import type { PartitionName } from '../kafka/protocol.ts';
import type { RecordAccumulator } from './accumulator.ts';
import { KeyChooser, type LoadSpec, type PoissonArrivals } from './load.ts';
import { batchUpperBoundBytes, type ProducerBatch } from './producer-batch.ts';
import type { ProducerSettings } from './producer-config.ts';
import type { ProducerMetadata, TopicMetadata } from './producer-metadata.ts';
import type { TransactionManager } from './transaction-manager.ts';

/** Sends deferred at once, at most: the plan never looks further ahead than this. */
export const MAX_DEFERRED_SENDS = 4096;
/** Consumed entries kept before the queue's arrays are compacted. */
const COMPACT_AFTER = 1024;

/** Arrivals drawn ahead of time, oldest first, with their keys; the first `deferred` are planned quiet sends. */
export class DrawnArrivals {
  private exactUs: number[] = [];
  private keys: number[] = [];
  private doneUs: number[] = [];
  private head = 0;
  /** Entries at the head that are deferred quiet sends. */
  private deferredCount = 0;
  /** Keys of the oldest backlog records, drawn ahead with their arrivals. */
  private readonly backlogKeys: number[] = [];
  private backlogKeysHead = 0;

  constructor(
    private readonly source: PoissonArrivals,
    private readonly keyChooser: KeyChooser,
  ) {}

  get deferred(): number {
    return this.deferredCount;
  }

  /** The integer µs at which the oldest arrival not yet taken is due. */
  get nextDueUs(): number {
    return this.exactUs.length > this.head ? Math.ceil(this.exactUs[this.head] as number) : this.source.nextDueUs;
  }

  /** Exact time of the i-th arrival not yet taken, drawing it (and its key) if needed. */
  exactAt(index: number): number {
    while (this.exactUs.length - this.head <= index) {
      this.exactUs.push(this.source.takeNext());
      this.keys.push(this.keyChooser.next());
      this.doneUs.push(-1);
    }
    return this.exactUs[this.head + index] as number;
  }

  /** Key index of the i-th arrival not yet taken (drawn by exactAt). */
  keyAt(index: number): number {
    this.exactAt(index);
    return this.keys[this.head + index] as number;
  }

  /** Completion time of the i-th deferred send. */
  doneAt(index: number): number {
    return this.doneUs[this.head + index] as number;
  }

  /** Marks the first arrival after the deferred ones as a deferred send completing at `doneUs`. */
  defer(doneUs: number): void {
    this.exactAt(this.deferredCount);
    this.doneUs[this.head + this.deferredCount++] = doneUs;
  }

  /** Forgets the plan: deferred arrivals become plain drawn arrivals again. */
  undefer(): void {
    this.deferredCount = 0;
  }

  /** Removes the oldest arrival (deferred or not). */
  shift(): void {
    if (this.deferredCount > 0) this.deferredCount--;
    this.head++;
    if (this.head >= COMPACT_AFTER && 2 * this.head >= this.exactUs.length) {
      this.exactUs = this.exactUs.slice(this.head);
      this.keys = this.keys.slice(this.head);
      this.doneUs = this.doneUs.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * Takes up to `limit` arrivals due by `nowUs` (exact time), the drawn ones first, into a backlog
   * whose keys nextBacklogKey hands out in order (`keep` false: dropped). Returns how many.
   */
  takeDue(nowUs: number, limit: number, keep = true): number {
    let taken = 0;
    while (taken < limit && this.exactUs.length > this.head && (this.exactUs[this.head] as number) <= nowUs) {
      if (keep) this.backlogKeys.push(this.keys[this.head] as number);
      this.shift();
      taken++;
    }
    if (this.exactUs.length > this.head) return taken;
    return taken + this.source.takeDue(nowUs, limit - taken);
  }

  /** The key of the oldest backlog record: the one drawn with its arrival, or a new draw (in arrival order either way). */
  nextBacklogKey(): number {
    if (this.backlogKeysHead >= this.backlogKeys.length) return this.keyChooser.next();
    const key = this.backlogKeys[this.backlogKeysHead++] as number;
    if (this.backlogKeysHead === this.backlogKeys.length) {
      this.backlogKeys.length = 0;
      this.backlogKeysHead = 0;
    }
    return key;
  }
}

/** What the planner reads of the producer. */
export interface PlannerParts {
  readonly load: LoadSpec;
  readonly settings: ProducerSettings;
  readonly accumulator: RecordAccumulator;
  readonly metadata: ProducerMetadata;
  readonly txn: TransactionManager | null;
}

/** The partition send() would pick for a record without changing any state, or −1 if it would have to choose one. */
export type QuietPartition = (keyIndex: number, topic: TopicMetadata) => number;

/** Plans which coming arrivals are deferred quiet sends, and knows when a plan must be made again. */
export class QuietSendPlanner {
  private readonly projection: QuietProjection;
  private plannedChanges = -1;
  private plannedTopic: TopicMetadata | undefined = undefined;
  private plannedFatal = false;

  constructor(
    private readonly parts: PlannerParts,
    private readonly arrivals: DrawnArrivals,
    private readonly partitionOf: QuietPartition,
    private readonly partitionName: (partition: number) => PartitionName,
  ) {
    this.projection = new QuietProjection(parts.accumulator, () => parts.settings.batchSizeBytes);
  }

  /** Whether what the last plan was made from changed (a batch opened, closed or put back; new metadata; a fatal error). */
  changed(): boolean {
    const { accumulator, load, metadata, txn } = this.parts;
    return accumulator.changes !== this.plannedChanges || metadata.topic(load.topic) !== this.plannedTopic || (txn !== null && txn.state === 'fatal') !== this.plannedFatal;
  }

  /**
   * Marks the coming arrivals as deferred sends while each is quiet: alone in its microsecond,
   * done (at `perRecordUs` of work) before the next arrives (else that one waits in the backlog)
   * and not before `nowUs`, and joining an open batch it neither fills nor closes, with the
   * deferred records before it counted in.
   */
  plan(nowUs: number, perRecordUs: number): void {
    const { accumulator, load, metadata, txn } = this.parts;
    const arrivals = this.arrivals;
    const topic = metadata.topic(load.topic);
    this.plannedChanges = accumulator.changes;
    this.plannedTopic = topic;
    this.plannedFatal = txn !== null && txn.state === 'fatal';
    if (this.parts.settings.roundRobin || this.plannedFatal || this.tooLarge()) return;
    if (topic === undefined || (load.partition !== null && load.partition >= topic.partitionCount)) return;
    this.projection.reset();
    while (arrivals.deferred < MAX_DEFERRED_SENDS) {
      const index = arrivals.deferred;
      const dueUs = Math.ceil(arrivals.exactAt(index));
      const doneUs = Math.ceil(dueUs + perRecordUs);
      if (dueUs >= load.stopUs || doneUs < nowUs || Math.ceil(arrivals.exactAt(index + 1)) <= doneUs) return;
      const keyIndex = arrivals.keyAt(index);
      const partition = this.partitionOf(keyIndex, topic);
      if (partition < 0) return;
      if (!this.projection.tryAppend(this.partitionName(partition), load.topic, doneUs, KeyChooser.keyBytes(keyIndex), load.messageBytes)) return;
      arrivals.defer(doneUs);
    }
  }

  /** send() would throw RecordTooLargeException for every record of this load. */
  private tooLarge(): boolean {
    const { load, settings } = this.parts;
    const upperBoundBytes = batchUpperBoundBytes(KeyChooser.keyBytes(load.keys === null ? -1 : load.keys.count - 1), load.messageBytes);
    return upperBoundBytes > settings.maxRequestSizeBytes || upperBoundBytes > settings.bufferMemoryBytes;
  }
}

interface Projected {
  readonly batch: ProducerBatch;
  count: number;
  recordsBytes: number;
}

/** The batches deferred sends will join, with the records planned into each so far. */
class QuietProjection {
  private readonly byPartition = new Map<PartitionName, Projected>();

  constructor(
    private readonly accumulator: RecordAccumulator,
    private readonly batchSizeBytes: () => number,
  ) {}

  reset(): void {
    this.byPartition.clear();
  }

  /** Plans one more record into `partition`'s batch at `nowUs`; false (planning nothing) when that send would not be quiet. */
  tryAppend(partition: PartitionName, topic: string, nowUs: number, keyBytes: number, valueBytes: number): boolean {
    let projected = this.byPartition.get(partition);
    if (projected === undefined) {
      const batch = this.accumulator.soleOpenBatch(partition);
      if (batch === undefined) return false;
      projected = { batch, count: batch.recordCount, recordsBytes: batch.uncompressedRecordsBytes };
      this.byPartition.set(partition, projected);
    }
    const ratio = this.accumulator.ratioEstimate(topic);
    const added = projected.batch.quietAppendBytes(projected.count, projected.recordsBytes, nowUs, keyBytes, valueBytes, this.batchSizeBytes(), ratio);
    if (added < 0) return false;
    projected.count++;
    projected.recordsBytes += added;
    return true;
  }
}

/** What runs around each event of the producer process other than the application thread's own. */
export interface EventHooks {
  /** Applies the deferred sends completed before now. */
  before(): void;
  /** Plans again from the state the event left. */
  after(): void;
}

/** An ActorContext whose timers and CPU completions run inside the producer's event hooks. */
export class HookedContext implements ActorContext {
  constructor(
    private readonly inner: ActorContext,
    private readonly hooks: EventHooks,
  ) {}

  get id(): NodeId {
    return this.inner.id;
  }
  get incarnation(): number {
    return this.inner.incarnation;
  }
  get hardware(): HardwareProfile {
    return this.inner.hardware;
  }
  get rack(): string {
    return this.inner.rack;
  }
  get now(): number {
    return this.inner.now;
  }
  get rng(): ActorContext['rng'] {
    return this.inner.rng;
  }
  get trace(): ActorContext['trace'] {
    return this.inner.trace;
  }
  get runningUs(): number {
    return this.inner.runningUs;
  }
  get diskCount(): number {
    return this.inner.diskCount;
  }

  send(to: NodeId, message: unknown, sizeBytes: number): void {
    this.inner.send(to, message, sizeBytes);
  }
  closeConnection(peer: NodeId): void {
    this.inner.closeConnection(peer);
  }
  onDeath(fn: (nowUs: number) => void): void {
    this.inner.onDeath(fn);
  }
  setTimer<A>(delayUs: number, fn: (arg: A) => void, arg?: A): TimerId {
    return this.inner.setTimer(delayUs, this.hooked(fn), arg);
  }
  setLateTimer<A>(delayUs: number, fn: (arg: A) => void, arg?: A): TimerId {
    return this.inner.setLateTimer(delayUs, this.hooked(fn), arg);
  }
  cancelTimer(id: TimerId): void {
    this.inner.cancelTimer(id);
  }
  compute<A>(costOrPool: number | string, costOrFn: number | ((arg: A) => void), fnOrArg?: ((arg: A) => void) | A, arg?: A): void {
    if (typeof costOrPool === 'string') this.inner.compute(costOrPool, costOrFn as number, this.hooked(fnOrArg as (arg: A) => void), arg);
    else this.inner.compute(costOrPool, this.hooked(costOrFn as (arg: A) => void), fnOrArg as A);
  }
  definePool(name: string, threads: number): void {
    this.inner.definePool(name, threads);
  }
  disk(index?: number): DiskAccess {
    return this.inner.disk(index);
  }

  private hooked<A>(fn: (arg: A) => void): (arg: A) => void {
    const hooks = this.hooks;
    return (arg: A): void => {
      hooks.before();
      fn(arg);
      hooks.after();
    };
  }
}
