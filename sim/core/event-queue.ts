// The pending-event set of the discrete-event kernel: a priority queue ordered by (time, seq),
// where seq is an insertion counter, so no two events ever compare equal and ties in time run in
// the order they were scheduled (FoundationDB's and SimPy's rule).
//
// Layout, chosen by measurement (see `npm run bench`): a binary implicit heap over parallel
// arrays — keys in typed arrays (`heapTime`, `heapSeq`), handler and argument in plain arrays that
// move with their keys. Nothing is allocated per event once the arrays have grown, and no pointer
// is chased per comparison. (A 4-ary heap, and a variant with payloads in recycled slots, both
// measured slower here, the latter by a cache miss per event at 10^5+ pending.)
//
// A "late" event runs after every ordinary event of its microsecond, and late events of one
// microsecond run in the order of their rank (the owner's node index), then of scheduling: their
// seq is LATE_SEQ_OFFSET + rank · 2^32 + a count of late events, which stays exact in a double and
// unique as an id. Ordering them by owner rather than by when they were scheduled makes their
// order independent of when the owner chose to schedule them. The producer's application thread
// uses it for the end of each send() (producer-send.ts): a run that applies quiet sends later, in a
// catch-up, orders everything exactly as a run that gives each its own timer.
//
// An event's id is its seq. Cancellation is lazy: the id goes into a set, and a cancelled event is
// dropped when it reaches the top. Cancelling an event that already ran is harmless. When the
// cancelled ids outnumber half the heap, the heap is compacted: cancelled entries are filtered out
// and the rest re-heapified in O(n), and the set is emptied. This matters: most timeouts of a
// Kafka cluster (request.timeout.ms, purgatory deadlines, poll timeouts) are set and cancelled
// long before they are due; left in place, a 30 s timeout per request keeps the heap tens of
// thousands of entries deep, every sift pays for it, and the garbage collector copies the
// abandoned handlers into the old generation. Compaction is amortised O(1) per cancel and leaves
// the (time, seq) order — and so every run — unchanged.

import { MAX_PENDING_EVENTS } from './limits.ts';

export type Handler = (arg: any) => void;

const MIN_SWEEP = 1024;
/** Added to a late event's seq: 2^50, above any count of ordinary events. */
export const LATE_SEQ_OFFSET = 2 ** 50;
/** Ranks and late events per run both stay below these, so a late seq is exact and unique. */
export const MAX_LATE_RANK = 2 ** 17;
const LATE_COUNT_LIMIT = 2 ** 32;

export class EventQueue {
  private heapTime: Float64Array;
  private heapSeq: Float64Array;
  private heapFn: (Handler | undefined)[] = [];
  private heapArg: unknown[] = [];
  private size = 0;
  private nextSeq = 0;
  private lateCount = 0;
  private readonly cancelled = new Set<number>();

  /** Time of the event most recently popped. */
  poppedTime = 0;
  /** Argument of the event most recently popped (read before the next pop). */
  poppedArg: unknown = undefined;

  constructor(initialCapacity = 1024) {
    const capacity = Math.max(16, initialCapacity);
    this.heapTime = new Float64Array(capacity);
    this.heapSeq = new Float64Array(capacity);
  }

  /** Events scheduled and not yet run or cancelled (O(n) while cancellations are pending). */
  get pending(): number {
    if (this.cancelled.size === 0) return this.size;
    let live = 0;
    for (let i = 0; i < this.size; i++) if (!this.cancelled.has(this.heapSeq[i] as number)) live++;
    return live;
  }

  /** Entries held, cancelled ones included (what every sift pays for). */
  get stored(): number {
    return this.size;
  }

  /** Schedules `handler(arg)` at `time`; returns its id for `cancel`. */
  push(time: number, handler: Handler, arg: unknown): number {
    return this.insert(time, this.nextSeq++, handler, arg);
  }

  /** Schedules `handler(arg)` at `time`, after the time's ordinary events and late events of lower rank. */
  pushLate(time: number, rank: number, handler: Handler, arg: unknown): number {
    if (!(Number.isInteger(rank) && rank >= 0 && rank < MAX_LATE_RANK)) throw new RangeError(`late event rank ${rank} outside 0..${MAX_LATE_RANK - 1}`);
    if (this.lateCount >= LATE_COUNT_LIMIT) throw new RangeError(`more than ${LATE_COUNT_LIMIT} late events in one run`);
    return this.insert(time, LATE_SEQ_OFFSET + rank * LATE_COUNT_LIMIT + this.lateCount++, handler, arg);
  }

  private insert(time: number, seq: number, handler: Handler, arg: unknown): number {
    if (this.size === this.heapTime.length) this.grow();
    this.siftUp(this.size++, time, seq, handler, arg);
    return seq;
  }

