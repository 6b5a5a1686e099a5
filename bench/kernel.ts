// The kernel benchmark: the classic "hold model" for pending-event sets. N events are pending; each
// step pops the earliest and schedules one at now + an exponential delay, so N stays constant.
// Measured with and without a handler call per event, for the kernel's Scheduler/EventQueue and
// for two reference queues in the same process. Delays come from a precomputed table so the
// generator's cost is not measured.

import { performance } from 'node:perf_hooks';
import { createRng } from '../sim/core/rng.ts';
import { EventQueue } from '../sim/core/event-queue.ts';
import { Scheduler } from '../sim/core/scheduler.ts';
import { ObjectHeap, ReferenceBinaryHeap } from './reference-heap.ts';

const DELAY_TABLE_SIZE = 1 << 16;
const MEAN_DELAY_US = 1000;

function delayTable(): Int32Array {
  const rng = createRng('bench/hold');
  const table = new Int32Array(DELAY_TABLE_SIZE);
  for (let i = 0; i < table.length; i++) table[i] = 1 + Math.floor(rng.exponential(MEAN_DELAY_US));
  return table;
}

const DELAYS = delayTable();
const MASK = DELAY_TABLE_SIZE - 1;

interface Contender {
  name: string;
  /** Runs `operations` hold steps with `pending` events; returns elapsed ms of the hold phase. */
  run(pending: number, operations: number): number;
}

function timed(body: () => void): number {
  const start = performance.now();
  body();
  return performance.now() - start;
}

const schedulerWithHandler: Contender = {
  name: 'kernel Scheduler (handler per event)',
  run(pending, operations) {
    const scheduler = new Scheduler();
    let k = 0;
    let remaining = operations;
    const handler = (): void => {
      if (remaining-- > 0) scheduler.schedule(DELAYS[k++ & MASK] as number, handler);
    };
    for (let i = 0; i < pending; i++) scheduler.schedule(DELAYS[k++ & MASK] as number, handler);
    return timed(() => {
      while (remaining > 0) scheduler.run(remaining);
    });
  },
};

const queueNoHandler: Contender = {
  name: 'kernel EventQueue (no handler)',
  run(pending, operations) {
    const queue = new EventQueue();
    const noop = (): void => {};
    let k = 0;
    for (let i = 0; i < pending; i++) queue.push(DELAYS[k++ & MASK] as number, noop, undefined);
    return timed(() => {
      for (let n = 0; n < operations; n++) {
        queue.pop();
        queue.push(queue.poppedTime + (DELAYS[k++ & MASK] as number), noop, undefined);
      }
    });
  },
};

const referenceWithHandler: Contender = {
  name: 'reference typed-array binary heap (handler per event)',
  run(pending, operations) {
    const heap = new ReferenceBinaryHeap();
    let k = 0;
    let now = 0;
    let remaining = operations;
    const handler = (): void => {
      if (remaining-- > 0) heap.push(now + (DELAYS[k++ & MASK] as number), handler);
    };
    for (let i = 0; i < pending; i++) heap.push(DELAYS[k++ & MASK] as number, handler);
    return timed(() => {
      while (remaining > 0) {
        const fn = heap.pop() as () => void;
        now = heap.poppedTime;
        fn();
      }
    });
  },
};

const referenceNoHandler: Contender = {
  name: 'reference typed-array binary heap (no handler)',
  run(pending, operations) {
    const heap = new ReferenceBinaryHeap();
    let k = 0;
    for (let i = 0; i < pending; i++) heap.push(DELAYS[k++ & MASK] as number, null);
    return timed(() => {
      for (let n = 0; n < operations; n++) {
        heap.pop();
        heap.push(heap.poppedTime + (DELAYS[k++ & MASK] as number), null);
      }
    });
  },
};

const objectHeapWithHandler: Contender = {
  name: 'reference object heap with closures (handler per event)',
  run(pending, operations) {
    const heap = new ObjectHeap();
    let k = 0;
    let now = 0;
    let remaining = operations;
    const handler = (): void => {
      if (remaining-- > 0) heap.push(now + (DELAYS[k++ & MASK] as number), () => handler());
    };
    for (let i = 0; i < pending; i++) heap.push(DELAYS[k++ & MASK] as number, () => handler());
    return timed(() => {
      while (remaining > 0) {
        const fn = heap.pop() as () => void;
        now = heap.poppedTime;
        fn();
      }
    });
  },
};

export const CONTENDERS: Contender[] = [
  schedulerWithHandler,
  referenceWithHandler,
  objectHeapWithHandler,
  queueNoHandler,
  referenceNoHandler,
];

export interface KernelRow {
  queue: string;
  pending: number;
  eventsPerSecond: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Median-of-`repeats` events/s for every contender at every pending size. */
export function benchKernel(sizes: number[], repeats: number, operationsFor: (pending: number) => number): KernelRow[] {
  const rows: KernelRow[] = [];
  for (const pending of sizes) {
    const operations = operationsFor(pending);
    for (const contender of CONTENDERS) {
      contender.run(Math.min(pending, 1000), 50_000);
      const rates: number[] = [];
      for (let r = 0; r < repeats; r++) rates.push(operations / (contender.run(pending, operations) / 1000));
      rows.push({ queue: contender.name, pending, eventsPerSecond: median(rates) });
    }
  }
  return rows;
}
