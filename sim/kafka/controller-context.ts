// The active controller's in-memory view of the cluster: kafka.controller.ControllerContext. It is
// loaded from ZooKeeper when a broker becomes controller (initializeControllerContext) and kept in
// step by the controller's own writes and by ZooKeeper watches; it is never read from another
// actor. Brokers are "live" when registered and not shutting down; "live or shutting down" counts a
// broker in controlled shutdown too, which still serves until it has handed its leaderships over.
//
// Each partition also has its PartitionStateMachine state (NewPartition, OnlinePartition,
// OfflinePartition). Simplified: no topic deletion, reassignment or offline log directories.

import { assert } from '../core/assert.ts';
import { partitionName, type PartitionName } from './protocol.ts';
import type { KafkaTopicConfig } from './broker-config.ts';
import { NO_LEADER, type PartitionState } from './election.ts';

export interface LiveBroker {
  readonly id: number;
  readonly rack: string | null;
  /** The czxid of its /brokers/ids/N znode: a new registration means a new incarnation. */
  readonly brokerEpoch: number;
}

export type PartitionPhase = 'new' | 'online' | 'offline';

export interface ControllerPartition {
  readonly name: PartitionName;
  readonly topic: string;
  readonly index: number;
  /** Replicas in assignment order; the head is the preferred leader. */
  readonly replicas: readonly number[];
  /** Latest known state of its znode; undefined before the partition's state znode exists. */
  state: PartitionState | undefined;
  phase: PartitionPhase;
  /** Why the current spell without a leader was last reported (partition-offline), or null. */
  offlineReported: string | null;
}

export class ControllerContext {
  readonly liveOrShuttingDown = new Map<number, LiveBroker>();
  readonly shuttingDown = new Set<number>();
  private readonly partitionsByName = new Map<PartitionName, ControllerPartition>();
  private readonly topicPartitions = new Map<string, ControllerPartition[]>();
  readonly topicConfigs = new Map<string, KafkaTopicConfig>();

  constructor(
    readonly epoch: number,
    /** Version of /controller_epoch after our increment: every write checks it (KAFKA-6082). */
    readonly epochZkVersion: number,
  ) {}

  isLive(broker: number): boolean {
    return this.liveOrShuttingDown.has(broker) && !this.shuttingDown.has(broker);
  }

  isLiveOrShuttingDown(broker: number): boolean {
    return this.liveOrShuttingDown.has(broker);
  }

  /** Live brokers (not shutting down), by id. */
  liveBrokerIds(): number[] {
    return [...this.liveOrShuttingDown.keys()].filter((id) => !this.shuttingDown.has(id)).sort((a, b) => a - b);
  }

  liveOrShuttingDownBrokers(): LiveBroker[] {
    return [...this.liveOrShuttingDown.values()].sort((a, b) => a.id - b.id);
  }

  addTopic(topic: string, assignment: readonly (readonly number[])[]): ControllerPartition[] {
    assert(!this.topicPartitions.has(topic), () => `controller context: topic ${topic} added twice`);
    const partitions = assignment.map((replicas, index) => ({
      name: partitionName(topic, index),
      topic,
      index,
      replicas: [...replicas],
      state: undefined,
      phase: 'new' as PartitionPhase,
      offlineReported: null,
    }));
    this.topicPartitions.set(topic, partitions);
    for (const partition of partitions) this.partitionsByName.set(partition.name, partition);
    return partitions;
  }

  hasTopic(topic: string): boolean {
    return this.topicPartitions.has(topic);
  }

  topics(): string[] {
    return [...this.topicPartitions.keys()];
  }

  partition(name: PartitionName): ControllerPartition | undefined {
    return this.partitionsByName.get(name);
  }

  /** Every partition, topics in the order they were loaded, partitions in index order. */
  allPartitions(): ControllerPartition[] {
    const all: ControllerPartition[] = [];
    for (const partitions of this.topicPartitions.values()) all.push(...partitions);
    return all;
  }

  partitionCount(): number {
    return this.partitionsByName.size;
  }

  /** Partitions with a replica on `broker`. */
  partitionsOnBroker(broker: number): ControllerPartition[] {
    return this.allPartitions().filter((partition) => partition.replicas.includes(broker));
  }

  /** Partitions whose recorded leader is `broker`. */
  partitionsLedBy(broker: number): ControllerPartition[] {
    return this.allPartitions().filter((partition) => partition.state?.leader === broker);
  }

  /** Partitions to (re)elect: offline or new (PartitionStateMachine.triggerOnlinePartitionStateChange). */
  partitionsNeedingLeader(): ControllerPartition[] {
    return this.allPartitions().filter((partition) => partition.phase !== 'online');
  }

  /**
   * Online partitions whose leader is not live (partitionsWithOfflineLeader): they go offline and
   * are elected again. A leader that is shutting down counts as not live here, as in Kafka.
   */
  partitionsWithDeadLeader(): ControllerPartition[] {
    return this.allPartitions().filter(
      (partition) =>
        partition.phase === 'online' &&
        partition.state !== undefined &&
        (partition.state.leader === NO_LEADER || !this.isLive(partition.state.leader)),
    );
  }

  /** Number of partitions without a live leader (the OfflinePartitionsCount metric). */
  offlinePartitionCount(): number {
    return this.allPartitions().filter((partition) => partition.phase !== 'online').length;
  }
}
