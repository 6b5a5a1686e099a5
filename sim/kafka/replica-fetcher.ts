// A follower broker's replica fetchers: kafka.server.ReplicaFetcherManager and
// ReplicaFetcherThread over AbstractFetcherThread (Kafka 2.8).
//
// Each follower partition is assigned to one fetcher thread per (leader broker, fetcher id), the
// id being abs(31 × topic.hashCode + partition) mod `num.replica.fetchers`. A thread loops: first
// the partitions that must find their truncation point (OffsetsForLeaderEpoch, for the kip-101
// and kip-279 protocols), then one FetchRequest for all its fetching partitions — a long poll the
// leader holds up to `replica.fetch.wait.max.ms` until `replica.fetch.min.bytes` are there, at
// most `replica.fetch.max.bytes` per partition — then processes the answer and fetches again at
// once. What a partition does with each answer (append, truncate, back off, stop when fenced) is
// decided by Partition and truncation.ts; this file only ferries requests and answers.
//
// A partition answered with an error sits out `replica.fetch.backoff.ms`; a request that fails
// (the leader died, the network cut it off, `replica.socket.timeout.ms` passed) makes the whole
// thread back off as long. Simplified: follower appends cost no CPU (Kafka's fetcher threads are
// outside the request-handler pool); a write blocked past vm.dirty_ratio delays the next fetch.

import type { ActorContext } from '../hw/actor.ts';
import { brokerNodeId, type KafkaBrokerConfig } from './broker-config.ts';
import { javaStringHashCode, kafkaAbs } from './coordinator-key.ts';
import type { EpochQueryEntry } from './leader-read.ts';
import type { LogBatch } from './log.ts';
import type { NetworkClient } from './network-client.ts';
import type { Partition } from './partition.ts';
import {
  PARTITION_ENTRY_BYTES,
  REQUEST_HEADER_BYTES,
  parsePartitionName,
  type BatchPayload,
  type FetchPartitionRequest,
  type FetchRequest,
  type FetchResponse,
  type OffsetsForLeaderEpochRequest,
  type OffsetsForLeaderEpochResponse,
  type PartitionName,
} from './protocol.ts';
import type { ReplicaFetchPartitionResponse, TruncationRecord } from './truncation.ts';

/** replica.fetch.response.max.bytes (10 MiB). */
export const REPLICA_FETCH_RESPONSE_MAX_BYTES = 10 * 1024 * 1024;

export interface FetcherHooks {
  /** Batches appended to a follower's log: write them to disk; returns how long the write blocked (µs). */
  appended(partition: Partition, batches: readonly LogBatch<BatchPayload>[], highWatermarkChanged: boolean): number;
  truncated(partition: Partition, truncation: TruncationRecord<BatchPayload>): void;
  failed(partition: Partition, detail: string): void;
}

/** AbstractFetcherManager.getFetcherId. */
export function fetcherId(name: PartitionName, numFetchers: number): number {
  const { topic, partition } = parsePartitionName(name);
  return kafkaAbs((Math.imul(31, javaStringHashCode(topic)) + partition) | 0) % numFetchers;
}

export class ReplicaFetcherManager {
  private readonly threads = new Map<string, ReplicaFetcherThread>();
  /** The thread each partition is assigned to, so a move costs one lookup, not one per thread. */
  private readonly threadOf = new Map<PartitionName, ReplicaFetcherThread>();

  constructor(
    private readonly ctx: ActorContext,
    private readonly brokerId: number,
    private readonly config: KafkaBrokerConfig,
    private readonly network: NetworkClient,
    private readonly hooks: FetcherHooks,
  ) {}

  /** addFetcherForPartitions: the partition fetches from its current leader. */
  add(partition: Partition): void {
    this.remove(partition.name);
    if (partition.leaderId < 0) return;
    const key = `${partition.leaderId}/${fetcherId(partition.name, this.config['num.replica.fetchers'])}`;
    let thread = this.threads.get(key);
    if (thread === undefined) {
      thread = new ReplicaFetcherThread(this.ctx, this.brokerId, partition.leaderId, this.config, this.network, this.hooks);
      this.threads.set(key, thread);
    }
    thread.add(partition);
    this.threadOf.set(partition.name, thread);
  }

