// The group coordinator's storage: kafka.coordinator.group.GroupMetadataManager (Kafka 3.x) over
// the replicated internal topic __consumer_offsets.
//
// - A group lives in partition `abs(javaStringHashCode(group.id)) % offsets.topic.num.partitions`
//   (coordinator-key.ts); the broker leading that partition is the group's coordinator.
// - Becoming leader of an offsets partition (onElection) loads it: every batch from the log start
//   to the log end is read back — offset commits (the latest per partition wins) and group
//   metadata (the latest record per group wins) — which takes the time to read the bytes from
//   disk. Until that finishes, the group's requests are answered COORDINATOR_LOAD_IN_PROGRESS.
//   Groups with members come back Stable with their generation, leader and assignments, so a
//   coordinator failover does not by itself force a rebalance.
// - Ceasing to lead one (onResignation) unloads its groups: they turn Dead, and their requests
//   are answered NOT_COORDINATOR until the members find the new coordinator.
// - storeGroup and storeOffsets append records as the partition's leader with
//   offsets.commit.required.acks = -1 and offsets.commit.timeout.ms, and complete only once the
//   high watermark passes them, mapping the append error as GroupMetadataManager does
//   (NOT_ENOUGH_REPLICAS… → COORDINATOR_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER → NOT_COORDINATOR).
//   The cache of committed offsets is updated only on success; a record that timed out may still
//   be in the log, and a coordinator that loads the partition later will find it — as in Kafka.
//
// Simplified: one batch per committed partition (Kafka writes one batch per commit request); no
// compaction, tombstones or offsets.retention.minutes expiry.

import type { ActorContext } from '../hw/actor.ts';
import { coordinatorPartition } from './coordinator-key.ts';
import { groupFromRecord, type GroupMetadata } from './group-metadata.ts';
import {
  ErrorCode,
  partitionName,
  type BatchPayload,
  type ConsumerAssignment,
  type GroupError,
  type OffsetCommitRecord,
  type PartitionName,
  type StoredGroupMetadata,
} from './protocol.ts';

export const OFFSETS_TOPIC = '__consumer_offsets';

/** What the manager reads of this broker's replica of one offsets partition (a Partition fits). */
export interface OffsetsReplica {
  readonly isLeader: boolean;
  readonly leaderEpoch: number;
  readonly log: { batches(): Iterable<{ readonly sizeBytes: number; readonly payload: BatchPayload }> };
}

/** How the coordinator reaches __consumer_offsets on its broker. */
export interface OffsetsLog {
  /** This broker's replica of partition `index`, if it hosts one. */
  replica(index: number): OffsetsReplica | undefined;
  /** Appends one record as leader with acks=-1; `done` gets the produce error once settled. */
  append(index: number, payload: OffsetCommitRecord | StoredGroupMetadata, sizeBytes: number, done: (error: ErrorCode) => void): void;
}

export interface OffsetsTopicHooks {
  /** A group came back from the log (the coordinator arms its members' session timers). */
  loaded(group: GroupMetadata): void;
  /** A group is no longer ours (the coordinator fails its waiting requests and timers). */
  unloaded(group: GroupMetadata): void;
}

/** Bytes of one offset commit record (key: group, topic, partition; value: offset, metadata, timestamp). */
const OFFSET_RECORD_BYTES = 120;
/** Bytes of a group metadata record, plus per member (ids, subscription, assignment). */
const GROUP_RECORD_BYTES = 100;
const GROUP_RECORD_BYTES_PER_MEMBER = 160;

export class GroupMetadataManager {
  readonly groups = new Map<string, GroupMetadata>();
  /** Offsets partitions loaded. */
  private readonly owned = new Set<number>();
  /** Offsets partitions being loaded, each with the number of its load (a later one supersedes it). */
  private readonly loading = new Map<number, number>();
  private loads = 0;

  constructor(
    private readonly ctx: ActorContext,
    private readonly brokerId: number,
    private readonly log: OffsetsLog,
    readonly partitionCount: number,
    private readonly hooks: OffsetsTopicHooks,
  ) {}

  partitionFor(groupId: string): number {
    return coordinatorPartition(groupId, this.partitionCount);
  }

  isLoading(groupId: string): boolean {
    return this.loading.has(this.partitionFor(groupId));
  }

  /** GroupMetadataManager.isGroupLocal: this broker coordinates the group. */
  isLocal(groupId: string): boolean {
    return this.owned.has(this.partitionFor(groupId));
  }

  /** Re-reads every offsets partition's role here (tests; the broker reports changes one by one). */
  onLeadershipChanges(): void {
    for (let index = 0; index < this.partitionCount; index++) {
      const replica = this.log.replica(index);
      this.onRoleChange(index, replica !== undefined && replica.isLeader);
    }
  }

  /**
   * onElection / onResignation of one offsets partition. As in Kafka, a partition this broker
   * already leads is not reloaded when only its epoch moves.
   */
  onRoleChange(index: number, leads: boolean): void {
    if (index < 0 || index >= this.partitionCount) return;
    const ours = this.owned.has(index) || this.loading.has(index);
    if (leads && !ours) this.elect(index);
    else if (!leads && ours) this.resign(index);
  }

