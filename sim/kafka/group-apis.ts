// What a broker answers to consumers beyond Fetch, as a broker plugin (broker.ts's BrokerPlugin):
// the group requests of KafkaApis (Kafka 3.x, ZooKeeper mode) — FindCoordinator, ListOffsets, and
// JoinGroup … OffsetFetch handed to the group coordinator (group-coordinator.ts) this broker
// hosts — and the coordinator's way into __consumer_offsets.
//
// - FindCoordinator: the leader of the group's __consumer_offsets partition, from the metadata
//   cache. While the topic does not exist the broker creates it (KafkaApis.getOrCreateInternalTopic
//   via AdminZkClient: offsets.topic.num.partitions partitions, replication factor
//   offsets.topic.replication.factor — refused while fewer brokers are alive —, 100 MiB segments)
//   and answers COORDINATOR_NOT_AVAILABLE; so does a partition without a live leader.
// - ListOffsets from a consumer (READ_UNCOMMITTED): the log start offset for EARLIEST, the high
//   watermark for LATEST, from the leader only, with KIP-320 epoch fencing.
// - The coordinator appends to __consumer_offsets through the broker's own append path
//   (ReplicaManager.appendRecords with acks=-1 and offsets.commit.timeout.ms): the append waits
//   in the produce purgatory for the ISR and fails exactly as a client's produce would
//   (GroupMetadataManager.appendForGroup with offsets.commit.required.acks = -1).
// - Leadership of an offsets partition gained or lost here (LeaderAndIsr, StopReplica) loads or
//   unloads its groups (GroupCoordinator.onElection / onResignation).
//
// Simplified: __consumer_offsets is not compacted and keeps its records forever (retention.ms -1),
// the stand-in for compaction over the length of a run.

import type { NodeId } from '../hw/actor.ts';
import type { BrokerPlugin, BrokerPluginFactory, BrokerServer } from './broker.ts';
import { GroupCoordinator, groupCoordinatorConfig, type GroupBrokerConfig } from './group-coordinator.ts';
import { leaderError } from './leader-read.ts';
import { OFFSETS_TOPIC, type OffsetsLog } from './offsets-topic.ts';
import {
  EARLIEST_TIMESTAMP,
  ErrorCode,
  groupMessageBytes,
  isGroupRequest,
  parsePartitionName,
  partitionName,
  type FindCoordinatorRequest,
  type GroupRequest,
  type ListOffsetsRequest,
  type ListOffsetsResponse,
  type OffsetCommitRecord,
  type PartitionName,
  type PartitionProduce,
  type StoredGroupMetadata,
} from './protocol.ts';
import type { PartitionRole } from './replica-manager.ts';

/** log.segment.bytes of __consumer_offsets (offsets.topic.segment.bytes). */
const OFFSETS_TOPIC_SEGMENT_BYTES = 104_857_600;

/** The plugin every broker of a cluster with consumer groups runs; `config` overrides the broker's keys. */
export function groupCoordinatorPlugin(config: GroupBrokerConfig = {}): BrokerPluginFactory {
  return (server) => new GroupApis(server, config);
}

export class GroupApis implements BrokerPlugin {
  readonly coordinator: GroupCoordinator;
  private creatingOffsetsTopic = false;

  constructor(
    private readonly server: BrokerServer,
    overrides: GroupBrokerConfig,
  ) {
    const config = groupCoordinatorConfig({ ...(server.settings.config as GroupBrokerConfig), ...overrides });
    const log: OffsetsLog = {
      replica: (index) => server.replicaManager.partitions.get(partitionName(OFFSETS_TOPIC, index)),
      append: (index, payload, sizeBytes, done) => this.append(index, payload, sizeBytes, config.offsetsCommitTimeoutMs, done),
    };
    this.coordinator = new GroupCoordinator(server.ctx, server.settings.id, config, log);
  }

  handleRequest(from: NodeId, request: { readonly type: string; readonly correlationId: number }): boolean {
    if (!isGroupRequest(request)) return false;
    this.handle(from, request);
    return true;
  }

  /** GroupCoordinator.onElection / onResignation for __consumer_offsets partitions. */
  onRoleChange(partition: PartitionName, role: PartitionRole): void {
    const { topic, partition: index } = parsePartitionName(partition);
    if (topic === OFFSETS_TOPIC) this.coordinator.manager.onRoleChange(index, role === 'leader');
  }