  /** removeFetcherForPartitions. */
  remove(name: PartitionName): void {
    this.threadOf.get(name)?.remove(name);
    this.threadOf.delete(name);
  }

  /** Partitions currently assigned to a fetcher, by leader. */
  assignments(): Map<number, PartitionName[]> {
    const byLeader = new Map<number, PartitionName[]>();
    for (const thread of this.threads.values()) {
      const names = byLeader.get(thread.leaderId) ?? [];
      names.push(...thread.partitionNames());
      byLeader.set(thread.leaderId, names);
    }
    return byLeader;
  }
}

class ReplicaFetcherThread {
  private readonly partitions = new Map<PartitionName, Partition>();
  private readonly delayedUntilUs = new Map<PartitionName, number>();
  private busy = false;
  private wakeAtUs = Infinity;

  constructor(
    private readonly ctx: ActorContext,
    private readonly brokerId: number,
    readonly leaderId: number,
    private readonly config: KafkaBrokerConfig,
    private readonly network: NetworkClient,
    private readonly hooks: FetcherHooks,
  ) {}

  add(partition: Partition): void {
    this.partitions.set(partition.name, partition);
    this.delayedUntilUs.delete(partition.name);
    this.wake();
  }

  remove(name: PartitionName): void {
    this.partitions.delete(name);
    this.delayedUntilUs.delete(name);
  }

  partitionNames(): PartitionName[] {
    return [...this.partitions.keys()];
  }

  private wake(): void {
    if (!this.busy) this.doWork();
  }

  /**
   * One turn of AbstractFetcherThread.doWork: truncation queries first, then a fetch. It runs after
   * every answer of every fetcher in the cluster, so it is written as plain loops.
   */
  private doWork(): void {
    const nowUs = this.ctx.now;
    const ready: Partition[] = [];
    const queries: EpochQueryEntry[] = [];
    for (const partition of this.partitions.values()) {
      if (this.delayedUntilUs.size > 0 && (this.delayedUntilUs.get(partition.name) ?? 0) > nowUs) continue;
      ready.push(partition);
      const query = partition.epochQuery();
      if (query !== undefined) queries.push(query);
    }
    if (queries.length > 0) {
      this.sendEpochQueries(queries);
      return;
    }
    const maxBytes = this.config['replica.fetch.max.bytes'];
    const entries: FetchPartitionRequest[] = [];
    for (const partition of ready) {
      const entry = partition.fetchRequest(maxBytes);
      if (entry !== undefined) entries.push(entry);
    }
    if (entries.length > 0) {
      this.sendFetch(entries);
      return;
    }
    this.busy = false;
    this.scheduleWakeForDelayed();
  }

  private sendEpochQueries(queries: EpochQueryEntry[]): void {
    this.busy = true;
    const request: OffsetsForLeaderEpochRequest = {
      type: 'offsets-for-leader-epoch',
      correlationId: this.network.correlationId(),
      replicaId: this.brokerId,
      partitions: queries,
    };
    this.network.send<OffsetsForLeaderEpochResponse>(
      brokerNodeId(this.leaderId),
      request,
      REQUEST_HEADER_BYTES + PARTITION_ENTRY_BYTES * queries.length,
      this.config['replica.socket.timeout.ms'],
      (response) => {
        const answers = new Map(response.partitions.map((entry) => [entry.partition, entry]));
        for (const sent of queries) {
          const partition = this.partitions.get(sent.partition);
          const answer = answers.get(sent.partition);
          if (partition === undefined || answer === undefined) continue;
          const outcome = partition.handleEpochAnswer(this.leaderId, sent, answer);
          if (outcome.kind === 'truncated') this.hooks.truncated(partition, outcome.truncation);
          else if (outcome.kind === 'retry') this.delay(sent.partition);
        }
        this.doWork();
      },
      () => this.backOff(),
    );
  }

