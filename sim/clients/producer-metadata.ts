// The producer's metadata cache (org.apache.kafka.clients.Metadata with ProducerMetadata): which
// broker leads each partition of the topics the producer writes, and when to ask again.
//
// An update is requested when a new topic is first sent to, when a partition with data has no
// known leader, when a produce response carries an InvalidMetadataException error
// (NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION, FENCED_LEADER_EPOCH,
// UNKNOWN_LEADER_EPOCH, and NetworkException), and on every disconnect; otherwise the cache
// expires after metadata.max.age.ms. Updates are spaced by retry.backoff.ms (refreshBackoffMs),
// and one request is in flight at a time. KIP-320: a partition's entry is replaced only by one of
// an equal or newer leader epoch, so a lagging broker's answer cannot roll leadership back.
//
// Simplified: the broker a request goes to is chosen by the Sender (least loaded node); topic
// expiry of idle topics (metadata.max.idle.ms) is not modelled.

import type { NodeId } from '../hw/actor.ts';
import { ErrorCode, partitionName, type MetadataResponse, type PartitionName } from '../kafka/protocol.ts';

export interface PartitionRef {
  readonly name: PartitionName;
  readonly topic: string;
  readonly partition: number;
}

export interface TopicMetadata {
  readonly partitionCount: number;
  /** Leader broker id per partition, −1 when there is none (or it is not a live broker). */
  readonly leaderIds: number[];
  readonly leaderEpochs: number[];
  /** Partitions with a leader, ascending (Cluster.availablePartitionsForTopic). */
  readonly available: number[];
}

/** Errors that mean "your metadata is stale" (InvalidMetadataException and its subclasses). */
export const INVALID_METADATA_ERRORS: ReadonlySet<string> = new Set<string>([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  'NETWORK_EXCEPTION',
]);

export class ProducerMetadata {
  /** Topics the producer needs, with their metadata once known (undefined until then). */
  private readonly topics = new Map<string, TopicMetadata | undefined>();
  private readonly brokerNodes = new Map<number, NodeId>();
  private partitionsByLeader = new Map<number, PartitionRef[]>();
  /** Metadata.bootstrap asks for a first update at once (the "Cluster ID" of a new client). */
  private needUpdate = true;
  private lastRefreshUs = -Infinity;
  private lastSuccessfulRefreshUs = -Infinity;
  /** True while a MetadataRequest is outstanding. */
  updateInFlight = false;

  constructor(
    private readonly metadataMaxAgeUs: number,
    private readonly refreshBackoffUs: number,
    private readonly brokerNodeId: (brokerId: number) => NodeId,
  ) {}

  /** ProducerMetadata.add: a topic send() needs; asks for an update if it is new. */
  addTopic(topic: string): void {
    if (this.topics.has(topic)) return;
    this.topics.set(topic, undefined);
    this.needUpdate = true;
  }

  requestUpdate(): void {
    this.needUpdate = true;
  }

  get topicNames(): string[] {
    return [...this.topics.keys()];
  }

  /** Metadata.timeToNextUpdate: 0 when a request is due now. */
  timeToNextUpdateUs(nowUs: number): number {
    const timeToExpire = this.needUpdate ? 0 : Math.max(this.lastSuccessfulRefreshUs + this.metadataMaxAgeUs - nowUs, 0);
    const timeToAllowUpdate = Math.max(this.lastRefreshUs + this.refreshBackoffUs - nowUs, 0);
    return Math.max(timeToExpire, timeToAllowUpdate);
  }

  failedUpdate(nowUs: number): void {
    this.updateInFlight = false;
    this.lastRefreshUs = nowUs;
  }

  update(response: MetadataResponse, nowUs: number): void {
    this.updateInFlight = false;
    this.lastRefreshUs = nowUs;
    this.lastSuccessfulRefreshUs = nowUs;
    this.needUpdate = false;
    this.brokerNodes.clear();
    for (const broker of response.brokers) this.brokerNodes.set(broker.id, this.brokerNodeId(broker.id));
    for (const topic of response.topics) {
      if (!this.topics.has(topic.name)) continue;
      if (topic.error !== ErrorCode.NONE || topic.partitions.length === 0) continue;
      this.topics.set(topic.name, this.mergeTopic(this.topics.get(topic.name), topic.partitions));
    }
    this.rebuildLeaderIndex();
  }

  topic(topic: string): TopicMetadata | undefined {
    return this.topics.get(topic);
  }

  leaderFor(topic: string, partition: number): number {
    return this.topics.get(topic)?.leaderIds[partition] ?? -1;
  }

  /** Cluster.partitionsForNode, in topic then partition order. */
  partitionsForLeader(brokerId: number): readonly PartitionRef[] {
    return this.partitionsByLeader.get(brokerId) ?? [];
  }

  nodeOf(brokerId: number): NodeId | undefined {
    return this.brokerNodes.get(brokerId);
  }

  /** Brokers of the last update, by id. */
  get knownNodes(): NodeId[] {
    return [...this.brokerNodes.keys()].sort((a, b) => a - b).map((id) => this.brokerNodes.get(id) as NodeId);
  }

  private mergeTopic(cached: TopicMetadata | undefined, partitions: MetadataResponse['topics'][number]['partitions']): TopicMetadata {
    const count = partitions.length;
    const sameShape = cached !== undefined && cached.partitionCount === count;
    const leaderIds: number[] = new Array<number>(count).fill(-1);
    const leaderEpochs: number[] = new Array<number>(count).fill(-1);
    for (const entry of partitions) {
      if (entry.partition < 0 || entry.partition >= count) continue;
      const cachedEpoch = sameShape ? (cached.leaderEpochs[entry.partition] as number) : -1;
      if (sameShape && entry.leaderEpoch >= 0 && entry.leaderEpoch < cachedEpoch) {
        leaderIds[entry.partition] = cached.leaderIds[entry.partition] as number;
        leaderEpochs[entry.partition] = cachedEpoch;
        continue;
      }
      const live = entry.error !== ErrorCode.LEADER_NOT_AVAILABLE && this.brokerNodes.has(entry.leader);
      leaderIds[entry.partition] = live ? entry.leader : -1;
      leaderEpochs[entry.partition] = entry.leaderEpoch;
    }
    const available: number[] = [];
    leaderIds.forEach((leader, partition) => {
      if (leader >= 0) available.push(partition);
    });
    return { partitionCount: count, leaderIds, leaderEpochs, available };
  }

  private rebuildLeaderIndex(): void {
    const byLeader = new Map<number, PartitionRef[]>();
    for (const [topic, metadata] of this.topics) {
      if (metadata === undefined) continue;
      metadata.leaderIds.forEach((leader, partition) => {
        if (leader < 0) return;
        let list = byLeader.get(leader);
        if (list === undefined) byLeader.set(leader, (list = []));
        list.push({ name: partitionName(topic, partition), topic, partition });
      });
    }
    this.partitionsByLeader = byLeader;
  }
}
