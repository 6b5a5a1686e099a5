// A pool of CPU threads inside a process (DESIGN §4 "CPU"): Kafka's request handlers
// (`num.io.threads`, KafkaRequestHandlerPool), network threads (`num.network.threads`), a
// client's single sender or poll thread. Work is served first come, first served by the first
// free thread, each job for its stated cost; when all threads are busy jobs wait, so a saturated
// pool shows up as latency and caps throughput where real brokers cap it.
//
// Finish times are computed when a job is submitted (FIFO with known service times needs no
// more), in fractional microseconds like the NIC, so sub-microsecond per-record costs add up
// exactly. A process pause (GC, SIGSTOP) freezes every thread: `shift` moves all unfinished work
// later by the pause's length.
//
// Simplified: pools do not compete for the machine's cores (a pool is as parallel as its thread
// count), no context-switch or cache effects, no preemption.

import { assert } from '../core/assert.ts';

/** Threads one pool may have. */
export const MAX_POOL_THREADS = 1024;

export class CpuPool {
  /** When each thread finishes the work queued on it (fractional µs). */
  private readonly freeAtUs: Float64Array;
  /** CPU time handed to this pool so far, for utilisation metrics. */
  busyUs = 0;

  constructor(
    readonly name: string,
    readonly threads: number,
  ) {
    assert(
      Number.isInteger(threads) && threads >= 1 && threads <= MAX_POOL_THREADS,
      () => `CPU pool ${name}: thread count must be a whole number from 1 to ${MAX_POOL_THREADS}, got ${threads}`,
    );
    this.freeAtUs = new Float64Array(threads);
  }

  /** Queues a job of `costUs` at `nowUs`; returns when it finishes (fractional µs). */
  reserve(nowUs: number, costUs: number): number {
    assert(costUs >= 0 && Number.isFinite(costUs), () => `CPU pool ${this.name}: job cost ${costUs}us must be finite and non-negative`);
    const free = this.freeAtUs;
    let thread = 0;
    for (let i = 1; i < free.length; i++) if ((free[i] as number) < (free[thread] as number)) thread = i;
    const startUs = Math.max(nowUs, free[thread] as number);
    const doneUs = startUs + costUs;
    free[thread] = doneUs;
    this.busyUs += costUs;
    return doneUs;
  }

  /** A pause from `pausedAtUs` lasting `pausedForUs`: work unfinished then finishes that much later. */
  shift(pausedAtUs: number, pausedForUs: number): void {
    const free = this.freeAtUs;
    for (let i = 0; i < free.length; i++) if ((free[i] as number) > pausedAtUs) free[i] = (free[i] as number) + pausedForUs;
  }
}