  /** Cancels a pending event. Cancelling one that already ran or was cancelled has no effect. */
  cancel(id: number): void {
    const issued = id >= LATE_SEQ_OFFSET ? id % LATE_COUNT_LIMIT < this.lateCount : id >= 0 && id < this.nextSeq;
    if (!issued) return;
    this.cancelled.add(id);
    if (this.cancelled.size > MIN_SWEEP && 2 * this.cancelled.size > this.size) this.compact();
  }

  /** Time of the earliest live event, or Infinity when none is pending. */
  peekTime(): number {
    if (this.cancelled.size > 0) {
      while (this.size > 0 && this.cancelled.delete(this.heapSeq[0] as number)) this.removeTop();
    }
    return this.size === 0 ? Infinity : (this.heapTime[0] as number);
  }

  /**
   * Removes the earliest live event and returns its handler (its time in `poppedTime`, its
   * argument in `poppedArg`), or null when the queue is empty.
   */
  pop(): Handler | null {
    while (this.size > 0) {
      const seq = this.heapSeq[0] as number;
      const handler = this.heapFn[0] as Handler;
      this.poppedTime = this.heapTime[0] as number;
      this.poppedArg = this.heapArg[0];
      this.removeTop();
      if (this.cancelled.size > 0 && this.cancelled.delete(seq)) continue;
      return handler;
    }
    return null;
  }

  private removeTop(): void {
    const last = --this.size;
    if (last > 0) {
      this.heapTime[0] = this.heapTime[last] as number;
      this.heapSeq[0] = this.heapSeq[last] as number;
      this.heapFn[0] = this.heapFn[last];
      this.heapArg[0] = this.heapArg[last];
    }
    this.heapFn[last] = undefined;
    this.heapArg[last] = undefined;
    if (last > 0) this.siftDownFrom(0);
  }

  private siftUp(index: number, time: number, seq: number, fn: Handler, arg: unknown): void {
    const times = this.heapTime;
    const seqs = this.heapSeq;
    const fns = this.heapFn;
    const args = this.heapArg;
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const parentTime = times[parent] as number;
      if (parentTime < time || (parentTime === time && (seqs[parent] as number) < seq)) break;
      times[i] = parentTime;
      seqs[i] = seqs[parent] as number;
      fns[i] = fns[parent];
      args[i] = args[parent];
      i = parent;
    }
    times[i] = time;
    seqs[i] = seq;
    fns[i] = fn;
    args[i] = arg;
  }

  /** Drops cancelled entries from the heap and restores the heap order (Floyd's bottom-up build). */
  private compact(): void {
    const times = this.heapTime;
    const seqs = this.heapSeq;
    const fns = this.heapFn;
    const args = this.heapArg;
    let kept = 0;
    for (let i = 0; i < this.size; i++) {
      if (this.cancelled.has(seqs[i] as number)) continue;
      times[kept] = times[i] as number;
      seqs[kept] = seqs[i] as number;
      fns[kept] = fns[i];
      args[kept] = args[i];
      kept++;
    }
    for (let i = kept; i < this.size; i++) {
      fns[i] = undefined;
      args[i] = undefined;
    }
    this.size = kept;
    this.cancelled.clear();
    for (let i = (kept >> 1) - 1; i >= 0; i--) this.siftDownFrom(i);
  }

  /** Moves the entry at `start` down to its place in the subtree below it. */
  private siftDownFrom(start: number): void {
    const times = this.heapTime;
    const seqs = this.heapSeq;
    const fns = this.heapFn;
    const args = this.heapArg;
    const time = times[start] as number;
    const seq = seqs[start] as number;
    const fn = fns[start];
    const arg = args[start];
    const size = this.size;
    let i = start;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      const right = child + 1;
      if (right < size && ((times[right] as number) < (times[child] as number) || ((times[right] as number) === (times[child] as number) && (seqs[right] as number) < (seqs[child] as number)))) child = right;
      const childTime = times[child] as number;
      if (time < childTime || (time === childTime && seq < (seqs[child] as number))) break;
      times[i] = childTime;
      seqs[i] = seqs[child] as number;
      fns[i] = fns[child];
      args[i] = args[child];
      i = child;
    }
    times[i] = time;
    seqs[i] = seq;
    fns[i] = fn;
    args[i] = arg;
  }

  private grow(): void {
    const capacity = this.heapTime.length * 2;
    if (this.size >= MAX_PENDING_EVENTS) {
      throw new RangeError(`more than ${MAX_PENDING_EVENTS} events pending at once: the simulation is scheduling without bound`);
    }
    const times = new Float64Array(capacity);
    times.set(this.heapTime);
    this.heapTime = times;
    const seqs = new Float64Array(capacity);
    seqs.set(this.heapSeq);
    this.heapSeq = seqs;
  }
}
