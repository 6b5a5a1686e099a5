// Deadlines of waiting operations, reaped by one timer: the role of Kafka's purgatory timing wheel
// and its ExpiredOperationReaper (DelayedOperationPurgatory, SystemTimer). Each operation keeps
// its own deadline and expires exactly then, but the set holds a single timer, armed at the
// earliest deadline: an operation completed before its deadline (most fetches and acks=all
// produces are, in milliseconds) costs no timer at all. When the timer fires, every operation due
// expires, in the order it was added, and the timer is re-armed for the next deadline.
//
// The deadlines sit in a binary min-heap by (deadline, order added), so a reap costs the
// operations it expires, not every operation waiting: a leader of 100 partitions in a 100-broker
// cluster holds ~200 follower fetches and reaps one every few milliseconds. A completed operation
// leaves its heap entry behind, skipped when it surfaces; every entry surfaces by its deadline,
// when the timer armed for it fires, so the heap never holds more than the operations added
// within one maximum wait.

import { assert } from '../core/assert.ts';
import type { TimerId } from '../core/scheduler.ts';
import type { ActorContext } from '../hw/actor.ts';

/** Operations one set may hold. */
export const MAX_DEADLINES = 1_000_000;

export class DeadlineSet {
  /** Order added of each waiting operation (its heap entry is the one with that order). */
  private readonly waiting = new Map<number, number>();
  private readonly heap = new DeadlineHeap();
  private added = 0;
  private timer: TimerId = -1;
  private armedAtUs = Infinity;

  constructor(
    private readonly ctx: ActorContext,
    /** Called for each operation whose deadline passed (it has already left the set). */
    private readonly onExpire: (id: number) => void,
  ) {}

  get size(): number {
    return this.waiting.size;
  }

  /** Watches operation `id` until `deadlineUs` (now if already past). */
  add(id: number, deadlineUs: number): void {
    assert(this.waiting.size < MAX_DEADLINES, () => `${this.ctx.id}: more than ${MAX_DEADLINES} operations waiting`);
    const order = this.added++;
    this.waiting.set(id, order);
    this.heap.push(Math.max(deadlineUs, this.ctx.now), order, id);
    this.arm(deadlineUs);
  }

  /** The operation completed (or was dropped): it will not expire. */
  delete(id: number): void {
    this.waiting.delete(id);
  }

  private arm(deadlineUs: number): void {
    const atUs = Math.max(deadlineUs, this.ctx.now);
    if (this.timer >= 0 && this.armedAtUs <= atUs) return;
    if (this.timer >= 0) this.ctx.cancelTimer(this.timer);
    this.armedAtUs = atUs;
    this.timer = this.ctx.setTimer(atUs - this.ctx.now, () => this.reap());
  }

  private reap(): void {
    this.timer = -1;
    this.armedAtUs = Infinity;
    const nowUs = this.ctx.now;
    const due: number[] = [];
    while (this.heap.size > 0 && this.heap.topDeadlineUs <= nowUs) {
      const id = this.heap.topId;
      if (this.isCurrent(id, this.heap.topOrder)) {
        due.push(id);
        this.waiting.delete(id);
      }
      this.heap.pop();
    }
    while (this.heap.size > 0 && !this.isCurrent(this.heap.topId, this.heap.topOrder)) this.heap.pop();
    if (this.heap.size > 0) this.arm(this.heap.topDeadlineUs);
    for (const id of due) this.onExpire(id);
  }

  /** Whether the heap entry (id, order) is the operation's live one, not left by a completed one. */
  private isCurrent(id: number, order: number): boolean {
    return this.waiting.get(id) === order;
  }
}

/** A binary min-heap of (deadline, order added, id) in three parallel arrays. */
class DeadlineHeap {
  private readonly deadlines: number[] = [];
  private readonly orders: number[] = [];
  private readonly ids: number[] = [];

  get size(): number {
    return this.ids.length;
  }

  get topDeadlineUs(): number {
    return this.deadlines[0] as number;
  }

  get topOrder(): number {
    return this.orders[0] as number;
  }

  get topId(): number {
    return this.ids[0] as number;
  }

  push(deadlineUs: number, order: number, id: number): void {
    let at = this.ids.length;
    this.deadlines.push(deadlineUs);
    this.orders.push(order);
    this.ids.push(id);
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!this.before(at, parent)) break;
      this.swap(at, parent);
      at = parent;
    }
  }

  pop(): void {
    const last = this.ids.length - 1;
    this.swap(0, last);
    this.deadlines.pop();
    this.orders.pop();
    this.ids.pop();
    let at = 0;
    for (;;) {
      const left = 2 * at + 1;
      const right = left + 1;
      let first = at;
      if (left < last && this.before(left, first)) first = left;
      if (right < last && this.before(right, first)) first = right;
      if (first === at) return;
      this.swap(at, first);
      at = first;
    }
  }

  private before(a: number, b: number): boolean {
    const da = this.deadlines[a] as number;
    const db = this.deadlines[b] as number;
    return da < db || (da === db && (this.orders[a] as number) < (this.orders[b] as number));
  }

  private swap(a: number, b: number): void {
    swapIn(this.deadlines, a, b);
    swapIn(this.orders, a, b);
    swapIn(this.ids, a, b);
  }
}

function swapIn(values: number[], a: number, b: number): void {
  const kept = values[a] as number;
  values[a] = values[b] as number;
  values[b] = kept;
}
