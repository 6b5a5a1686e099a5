// What a broker answers to consumers beyond Fetch: the group requests of KafkaApis (Kafka 3.x,
// ZooKeeper mode) — FindCoordinator, ListOffsets, and JoinGroup … OffsetFetch handed to the
// group coordinator (group-coordinator.ts) this broker hosts — and the coordinator's way into
// __consumer_offsets.
//
// - FindCoordinator: the leader of the group's __consumer_offsets partition, from the metadata
//   cache. While the topic does not exist the broker creates it (KafkaApis.getOrCreateInternalTopic
//   via AdminZkClient: offsets.topic.num.partitions partitions, replication factor
//   offsets.topic.replication.factor but at most the live brokers, 100 MiB segments) and answers
//   COORDINATOR_NOT_AVAILABLE; so does a partition without a live leader.
// - ListOffsets from a consumer (READ_UNCOMMITTED): the log start offset for EARLIEST, the high
//   watermark for LATEST, from the leader only, with KIP-320 epoch fencing.
// - The coordinator appends to __consumer_offsets as a produce request with acks=-1 and
//   offsets.commit.timeout.ms that the broker sends itself over the loopback interface, so the
//   append takes a request-handler thread, waits in the produce purgatory for the ISR and fails
//   exactly as a client's produce would (GroupMetadataManager.appendForGroup with
//   offsets.commit.required.acks = -1).
//
// Simplified: __consumer_offsets is not compacted and keeps its records forever (retention.ms -1),
// the stand-in for compaction over the length of a run; Kafka refuses to create it while fewer
// brokers than offsets.topic.replication.factor are alive, the simulator creates it smaller.

import type { ActorContext, NodeId } from '../hw/actor.ts';
import { GroupCoordinator, groupCoordinatorConfig, type GroupBrokerConfig } from './group-coordinator.ts';
import type { KafkaZkClient } from './kafka-zk-client.ts';
import { leaderError } from './leader-read.ts';
import type { MetadataCache } from './metadata-cache.ts';
import type { NetworkClient } from './network-client.ts';
import { OFFSETS_TOPIC, type OffsetsLog } from './offsets-topic.ts';
import type { Partition } from './partition.ts';
import {
  EARLIEST_TIMESTAMP,
  ErrorCode,
  REQUEST_HEADER_BYTES,
  groupMessageBytes,
  partitionName,
  type FindCoordinatorRequest,
  type GroupRequest,
  type ListOffsetsRequest,
  type ListOffsetsResponse,
  type OffsetCommitRecord,
  type PartitionName,
  type ProduceRequest,
  type ProduceResponse,
  type StoredGroupMetadata,
} from './protocol.ts';
import { runTask } from './task.ts';
import { createTopic } from './topic-admin.ts';

/** log.segment.bytes of __consumer_offsets (offsets.topic.segment.bytes). */
const OFFSETS_TOPIC_SEGMENT_BYTES = 104_857_600;
/** How much longer than offsets.commit.timeout.ms the loopback append may take before it is given up. */
const APPEND_SLACK_MS = 1000;

export interface GroupApisParts {
  readonly ctx: ActorContext;
  readonly brokerId: number;
  readonly config: GroupBrokerConfig;
  readonly metadataCache: MetadataCache;
  /** This broker's replicas by partition name (ReplicaManager.partitions). */
  readonly partitions: ReadonlyMap<PartitionName, Partition>;
  readonly zk: KafkaZkClient;
  readonly network: NetworkClient;
  readonly alive: () => boolean;
}

export type GroupSend = (to: NodeId, message: object, sizeBytes: number) => void;

export class GroupApis {
  readonly coordinator: GroupCoordinator;
  private creatingOffsetsTopic = false;

  constructor(
    private readonly parts: GroupApisParts,
    private readonly send: GroupSend,
  ) {
    const config = groupCoordinatorConfig(parts.config);
    const log: OffsetsLog = {
      replica: (index) => parts.partitions.get(partitionName(OFFSETS_TOPIC, index)),
      append: (index, payload, sizeBytes, done) => this.append(index, payload, sizeBytes, config.offsetsCommitTimeoutMs, done),
    };
    this.coordinator = new GroupCoordinator(parts.ctx, parts.brokerId, config, log);
  }

