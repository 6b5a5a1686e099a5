// Per-partition queues of a producer (the RecordAccumulator's deques, the Sender's in-flight
// batches), iterated in the order the partitions were first used, as Kafka's map of deques is.
//
// Kafka scans every partition it ever wrote to on each Sender wake-up (RecordAccumulator.ready,
// expiredBatches). A producer writing keyed records to 10,000 partitions holds a batch for only a
// few of them at any instant, so here a scan visits only the partitions whose queue may be
// non-empty: those handed out by `queue()` since the last scan found them empty. The visiting
// order, and so every outcome, is the same as scanning them all and skipping the empty ones.

import type { PartitionName } from '../kafka/protocol.ts';

export class PartitionQueues<T> {
  private readonly queues = new Map<PartitionName, T[]>();
  /** First-use order of every partition. */
  private readonly rank = new Map<PartitionName, number>();
  /** Partitions whose queue may be non-empty, ascending by rank. */
  private readonly active: PartitionName[] = [];
  private readonly activeSet = new Set<PartitionName>();

  /** The partition's queue if it has ever had one (it may be empty). */
  get(name: PartitionName): T[] | undefined {
    return this.queues.get(name);
  }

  /** The partition's queue, created on first use; whatever the caller adds to it will be scanned. */
  queue(name: PartitionName): T[] {
    let queue = this.queues.get(name);
    if (queue === undefined) {
      this.rank.set(name, this.rank.size);
      this.queues.set(name, (queue = []));
    }
    if (!this.activeSet.has(name)) this.activate(name);
    return queue;
  }

  /** The non-empty queues in first-use order. Empty ones found on the way are dropped from scans. */
  nonEmpty(): T[][] {
    const found: T[][] = [];
    let kept = 0;
    for (const name of this.active) {
      const queue = this.queues.get(name) as T[];
      if (queue.length === 0) {
        this.activeSet.delete(name);
        continue;
      }
      this.active[kept++] = name;
      found.push(queue);
    }
    this.active.length = kept;
    return found;
  }

  /** Forgets every partition and its queue (the next use starts a new order). */
  clear(): void {
    this.queues.clear();
    this.rank.clear();
    this.active.length = 0;
    this.activeSet.clear();
  }

  private activate(name: PartitionName): void {
    const rank = this.rank.get(name) as number;
    let lo = 0;
    let hi = this.active.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.rank.get(this.active[mid] as PartitionName) as number) < rank) lo = mid + 1;
      else hi = mid;
    }
    this.active.splice(lo, 0, name);
    this.activeSet.add(name);
  }
}
