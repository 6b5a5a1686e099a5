// A broker's copy of the cluster metadata: kafka.server.ZkMetadataCache (Kafka 2.8), filled only
// by the controller's UpdateMetadata requests and read to answer clients' Metadata requests and to
// find a partition's leader endpoint. It can lag the controller (a request in flight, a broker cut
// off from the controller), which is how clients end up at a former leader and get
// NOT_LEADER_OR_FOLLOWER.
//
// A partition whose leader is not among the live brokers is reported with LEADER_NOT_AVAILABLE
// and leader -1 (MetadataCache.getPartitionMetadata). Simplified: auto.create.topics.enable is
// not modelled — an unknown topic is UNKNOWN_TOPIC_OR_PARTITION.

import {
  ErrorCode,
  parsePartitionName,
  type LeaderAndIsrPartitionState,
  type MetadataResponse,
  type PartitionMetadata,
  type PartitionName,
  type UpdateMetadataRequest,
} from './protocol.ts';
import { NO_LEADER } from './election.ts';

export interface CachedPartition {
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  readonly replicas: readonly number[];
  readonly controllerEpoch: number;
}

/** A topic's cached partitions, indexed by partition number (an array: 10,000 partitions on 100 brokers). */
interface CachedTopic {
  readonly partitions: (CachedPartition | undefined)[];
  count: number;
}

export class MetadataCache {
  private aliveBrokers = new Map<number, string>();
  private readonly topics = new Map<string, CachedTopic>();
  private controller = NO_LEADER;

  get controllerId(): number {
    return this.controller;
  }

  isAlive(brokerId: number): boolean {
    return this.aliveBrokers.has(brokerId);
  }

  aliveBrokerIds(): number[] {
    return [...this.aliveBrokers.keys()].sort((a, b) => a - b);
  }

  rackOf(brokerId: number): string | undefined {
    return this.aliveBrokers.get(brokerId);
  }

  /** ZkMetadataCache.updateMetadata: the broker list is replaced, partition states are merged. */
  update(request: UpdateMetadataRequest): void {
    this.controller = request.controllerId;
    this.aliveBrokers = new Map(request.liveBrokers.map((broker) => [broker.id, broker.rack]));
    for (const state of request.partitions) this.put(state);
  }

  /**
   * Keeps the request's own partition state: messages are never changed once sent, and the
   * controller sends one UpdateMetadata body to every broker, so 100 brokers caching 10,000
   * partitions hold 10,000 states between them rather than a million copies.
   */
  private put(state: LeaderAndIsrPartitionState): void {
    const { topic, partition } = parsePartitionName(state.partition);
    let cached = this.topics.get(topic);
    if (cached === undefined) this.topics.set(topic, (cached = { partitions: [], count: 0 }));
    // Filled up to the index first, so the array stays a dense one whichever partition comes first.
    while (cached.partitions.length <= partition) cached.partitions.push(undefined);
    if (cached.partitions[partition] === undefined) cached.count++;
    cached.partitions[partition] = state;
  }

  partition(name: PartitionName): CachedPartition | undefined {
    const { topic, partition } = parsePartitionName(name);
    return this.topics.get(topic)?.partitions[partition];
  }

  /** The live leader of a partition, or NO_LEADER. */
  leaderOf(name: PartitionName): number {
    const cached = this.partition(name);
    return cached !== undefined && this.aliveBrokers.has(cached.leader) ? cached.leader : NO_LEADER;
  }

  topicNames(): string[] {
    return [...this.topics.keys()];
  }

  partitionCount(topic: string): number {
    return this.topics.get(topic)?.count ?? 0;
  }

  /** The body of a MetadataResponse for `topics` (null: every topic). */
  metadata(correlationId: number, topics: readonly string[] | null): MetadataResponse {
    const names = topics ?? this.topicNames();
    return {
      type: 'metadata-response',
      correlationId,
      brokers: this.aliveBrokerIds().map((id) => ({ id, rack: this.aliveBrokers.get(id) ?? '' })),
      controllerId: this.controller,
      topics: names.map((name) => this.topicMetadata(name)),
    };
  }

  private topicMetadata(name: string): MetadataResponse['topics'][number] {
    const cachedTopic = this.topics.get(name);
    if (cachedTopic === undefined) return { name, error: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, partitions: [] };
    const entries: PartitionMetadata[] = [];
    cachedTopic.partitions.forEach((cached, index) => {
      if (cached === undefined) return;
      const leaderAlive = this.aliveBrokers.has(cached.leader);
      entries.push({
        partition: index,
        error: leaderAlive ? ErrorCode.NONE : ErrorCode.LEADER_NOT_AVAILABLE,
        leader: leaderAlive ? cached.leader : NO_LEADER,
        leaderEpoch: cached.leaderEpoch,
        replicas: [...cached.replicas],
        isr: [...cached.isr],
      });
    });
    return { name, error: ErrorCode.NONE, partitions: entries };
  }
}
