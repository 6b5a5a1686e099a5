// The scheduler: the only loop in the simulator. It owns simulated time and runs events in
// (time, seq) order, one at a time, on a single thread — so a run is a pure function of the
// scenario and the seed. Handlers are plain functions with one argument, which lets hot paths pass
// a preallocated handler and a small argument instead of allocating a closure per event.
//
// Misuse fails at once naming the bad value (SimPy's habit): a negative, fractional or non-finite
// delay is our bug, not the user's, so it is an assertion.

import { SimAssertionError, assert } from './assert.ts';
import { EventQueue, type Handler } from './event-queue.ts';
import { MAX_EVENTS_AT_ONE_INSTANT, MAX_EVENTS_PER_RUN } from './limits.ts';

export type TimerId = number;

export interface SchedulerOptions {
  seed?: number | string;
  /** Stop with an error after this many events (runaway protection). */
  maxEvents?: number;
}

export class Scheduler {
  readonly seed: number | string;
  private readonly queue = new EventQueue();
  private nowUs = 0;
  private eventsRun = 0;
  private readonly maxEvents: number;
  private sameInstantCount = 0;

  constructor(options: SchedulerOptions = {}) {
    this.seed = options.seed ?? 0;
    this.maxEvents = options.maxEvents ?? MAX_EVENTS_PER_RUN;
  }

  /** Current simulated time in microseconds. */
  get now(): number {
    return this.nowUs;
  }

  /** Events executed so far. */
  get events(): number {
    return this.eventsRun;
  }

  /** Events waiting to run. */
  get pending(): number {
    return this.queue.pending;
  }

  /** Runs `fn(arg)` after `delayUs` microseconds (a non-negative integer). */
  schedule<A>(delayUs: number, fn: (arg: A) => void, arg?: A): TimerId {
    this.checkDelay(delayUs);
    return this.queue.push(this.nowUs + delayUs, fn as Handler, arg);
  }

  /**
   * Like schedule, but the event runs after every ordinary event due in the same microsecond; late
   * events of one microsecond run by `rank`, then in scheduling order (event-queue.ts).
   */
  scheduleLate<A>(delayUs: number, rank: number, fn: (arg: A) => void, arg?: A): TimerId {
    this.checkDelay(delayUs);
    return this.queue.pushLate(this.nowUs + delayUs, rank, fn as Handler, arg);
  }

  private checkDelay(delayUs: number): void {
    if (!(delayUs >= 0) || !Number.isInteger(delayUs)) {
      throw new SimAssertionError(`negative, fractional or non-finite delay ${delayUs}us`).withContext(this.seed, this.nowUs);
    }
  }

  /** Runs `fn(arg)` at absolute time `timeUs`, which must not be in the past. */
  scheduleAt<A>(timeUs: number, fn: (arg: A) => void, arg?: A): TimerId {
    return this.schedule(timeUs - this.nowUs, fn, arg);
  }

  /** Cancels a pending event; cancelling one that already ran or was cancelled has no effect. */
  cancel(id: TimerId): void {
    this.queue.cancel(id);
  }

  /** Time of the next pending event, or Infinity. */
  nextEventTime(): number {
    return this.queue.peekTime();
  }

  /** Runs the next event, if any. Returns false when nothing is pending. */
  step(): boolean {
    return this.run(1) === 1;
  }

  /** Runs up to `maxEvents` events (fewer when the queue empties). Returns how many ran. */
  run(maxEvents: number): number {
    return this.drain(Infinity, maxEvents);
  }

  /**
   * Runs every event due at or before `timeUs`, then leaves the clock at `timeUs` (so timers set
   * afterwards count from there). Returns the number of events run.
   */
  runUntil(timeUs: number): number {
    assert(timeUs >= this.nowUs, () => `runUntil(${timeUs}) is before now (${this.nowUs})`);
    const ran = this.drain(timeUs, Infinity);
    this.nowUs = timeUs;
    return ran;
  }

  /** Runs until nothing is pending (bounded by maxEvents). Returns the number of events run. */
  runToCompletion(): number {
    return this.drain(Infinity, Infinity);
  }

  /** The event loop: pops in (time, seq) order while events are due and the budget lasts. */
  private drain(horizonUs: number, budget: number): number {
    const queue = this.queue;
    let ran = 0;
    try {
      while (ran < budget) {
        const nextUs = queue.peekTime();
        if (nextUs > horizonUs || nextUs === Infinity) break;
        const handler = queue.pop() as Handler;
        const timeUs = queue.poppedTime;
        if (timeUs !== this.nowUs) {
          this.sameInstantCount = 0;
          this.nowUs = timeUs;
        } else if (++this.sameInstantCount > MAX_EVENTS_AT_ONE_INSTANT) {
          throw new SimAssertionError(`more than ${MAX_EVENTS_AT_ONE_INSTANT} events at t=${timeUs}us: a zero-delay loop (livelock)`);
        }
        if (++this.eventsRun > this.maxEvents) {
          throw new SimAssertionError(`the run exceeded its limit of ${this.maxEvents} events`);
        }
        ran++;
        handler(queue.poppedArg);
      }
    } catch (error) {
      if (error instanceof SimAssertionError) error.withContext(this.seed, this.nowUs);
      throw error;
    }
    return ran;
  }
}
