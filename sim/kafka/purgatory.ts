// The waiting rooms of a leader (DelayedOperationPurgatory, Kafka 2.8): long-polling fetches and
// acks=all produce requests.
//
// Fetches: kafka.server.DelayedFetch in the fetch purgatory. A fetch that finds fewer than its minBytes waits, for
// at most its maxWaitMs (replica.fetch.wait.max.ms for followers, fetch.max.wait.ms for
// consumers), watched under every partition it asks for. Whatever might satisfy it — an append on
// the leader (followers read up to the log end), a high-watermark advance (consumers read up to
// the HW), a leadership change — calls `checkAndComplete` for that partition, and the fetch is
// answered as soon as it can read minBytes, or has an error to report, or its time is up.
//
// Why it matters: a follower's replication latency is its fetch round trip, and a fetch that
// returns at once on new data is what keeps acks=all latency at milliseconds (FIDELITY C, B6).
//
// Produce requests: kafka.server.DelayedProduce. The decision of when a partition's batch is
// settled is produce.ts's `checkCompletion` (the HW passed the batch, or the replica stopped
// leading). Kafka's one DelayedProduce watches all of a request's partitions; here each partition
// waits on its own and keeps how to answer (toward its request's one response, which KafkaApis
// sends once every partition has answered, or to a broker component appending to an internal
// topic), and its request.timeout.ms deadline answers REQUEST_TIMED_OUT.
//
// Deadlines are reaped by one timer per purgatory (deadlines.ts), as Kafka's timing wheel does,
// so an operation completed in time costs no timer.

import { assert } from '../core/assert.ts';
import type { ActorContext, NodeId } from '../hw/actor.ts';
import { DeadlineSet } from './deadlines.ts';
import { checkCompletion, type DelayedProduce } from './produce.ts';
import type { Partition } from './partition.ts';
import { ErrorCode, type FetchRequest, type PartitionName, type PartitionProduceResponse } from './protocol.ts';

/** Fetches one broker may hold waiting. */
export const MAX_DELAYED_FETCHES = 100_000;
/** Produce requests one broker may hold waiting. */
export const MAX_DELAYED_PRODUCES = 1_000_000;

export interface DelayedFetch {
  readonly id: number;
  readonly from: NodeId;
  readonly request: FetchRequest;
}

export interface FetchPurgatoryHooks {
  /** DelayedFetch.tryComplete: can this fetch be answered now (minBytes readable, or an error)? */
  canComplete(fetch: DelayedFetch): boolean;
  /** DelayedFetch.onComplete: read again and answer. */
  complete(fetch: DelayedFetch): void;
}

export class FetchPurgatory {
  private readonly waiting = new Map<number, DelayedFetch>();
  private readonly byPartition = new Map<PartitionName, Set<number>>();
  private readonly deadlines: DeadlineSet;
  private nextId = 1;

  constructor(
    private readonly ctx: ActorContext,
    private readonly hooks: FetchPurgatoryHooks,
  ) {
    this.deadlines = new DeadlineSet(ctx, (id) => this.finish(id));
  }

  get size(): number {
    return this.waiting.size;
  }

  /** tryCompleteElseWatch for a fetch that could not be answered on arrival. */
  watch(from: NodeId, request: FetchRequest): void {
    assert(this.waiting.size < MAX_DELAYED_FETCHES, () => `${this.ctx.id}: more than ${MAX_DELAYED_FETCHES} fetches waiting`);
    const fetch: DelayedFetch = { id: this.nextId++, from, request };
    this.waiting.set(fetch.id, fetch);
    this.deadlines.add(fetch.id, this.ctx.now + Math.max(0, Math.round(request.maxWaitMs * 1000)));
    for (const entry of request.partitions) {
      let ids = this.byPartition.get(entry.partition);
      if (ids === undefined) this.byPartition.set(entry.partition, (ids = new Set()));
      ids.add(fetch.id);
    }
  }

  /** checkAndComplete: answers every fetch watching `partition` that can now be answered. */
  checkAndComplete(partition: PartitionName): void {
    const ids = this.byPartition.get(partition);
    if (ids === undefined || ids.size === 0) return;
    for (const id of [...ids]) {
      const fetch = this.waiting.get(id);
      if (fetch !== undefined && this.hooks.canComplete(fetch)) this.finish(id);
    }
  }

  /** Answers the fetch now (completed or expired), once. */
  private finish(id: number): void {
    const fetch = this.waiting.get(id);
    if (fetch === undefined) return;
    this.waiting.delete(id);
    this.deadlines.delete(id);
    // A partition's watcher set stays when it empties (at most one per partition the broker has
    // served): the next fetch for it would only build it again.
    for (const entry of fetch.request.partitions) this.byPartition.get(entry.partition)?.delete(id);
    this.hooks.complete(fetch);
  }
}

/** Answers one partition of a produce request: toward a client's response, or to a broker component. */
export type ProduceReply = (response: PartitionProduceResponse) => void;

interface WaitingProduce {
  readonly delayed: DelayedProduce;
  readonly reply: ProduceReply;
}

export class ProducePurgatory {
  private readonly byPartition = new Map<PartitionName, Map<number, WaitingProduce>>();
  private readonly partitionOf = new Map<number, PartitionName>();
  private readonly deadlines: DeadlineSet;
  private nextId = 1;
  private count = 0;

  constructor(private readonly ctx: ActorContext) {
    this.deadlines = new DeadlineSet(ctx, (id) => this.expire(id));
  }

  get size(): number {
    return this.count;
  }

  watch(delayed: DelayedProduce, reply: ProduceReply): void {
    assert(this.count < MAX_DELAYED_PRODUCES, () => `${this.ctx.id}: more than ${MAX_DELAYED_PRODUCES} produce requests waiting`);
    const id = this.nextId++;
    let waiting = this.byPartition.get(delayed.partition);
    if (waiting === undefined) this.byPartition.set(delayed.partition, (waiting = new Map()));
    waiting.set(id, { delayed, reply });
    this.partitionOf.set(id, delayed.partition);
    this.deadlines.add(id, delayed.deadlineUs);
    this.count++;
  }

  /** checkAndComplete for one partition: answers every request its replica's state now settles. */
  checkAndComplete(name: PartitionName, partition: Partition | undefined): void {
    const waiting = this.byPartition.get(name);
    if (waiting === undefined || waiting.size === 0) return;
    for (const [id, entry] of [...waiting]) {
      const response = checkCompletion(entry.delayed, partition);
      if (response === undefined) continue;
      this.remove(name, id);
      entry.reply(response);
    }
  }

  /** DelayedProduce.onExpiration. */
  private expire(id: number): void {
    const name = this.partitionOf.get(id);
    if (name === undefined) return;
    const entry = this.byPartition.get(name)?.get(id);
    if (entry === undefined) return;
    this.remove(name, id);
    const { delayed } = entry;
    entry.reply({
      partition: delayed.partition,
      error: ErrorCode.REQUEST_TIMED_OUT,
      baseOffset: delayed.baseOffset,
      leaderEpoch: delayed.leaderEpoch,
    });
  }

  private remove(name: PartitionName, id: number): void {
    const waiting = this.byPartition.get(name);
    const entry = waiting?.get(id);
    if (waiting === undefined || entry === undefined) return;
    waiting.delete(id);
    this.partitionOf.delete(id);
    this.deadlines.delete(id);
    this.count--;
    // An emptied map stays (one per partition this broker leads): the next wait would build it again.
  }
}
