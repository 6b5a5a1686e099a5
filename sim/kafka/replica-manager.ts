// A broker's replicas and what the controller tells it about them: kafka.server.ReplicaManager
// (Kafka 2.8, ZooKeeper mode), the control half. The data half (produce, fetch) is in
// replica-requests.ts, over the same partitions.
//
// - LeaderAndIsr (becomeLeaderOrFollower): a request from a controller epoch older than one
//   already seen is refused whole with STALE_CONTROLLER_EPOCH — a zombie controller is fenced.
//   Otherwise each entry naming this broker is applied to its Partition (created on first sight,
//   its log opened with the topic's config read from /config/topics), which ignores an entry
//   whose leader epoch is not newer. New leaders stop fetching; new followers truncate by the
//   replication protocol and fetch from the leader if the metadata cache knows it as alive.
//   Waiting produce and fetch requests of partitions that changed are settled.
// - StopReplica stops fetching (and deletes the log if asked); UpdateMetadata fills the metadata
//   cache; both are fenced by the controller epoch too.
// - Periodic tasks: the ISR shrink check every replica.lag.time.max.ms / 2 (isr-expiration), the
//   high-watermark checkpoint every replica.high.watermark.checkpoint.interval.ms once the first
//   LeaderAndIsr has arrived, log retention every log.retention.check.interval.ms, and
//   time-based flushes when flush.ms is set.

import type { ActorContext } from '../hw/actor.ts';
import { effectiveLogConfig, effectiveMinInsyncReplicas, type BrokerSettings, type KafkaTopicConfig } from './broker-config.ts';
import type { IsrChangeProposal, IsrChangeResult } from './isr-state.ts';
import type { KafkaZkClient } from './kafka-zk-client.ts';
import { getTopicConfig } from './kafka-zk-ops.ts';
import type { LogManager } from './log-manager.ts';
import type { MetadataCache } from './metadata-cache.ts';
import { Partition } from './partition.ts';
import type { FetchPurgatory, ProducePurgatory } from './purgatory.ts';
import {
  ErrorCode,
  parsePartitionName,
  type ControllerResponse,
  type LeaderAndIsrRequest,
  type PartitionName,
  type StopReplicaRequest,
  type UpdateMetadataRequest,
} from './protocol.ts';
import type { ReplicaFetcherManager } from './replica-fetcher.ts';
import type { ReplicaTrace } from './replica-trace.ts';
import type { IsrPropagation } from './isr-propagation.ts';
import type { Task } from './task.ts';

export interface ReplicaManagerParts {
  readonly ctx: ActorContext;
  readonly settings: BrokerSettings;
  readonly zk: KafkaZkClient;
  readonly logManager: LogManager;
  readonly metadataCache: MetadataCache;
  readonly fetchers: ReplicaFetcherManager;
  readonly fetchPurgatory: FetchPurgatory;
  readonly producePurgatory: ProducePurgatory;
  readonly trace: ReplicaTrace;
  /** Set once the broker has built it (it needs the hooks below). */
  isrPropagation: IsrPropagation | null;
  /** A partition became leader or follower here, or stopped (for broker plugins). */
  readonly onRoleChange: (partition: PartitionName, role: PartitionRole, leaderEpoch: number) => void;
}

export type PartitionRole = 'leader' | 'follower' | 'stopped';

export class ReplicaManager {
  readonly partitions = new Map<PartitionName, Partition>();
  private controllerEpochSeen = -1;
  private readonly topicConfigs = new Map<string, KafkaTopicConfig>();
  private readonly checkpointedHighWatermarks: ReadonlyMap<PartitionName, number>;
  private checkpointing = false;

  constructor(private readonly parts: ReplicaManagerParts) {
    this.checkpointedHighWatermarks = parts.logManager.checkpointedHighWatermarks();
  }

  /** The highest controller epoch this broker has obeyed. */
  get controllerEpoch(): number {
    return this.controllerEpochSeen;
  }

  startup(): void {
    const config = this.parts.settings.config;
    this.every(Math.floor((config['replica.lag.time.max.ms'] * 1000) / 2), () => this.maybeShrinkIsr());
    this.every(config['log.retention.check.interval.ms'] * 1000, () =>
      this.parts.logManager.applyRetention((name) => this.partitions.get(name)?.highWatermark ?? 0),
    );
    const flushMs = this.parts.logManager.flushIntervalMs();
    if (flushMs !== null) this.every(Math.max(1, flushMs) * 1000, () => this.parts.logManager.flushByTime());
  }