  handle(from: NodeId, request: GroupRequest): void {
    switch (request.type) {
      case 'find-coordinator':
        return this.findCoordinator(from, request);
      case 'list-offsets':
        return this.listOffsets(from, request);
      default:
        return this.coordinator.handle(request, (response, sizeBytes) => this.send(from, response, sizeBytes));
    }
  }

  /** KafkaApis.onLeadershipChange for __consumer_offsets (after LeaderAndIsr or StopReplica). */
  onLeadershipChanges(): void {
    this.coordinator.onLeadershipChanges();
  }

  private findCoordinator(from: NodeId, request: FindCoordinatorRequest): void {
    const { metadataCache } = this.parts;
    let nodeId = -1;
    if (metadataCache.partitionCount(OFFSETS_TOPIC) === 0) {
      this.createOffsetsTopic();
    } else {
      const index = this.coordinator.manager.partitionFor(request.key);
      nodeId = metadataCache.leaderOf(partitionName(OFFSETS_TOPIC, index));
    }
    const error = nodeId >= 0 ? ErrorCode.NONE : ErrorCode.COORDINATOR_NOT_AVAILABLE;
    this.send(from, { type: 'find-coordinator-response', correlationId: request.correlationId, error, nodeId }, groupMessageBytes(1));
  }

  private createOffsetsTopic(): void {
    if (this.creatingOffsetsTopic) return;
    this.creatingOffsetsTopic = true;
    const { ctx, zk, metadataCache, alive } = this.parts;
    const config = this.coordinator.config;
    const replicationFactor = Math.max(1, Math.min(config.offsetsTopicReplicationFactor, metadataCache.aliveBrokerIds().length));
    const topic = {
      name: OFFSETS_TOPIC,
      partitions: config.offsetsTopicPartitions,
      replicationFactor,
      config: { 'segment.bytes': OFFSETS_TOPIC_SEGMENT_BYTES, 'retention.ms': -1 },
    };
    const done = (): void => {
      this.creatingOffsetsTopic = false;
    };
    runTask(createTopic(zk, topic, ctx.rng.fork('offsets-topic')), (result) => {
      done();
      if (result.ok) ctx.trace.emit('topic-created', { topic: OFFSETS_TOPIC, partitions: result.assignment.length, replicationFactor, assignment: result.assignment, by: this.parts.brokerId });
    }, alive, done);
  }

  /** ReplicaManager.fetchOffsetForTimestamp for a consumer (READ_UNCOMMITTED). */
  private listOffsets(from: NodeId, request: ListOffsetsRequest): void {
    const partitions: ListOffsetsResponse['partitions'] = request.partitions.map((entry) => {
      const replica = this.parts.partitions.get(entry.partition);
      if (replica === undefined) {
        const error = this.parts.metadataCache.partition(entry.partition) === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.NOT_LEADER_OR_FOLLOWER;
        return { partition: entry.partition, error, offset: -1, leaderEpoch: -1 };
      }
      const error = leaderError(replica, entry.currentLeaderEpoch);
      if (error !== ErrorCode.NONE) return { partition: entry.partition, error, offset: -1, leaderEpoch: -1 };
      const offset = entry.timestamp === EARLIEST_TIMESTAMP ? replica.logStartOffset : replica.highWatermark;
      return { partition: entry.partition, error, offset, leaderEpoch: replica.leaderEpoch };
    });
    const response: ListOffsetsResponse = { type: 'list-offsets-response', correlationId: request.correlationId, partitions };
    this.send(from, response, groupMessageBytes(partitions.length));
  }

  /** GroupMetadataManager.appendForGroup: a loopback produce with acks=-1. */
  private append(index: number, payload: OffsetCommitRecord | StoredGroupMetadata, sizeBytes: number, timeoutMs: number, done: (error: ErrorCode) => void): void {
    const { ctx, network } = this.parts;
    const request: ProduceRequest = {
      type: 'produce',
      correlationId: network.correlationId(),
      acks: -1,
      timeoutMs,
      partition: partitionName(OFFSETS_TOPIC, index),
      batch: {
        baseOffset: -1,
        recordCount: 1,
        leaderEpoch: -1,
        producerId: -1,
        producerEpoch: -1,
        baseSequence: -1,
        sizeBytes,
        createTimeUs: ctx.now,
        payload,
      },
    };
    network.send<ProduceResponse>(ctx.id, request, REQUEST_HEADER_BYTES + sizeBytes, timeoutMs + APPEND_SLACK_MS, (response) => done(response.error), () => done(ErrorCode.REQUEST_TIMED_OUT));
  }
}