  /** storeGroup: the group's metadata with `assignments`, replicated; `done` gets the mapped error. */
  storeGroup(group: GroupMetadata, assignments: ReadonlyMap<string, ConsumerAssignment>, done: (error: GroupError) => void): void {
    const record = group.snapshot(assignments);
    const sizeBytes = GROUP_RECORD_BYTES + GROUP_RECORD_BYTES_PER_MEMBER * record.memberStates.length;
    this.log.append(this.partitionFor(group.groupId), record, sizeBytes, (error) => done(mapStoreGroupError(error)));
  }

  /** storeOffsets: one record per partition; the cache takes each offset once it is replicated. */
  storeOffsets(group: GroupMetadata, offsets: readonly { partition: PartitionName; offset: number }[], done: (errors: GroupError[]) => void): void {
    const errors: GroupError[] = new Array<GroupError>(offsets.length).fill(ErrorCode.NONE);
    let remaining = offsets.length;
    if (remaining === 0) {
      done(errors);
      return;
    }
    const index = this.partitionFor(group.groupId);
    offsets.forEach((entry, position) => {
      const record: OffsetCommitRecord = { kind: 'offset-commit', group: group.groupId, partition: entry.partition, offset: entry.offset };
      this.log.append(index, record, OFFSET_RECORD_BYTES, (error) => {
        errors[position] = mapStoreOffsetsError(error);
        if (error === ErrorCode.NONE && this.groups.get(group.groupId) === group) group.offsets.set(entry.partition, entry.offset);
        if (--remaining === 0) done(errors);
      });
    });
  }

  private elect(index: number): void {
    const load = ++this.loads;
    this.loading.set(index, load);
    const replica = this.log.replica(index);
    const epoch = replica?.leaderEpoch ?? -1;
    let bytes = 0;
    for (const batch of replica?.log.batches() ?? []) bytes += batch.sizeBytes;
    const { hardware } = this.ctx;
    const readUs = hardware.diskLatencyUs + (bytes * 1_000_000) / hardware.diskReadBytesPerSecond + (bytes * hardware.brokerCpuNsPerByte) / 1000;
    this.ctx.trace.emit('offsets-load-start', { broker: this.brokerId, partition: partitionName(OFFSETS_TOPIC, index), leaderEpoch: epoch, bytes });
    this.ctx.setTimer(Math.ceil(readUs), () => this.finishLoading(index, load));
  }

  /** GroupMetadataManager.doLoadGroupsAndOffsets, unless the partition was given up meanwhile. */
  private finishLoading(index: number, load: number): void {
    if (this.loading.get(index) !== load) return;
    const replica = this.log.replica(index);
    if (replica === undefined || !replica.isLeader) return;
    const epoch = replica.leaderEpoch;
    const records = new Map<string, StoredGroupMetadata>();
    const offsets = new Map<string, Map<PartitionName, number>>();
    for (const batch of replica.log.batches()) {
      const payload = batch.payload;
      if (payload.kind === 'group-metadata' && 'memberStates' in payload) records.set(payload.group, payload as StoredGroupMetadata);
      if (payload.kind !== 'offset-commit') continue;
      let committed = offsets.get(payload.group);
      if (committed === undefined) offsets.set(payload.group, (committed = new Map()));
      committed.set(payload.partition, payload.offset);
    }
    this.loading.delete(index);
    this.owned.add(index);
    const names = new Set([...records.keys(), ...offsets.keys()]);
    for (const name of [...names].sort()) {
      const record = records.get(name);
      const group = record === undefined ? groupFromRecord({ kind: 'group-metadata', group: name, generation: 0, members: [], protocolType: 'consumer', protocolName: null, leader: null, memberStates: [] }) : groupFromRecord(record);
      for (const [partition, offset] of offsets.get(name) ?? []) group.offsets.set(partition, offset);
      this.groups.set(name, group);
      this.hooks.loaded(group);
    }
    this.ctx.trace.emit('offsets-loaded', { broker: this.brokerId, partition: partitionName(OFFSETS_TOPIC, index), leaderEpoch: epoch, groups: [...names].sort() });
  }

  /** GroupMetadataManager.removeGroupsForPartition. */
  private resign(index: number): void {
    this.loading.delete(index);
    this.owned.delete(index);
    for (const [name, group] of [...this.groups]) {
      if (this.partitionFor(name) !== index) continue;
      this.groups.delete(name);
      this.hooks.unloaded(group);
    }
    this.ctx.trace.emit('offsets-unloaded', { broker: this.brokerId, partition: partitionName(OFFSETS_TOPIC, index) });
  }
}

/** GroupMetadataManager.storeGroup's error mapping. */
function mapStoreGroupError(error: ErrorCode): GroupError {
  switch (error) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
      return ErrorCode.NOT_COORDINATOR;
    default:
      return error;
  }
}

/** GroupMetadataManager.storeOffsets' error mapping: a timed-out commit stays REQUEST_TIMED_OUT. */
function mapStoreOffsetsError(error: ErrorCode): GroupError {
  return error === ErrorCode.REQUEST_TIMED_OUT ? error : mapStoreGroupError(error);
}