  private handle(from: NodeId, request: GroupRequest): void {
    switch (request.type) {
      case 'find-coordinator':
        return this.findCoordinator(from, request);
      case 'list-offsets':
        return this.listOffsets(from, request);
      default:
        return this.coordinator.handle(request, (response, sizeBytes) => this.server.send(from, response, sizeBytes));
    }
  }

  private findCoordinator(from: NodeId, request: FindCoordinatorRequest): void {
    const { metadataCache } = this.server;
    let nodeId = -1;
    if (metadataCache.partitionCount(OFFSETS_TOPIC) === 0) {
      this.createOffsetsTopic();
    } else {
      const index = this.coordinator.manager.partitionFor(request.key);
      nodeId = metadataCache.leaderOf(partitionName(OFFSETS_TOPIC, index));
    }
    const error = nodeId >= 0 ? ErrorCode.NONE : ErrorCode.COORDINATOR_NOT_AVAILABLE;
    this.server.send(from, { type: 'find-coordinator-response', correlationId: request.correlationId, error, nodeId }, groupMessageBytes(1));
  }

  private createOffsetsTopic(): void {
    if (this.creatingOffsetsTopic) return;
    this.creatingOffsetsTopic = true;
    const { server } = this;
    const config = this.coordinator.config;
    const replicationFactor = config.offsetsTopicReplicationFactor;
    // KafkaApis.createInternalTopic: with fewer live brokers than the replication factor the topic
    // is not created and FindCoordinator keeps answering COORDINATOR_NOT_AVAILABLE.
    if (server.metadataCache.aliveBrokerIds().length < replicationFactor) {
      this.creatingOffsetsTopic = false;
      return;
    }
    const topic = {
      name: OFFSETS_TOPIC,
      partitions: config.offsetsTopicPartitions,
      replicationFactor,
      config: { 'segment.bytes': OFFSETS_TOPIC_SEGMENT_BYTES, 'retention.ms': -1 },
    };
    server.createTopic(topic, (result) => {
      this.creatingOffsetsTopic = false;
      if (result.ok) server.ctx.trace.emit('topic-created', { topic: OFFSETS_TOPIC, partitions: result.assignment.length, replicationFactor, assignment: result.assignment, by: server.settings.id });
    });
  }

  /** ReplicaManager.fetchOffsetForTimestamp for a consumer (READ_UNCOMMITTED). */
  private listOffsets(from: NodeId, request: ListOffsetsRequest): void {
    const partitions: ListOffsetsResponse['partitions'] = request.partitions.map((entry) => {
      const replica = this.server.replicaManager.partitions.get(entry.partition);
      if (replica === undefined) {
        const error = this.server.metadataCache.partition(entry.partition) === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.NOT_LEADER_OR_FOLLOWER;
        return { partition: entry.partition, error, offset: -1, leaderEpoch: -1 };
      }
      const error = leaderError(replica, entry.currentLeaderEpoch);
      if (error !== ErrorCode.NONE) return { partition: entry.partition, error, offset: -1, leaderEpoch: -1 };
      const offset = entry.timestamp === EARLIEST_TIMESTAMP ? replica.logStartOffset : replica.highWatermark;
      return { partition: entry.partition, error, offset, leaderEpoch: replica.leaderEpoch };
    });
    const response: ListOffsetsResponse = { type: 'list-offsets-response', correlationId: request.correlationId, partitions };
    this.server.send(from, response, groupMessageBytes(partitions.length));
  }

  /** GroupMetadataManager.appendForGroup: an acks=-1 append through the replica path. */
  private append(index: number, payload: OffsetCommitRecord | StoredGroupMetadata, sizeBytes: number, timeoutMs: number, done: (error: ErrorCode) => void): void {
    const request: PartitionProduce = {
      acks: -1,
      timeoutMs,
      partition: partitionName(OFFSETS_TOPIC, index),
      batch: { baseOffset: -1, recordCount: 1, leaderEpoch: -1, producerId: -1, producerEpoch: -1, baseSequence: -1, sizeBytes, createTimeUs: this.server.ctx.now, payload },
    };
    this.server.requests.appendRecords(request, (response) => done(response.error));
  }
}