  /** ReplicaManager.becomeLeaderOrFollower. */
  *becomeLeaderOrFollower(request: LeaderAndIsrRequest): Task<ControllerResponse> {
    const { ctx, settings } = this.parts;
    if (this.isStale(request.type, request.controllerId, request.controllerEpoch)) {
      return this.controllerResponse('leader-and-isr-response', request.correlationId, ErrorCode.STALE_CONTROLLER_EPOCH);
    }
    const mine = request.partitions.filter((state) => state.replicas.includes(settings.id));
    for (const topic of new Set(mine.map((state) => parsePartitionName(state.partition).topic))) {
      if (!this.topicConfigs.has(topic)) this.topicConfigs.set(topic, yield* getTopicConfig(this.parts.zk, topic));
    }
    const partitionErrors = request.partitions.map((state) => {
      if (!state.replicas.includes(settings.id)) return { partition: state.partition, error: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
      const partition = this.getOrCreatePartition(state.partition);
      const outcome = partition.applyLeaderAndIsr(state, ctx.now);
      if (outcome.kind === 'ignored') {
        this.parts.trace.leaderAndIsr(state, request.controllerId, request.controllerEpoch, outcome.error);
        return { partition: state.partition, error: outcome.error };
      }
      if (outcome.kind === 'leader') {
        this.parts.fetchers.remove(partition.name);
      } else {
        if (outcome.truncation !== undefined) this.parts.trace.truncation(partition, outcome.truncation);
        if (this.parts.metadataCache.isAlive(partition.leaderId)) this.parts.fetchers.add(partition);
        else this.parts.fetchers.remove(partition.name);
      }
      this.parts.trace.leaderAndIsr(state, request.controllerId, request.controllerEpoch, outcome.kind);
      this.parts.trace.offsetsChanged(partition);
      this.settle(partition.name);
      this.parts.onRoleChange(partition.name, outcome.kind, partition.leaderEpoch);
      return { partition: state.partition, error: ErrorCode.NONE };
    });
    this.startHighWatermarkCheckpoints();
    return { type: 'leader-and-isr-response', correlationId: request.correlationId, error: ErrorCode.NONE, partitionErrors };
  }

  /** ReplicaManager.stopReplicas. */
  stopReplicas(request: StopReplicaRequest): ControllerResponse {
    if (this.isStale(request.type, request.controllerId, request.controllerEpoch)) {
      return this.controllerResponse('stop-replica-response', request.correlationId, ErrorCode.STALE_CONTROLLER_EPOCH);
    }
    for (const name of request.partitions) {
      this.parts.fetchers.remove(name);
      const partition = this.partitions.get(name);
      partition?.stop();
      if (partition !== undefined) this.parts.onRoleChange(name, 'stopped', partition.leaderEpoch);
      if (request.deletePartitions) {
        this.partitions.delete(name);
        this.parts.logManager.deleteLog(name);
      }
      this.settle(name);
    }
    this.parts.ctx.trace.emit('stop-replica', {
      broker: this.parts.settings.id,
      controller: request.controllerId,
      controllerEpoch: request.controllerEpoch,
      partitions: request.partitions,
      deletePartitions: request.deletePartitions,
    });
    return this.controllerResponse('stop-replica-response', request.correlationId, ErrorCode.NONE);
  }

  /** ReplicaManager.maybeUpdateMetadataCache. */
  updateMetadata(request: UpdateMetadataRequest): ControllerResponse {
    if (this.isStale(request.type, request.controllerId, request.controllerEpoch)) {
      return this.controllerResponse('update-metadata-response', request.correlationId, ErrorCode.STALE_CONTROLLER_EPOCH);
    }
    this.parts.metadataCache.update(request);
    return this.controllerResponse('update-metadata-response', request.correlationId, ErrorCode.NONE);
  }

  /** A topic's config overrides changed (/config/changes, or the admin tool): they replace the old ones. */
  setTopicConfig(topic: string, overrides: KafkaTopicConfig): void {
    this.topicConfigs.set(topic, overrides);
    for (const partition of this.partitions.values()) {
      if (parsePartitionName(partition.name).topic === topic) this.applyConfig(partition);
    }
  }

  /** The broker's own config changed: every replica takes the new effective values. */
  refreshConfigs(): void {
    for (const partition of this.partitions.values()) this.applyConfig(partition);
  }

  private applyConfig(partition: Partition): void {
    const config = this.parts.settings.config;
    const topicConfig = this.topicConfigs.get(parsePartitionName(partition.name).topic) ?? {};
    partition.log.setConfig(effectiveLogConfig(config, topicConfig));
    partition.setConfig({
      minInsyncReplicas: effectiveMinInsyncReplicas(config, topicConfig),
      replicaLagTimeMaxMs: config['replica.lag.time.max.ms'],
    });
  }

  /** After anything that may move a partition's HW or leadership: answer the requests waiting on it. */
  settle(name: PartitionName): void {
    const partition = this.partitions.get(name);
    this.parts.producePurgatory.checkAndComplete(name, partition);
    this.parts.fetchPurgatory.checkAndComplete(name);
  }

  /** The committed answer to a leader-made ISR change. */
  isrChangeCommitted(proposal: IsrChangeProposal, result: IsrChangeResult): void {
    const partition = this.partitions.get(proposal.partition);
    if (partition === undefined) return;
    const outcome = partition.completeIsrChange(proposal.proposalId, result, this.parts.ctx.now);
    if (!outcome.applied) return;
    this.parts.trace.isrChange(partition, proposal, result);
    if (outcome.highWatermarkChanged) this.parts.trace.offsetsChanged(partition);
    this.settle(partition.name);
  }

  /** A ZooKeeper ISR write lost its version check; AlterIsr errors leave the proposal pending (Kafka 2.8). */
  isrChangeRejected(proposal: IsrChangeProposal): void {
    if (this.parts.settings.isrPropagation === 'zookeeper') this.partitions.get(proposal.partition)?.abandonIsrChange(proposal.proposalId);
  }

  /** Every partition's high watermark (for the checkpoint, the checker and tests). */
  highWatermarks(): Map<PartitionName, number> {
    return new Map([...this.partitions].map(([name, partition]) => [name, partition.highWatermark]));
  }

  private getOrCreatePartition(name: PartitionName): Partition {
    const existing = this.partitions.get(name);
    if (existing !== undefined) return existing;
    const config = this.parts.settings.config;
    const topicConfig = this.topicConfigs.get(parsePartitionName(name).topic) ?? {};
    const flush = {
      flushMessages: topicConfig['flush.messages'] ?? config['log.flush.interval.messages'],
      flushMs: topicConfig['flush.ms'] ?? config['log.flush.interval.ms'],
    };
    const log = this.parts.logManager.getOrCreateLog(name, effectiveLogConfig(config, topicConfig), flush);
    const checkpointed = this.checkpointedHighWatermarks.get(name);
    const partition = new Partition({
      name,
      brokerId: this.parts.settings.id,
      log,
      config: {
        replicaLagTimeMaxMs: config['replica.lag.time.max.ms'],
        minInsyncReplicas: effectiveMinInsyncReplicas(config, topicConfig),
        replicationProtocol: this.parts.settings.replicationProtocol,
      },
      ...(checkpointed === undefined ? {} : { highWatermark: checkpointed }),
    });
    this.partitions.set(name, partition);
    return partition;
  }

  private isStale(kind: string, controllerId: number, controllerEpoch: number): boolean {
    if (controllerEpoch < this.controllerEpochSeen) {
      this.parts.trace.staleController(kind, controllerId, controllerEpoch, this.controllerEpochSeen);
      return true;
    }
    this.controllerEpochSeen = controllerEpoch;
    return false;
  }

  private controllerResponse(type: ControllerResponse['type'], correlationId: number, error: ErrorCode): ControllerResponse {
    return { type, correlationId, error, partitionErrors: [] };
  }

  /** ReplicaManager.maybeShrinkIsr: every leader proposes dropping followers that fell behind. */
  private maybeShrinkIsr(): void {
    for (const partition of this.partitions.values()) {
      const proposal = partition.maybeShrinkIsr(this.parts.ctx.now);
      if (proposal !== undefined) this.parts.isrPropagation?.submit(proposal);
    }
  }

  private startHighWatermarkCheckpoints(): void {
    if (this.checkpointing) return;
    this.checkpointing = true;
    const intervalUs = this.parts.settings.config['replica.high.watermark.checkpoint.interval.ms'] * 1000;
    this.every(intervalUs, () => this.parts.logManager.checkpointHighWatermarks(this.highWatermarks()));
  }

  private every(periodUs: number, task: () => void): void {
    const tick = (): void => {
      task();
      this.parts.ctx.setTimer(periodUs, tick);
    };
    this.parts.ctx.setTimer(periodUs, tick);
  }
}