  private sendFetch(entries: FetchPartitionRequest[]): void {
    this.busy = true;
    const request: FetchRequest = {
      type: 'fetch',
      correlationId: this.network.correlationId(),
      replicaId: this.brokerId,
      maxWaitMs: this.config['replica.fetch.wait.max.ms'],
      minBytes: this.config['replica.fetch.min.bytes'],
      maxBytes: REPLICA_FETCH_RESPONSE_MAX_BYTES,
      partitions: entries,
    };
    this.network.send<FetchResponse>(
      brokerNodeId(this.leaderId),
      request,
      REQUEST_HEADER_BYTES + PARTITION_ENTRY_BYTES * entries.length,
      this.config['replica.socket.timeout.ms'] + this.config['replica.fetch.wait.max.ms'],
      (response) => this.processFetchResponse(entries, response),
      () => this.backOff(),
    );
  }

  /** processFetchRequest: each partition's answer, then the next fetch (after a blocked write). */
  private processFetchResponse(entries: readonly FetchPartitionRequest[], response: FetchResponse): void {
    let blockedUs = 0;
    entries.forEach((sent, index) => {
      const partition = this.partitions.get(sent.partition);
      const answer = answerFor(response, sent.partition, index);
      if (partition === undefined || answer === undefined) return;
      const outcome = partition.handleFetchAnswer(this.leaderId, sent, answer as ReplicaFetchPartitionResponse, this.ctx.now);
      switch (outcome.kind) {
        case 'appended':
          // The wait covers the machine's whole dirty excess, so the partitions' waits overlap.
          blockedUs = Math.max(blockedUs, this.hooks.appended(partition, outcome.batches, outcome.highWatermarkChanged));
          break;
        case 'truncated':
          this.hooks.truncated(partition, outcome.truncation);
          break;
        case 'retry':
          this.delay(sent.partition);
          break;
        case 'failed':
          this.hooks.failed(partition, outcome.detail);
          break;
        default:
          break;
      }
    });
    if (blockedUs > 0) this.ctx.setTimer(Math.ceil(blockedUs), () => this.doWork());
    else this.doWork();
  }

  private delay(name: PartitionName): void {
    this.delayedUntilUs.set(name, this.ctx.now + this.config['replica.fetch.backoff.ms'] * 1000);
  }

  /** The whole request failed: back off, then try again (the fetcher may have been emptied meanwhile). */
  private backOff(): void {
    this.busy = true;
    this.ctx.setTimer(this.config['replica.fetch.backoff.ms'] * 1000, () => this.doWork());
  }

  /**
   * Wakes the thread when the next partition's backoff ends. Backoffs already over are forgotten:
   * their partitions had their turn in this doWork, and one that still has nothing to fetch (its
   * fetch state failed) waits for the next LeaderAndIsr instead of waking the thread at once,
   * again and again, at the same instant.
   */
  private scheduleWakeForDelayed(): void {
    const nowUs = this.ctx.now;
    let earliestUs = Infinity;
    for (const [name, untilUs] of this.delayedUntilUs) {
      if (untilUs <= nowUs || !this.partitions.has(name)) this.delayedUntilUs.delete(name);
      else earliestUs = Math.min(earliestUs, untilUs);
    }
    if (earliestUs === Infinity || earliestUs >= this.wakeAtUs) return;
    this.wakeAtUs = earliestUs;
    this.ctx.setTimer(Math.max(0, earliestUs - this.ctx.now), () => {
      this.wakeAtUs = Infinity;
      this.wake();
    });
  }
}

/** The answer for `name`: the leader answers in request order, so usually the one at `index`. */
function answerFor(response: FetchResponse, name: PartitionName, index: number): FetchResponse['partitions'][number] | undefined {
  const atIndex = response.partitions[index];
  return atIndex?.partition === name ? atIndex : response.partitions.find((entry) => entry.partition === name);
}
