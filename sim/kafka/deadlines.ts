// Deadlines of waiting operations, reaped by one timer: the role of Kafka's purgatory timing wheel
// and its ExpiredOperationReaper (DelayedOperationPurgatory, SystemTimer). Each operation keeps
// its own deadline and expires exactly then, but the set holds a single timer, armed at the
// earliest deadline: an operation completed before its deadline (most fetches and acks=all
// produces are, in milliseconds) costs no timer at all. When the timer fires, every operation due
// expires, in the order it was added, and the timer is re-armed for the next deadline.

import { assert } from '../core/assert.ts';
import type { TimerId } from '../core/scheduler.ts';
import type { ActorContext } from '../hw/actor.ts';

/** Operations one set may hold. */
export const MAX_DEADLINES = 1_000_000;

export class DeadlineSet {
  private readonly deadlines = new Map<number, number>();
  private timer: TimerId = -1;
  private armedAtUs = Infinity;

  constructor(
    private readonly ctx: ActorContext,
    /** Called for each operation whose deadline passed (it has already left the set). */
    private readonly onExpire: (id: number) => void,
  ) {}

  get size(): number {
    return this.deadlines.size;
  }

  /** Watches operation `id` until `deadlineUs` (now if already past). */
  add(id: number, deadlineUs: number): void {
    assert(this.deadlines.size < MAX_DEADLINES, () => `${this.ctx.id}: more than ${MAX_DEADLINES} operations waiting`);
    this.deadlines.set(id, Math.max(deadlineUs, this.ctx.now));
    this.arm(deadlineUs);
  }

  /** The operation completed (or was dropped): it will not expire. */
  delete(id: number): void {
    this.deadlines.delete(id);
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
    let nextUs = Infinity;
    for (const [id, deadlineUs] of this.deadlines) {
      if (deadlineUs <= nowUs) due.push(id);
      else if (deadlineUs < nextUs) nextUs = deadlineUs;
    }
    for (const id of due) this.deadlines.delete(id);
    if (nextUs < Infinity) this.arm(nextUs);
    for (const id of due) this.onExpire(id);
  }
}
