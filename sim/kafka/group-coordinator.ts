// The group coordinator a broker hosts: kafka.coordinator.group.GroupCoordinator (Kafka 3.x), for
// the groups whose __consumer_offsets partition this broker leads (offsets-topic.ts). It answers
// JoinGroup (group-rebalance.ts), SyncGroup, Heartbeat, LeaveGroup, OffsetCommit and OffsetFetch
// through a reply callback; the broker routes the requests (group-apis.ts) and tells it when
// leadership of offsets partitions changes.
//
// Every request is first checked as validateGroupStatus does: a group whose partition is still
// loading gets COORDINATOR_LOAD_IN_PROGRESS (a Heartbeat is answered NONE, a SyncGroup
// REBALANCE_IN_PROGRESS, so the member rejoins without rediscovering the coordinator), a group
// this broker does not coordinate gets NOT_COORDINATOR.
//
// - SyncGroup: in CompletingRebalance the members wait; the leader's assignment is written to
//   __consumer_offsets first, and only once it is replicated does the group become Stable and
//   every member get its part. A write failure restarts the rebalance. In Stable a member gets
//   its current assignment back.
// - OffsetCommit: accepted from a member of the current generation while Stable or
//   PreparingRebalance (so a member may commit what it processed while it revokes, KIP-429 or
//   not); REBALANCE_IN_PROGRESS in CompletingRebalance; generation -1 from a consumer outside
//   group management (assign()) into an Empty group. It counts as a heartbeat.
// - OffsetFetch: the committed offset per partition, -1 when there is none.
//
// Configuration (broker keys): group.initial.rebalance.delay.ms, group.min/max.session.timeout.ms,
// offsets.topic.num.partitions, offsets.topic.replication.factor, offsets.commit.timeout.ms.

import type { ActorContext } from '../hw/actor.ts';
import { GroupMetadata } from './group-metadata.ts';
import { Rebalancer, joinError } from './group-rebalance.ts';
import { GroupMetadataManager, type OffsetsLog } from './offsets-topic.ts';
import {
  ErrorCode,
  GroupErrorCode,
  groupMessageBytes,
  type ConsumerAssignment,
  type GroupError,
  type GroupResponse,
  type HeartbeatRequest,
  type JoinGroupRequest,
  type LeaveGroupRequest,
  type OffsetCommitRequest,
  type OffsetFetchRequest,
  type SyncGroupRequest,
} from './protocol.ts';

export interface GroupCoordinatorConfig {
  readonly initialRebalanceDelayMs: number;
  readonly minSessionTimeoutMs: number;
  readonly maxSessionTimeoutMs: number;
  readonly offsetsTopicPartitions: number;
  readonly offsetsTopicReplicationFactor: number;
  readonly offsetsCommitTimeoutMs: number;
}

/** The broker keys the coordinator reads, by their dotted names (all optional: Kafka's defaults). */
export interface GroupBrokerConfig {
  'group.initial.rebalance.delay.ms'?: number;
  'group.min.session.timeout.ms'?: number;
  'group.max.session.timeout.ms'?: number;
  'offsets.topic.num.partitions'?: number;
  'offsets.topic.replication.factor'?: number;
  'offsets.commit.timeout.ms'?: number;
}

/** The coordinator's settings from a broker config (a resolved scenario's cluster.config has them all). */
export function groupCoordinatorConfig(broker: GroupBrokerConfig): GroupCoordinatorConfig {
  return {
    initialRebalanceDelayMs: broker['group.initial.rebalance.delay.ms'] ?? 3000,
    minSessionTimeoutMs: broker['group.min.session.timeout.ms'] ?? 6000,
    maxSessionTimeoutMs: broker['group.max.session.timeout.ms'] ?? 1_800_000,
    offsetsTopicPartitions: broker['offsets.topic.num.partitions'] ?? 50,
    offsetsTopicReplicationFactor: broker['offsets.topic.replication.factor'] ?? 3,
    offsetsCommitTimeoutMs: broker['offsets.commit.timeout.ms'] ?? 5000,
  };
}

export type CoordinatorRequest = JoinGroupRequest | SyncGroupRequest | HeartbeatRequest | LeaveGroupRequest | OffsetCommitRequest | OffsetFetchRequest;

/** Sends a response of `sizeBytes` to whoever asked. */
export type Reply = (response: GroupResponse, sizeBytes: number) => void;

const NO_ASSIGNMENT: ConsumerAssignment = { partitions: [] };

export class GroupCoordinator {
  readonly manager: GroupMetadataManager;
  private readonly rebalancer: Rebalancer;

  constructor(
    private readonly ctx: ActorContext,
    readonly brokerId: number,
    readonly config: GroupCoordinatorConfig,
    log: OffsetsLog,
  ) {
    this.manager = new GroupMetadataManager(ctx, brokerId, log, config.offsetsTopicPartitions, {
      loaded: (group) => {
        for (const member of group.members.values()) this.rebalancer.heartbeat(group, member);
      },
      unloaded: (group) => this.rebalancer.unload(group),
    });
    this.rebalancer = new Rebalancer({
      ctx,
      brokerId,
      initialRebalanceDelayMs: config.initialRebalanceDelayMs,
      storeGroup: (group, assignments, done) => this.manager.storeGroup(group, assignments, done),
    });
  }

  /** The group as this coordinator holds it (for inspection), if it does. */
  group(groupId: string): GroupMetadata | undefined {
    return this.manager.groups.get(groupId);
  }

  /** LeaderAndIsr or StopReplica changed this broker's replicas: load or unload offsets partitions. */
  onLeadershipChanges(): void {
    this.manager.onLeadershipChanges();
  }

  handle(request: CoordinatorRequest, reply: Reply): void {
    switch (request.type) {
      case 'join-group':
        return this.handleJoin(request, reply);
      case 'sync-group':
        return this.handleSync(request, reply);
      case 'heartbeat':
        return this.handleHeartbeat(request, reply);
      case 'leave-group':
        return this.handleLeave(request, reply);
      case 'offset-commit':
        return this.handleCommit(request, reply);
      case 'offset-fetch':
        return this.handleFetch(request, reply);
    }
  }

  /** validateGroupStatus. */
  private groupStatus(groupId: string): GroupError {
    if (this.manager.isLoading(groupId)) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    if (!this.manager.isLocal(groupId)) return ErrorCode.NOT_COORDINATOR;
    return ErrorCode.NONE;
  }

  private handleJoin(request: JoinGroupRequest, reply: Reply): void {
    const respond = (result: ReturnType<typeof joinError>): void =>
      reply({ type: 'join-group-response', correlationId: request.correlationId, ...result }, groupMessageBytes(1 + result.members.length));
    const status = this.groupStatus(request.groupId);
    if (status !== ErrorCode.NONE) return respond(joinError(request.memberId, status));
    const { minSessionTimeoutMs, maxSessionTimeoutMs } = this.config;
    if (request.sessionTimeoutMs < minSessionTimeoutMs || request.sessionTimeoutMs > maxSessionTimeoutMs) {
      return respond(joinError(request.memberId, GroupErrorCode.INVALID_SESSION_TIMEOUT));
    }
    let group = this.manager.groups.get(request.groupId);
    if (group === undefined) {
      if (request.memberId !== '') return respond(joinError(request.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      group = new GroupMetadata(request.groupId);
      this.manager.groups.set(request.groupId, group);
    }
    this.rebalancer.join(group, request, respond);
  }

  private handleSync(request: SyncGroupRequest, reply: Reply): void {
    const respond = (error: GroupError, assignment: ConsumerAssignment): void =>
      reply({ type: 'sync-group-response', correlationId: request.correlationId, error, assignment }, groupMessageBytes(1 + assignment.partitions.length));
    const status = this.groupStatus(request.groupId);
    if (status !== ErrorCode.NONE) return respond(status === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS ? ErrorCode.REBALANCE_IN_PROGRESS : status, NO_ASSIGNMENT);
    const group = this.manager.groups.get(request.groupId);
    const member = group?.members.get(request.memberId);
    if (group === undefined || member === undefined) return respond(group?.is('Dead') === true ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.UNKNOWN_MEMBER_ID, NO_ASSIGNMENT);
    if (group.is('Dead')) return respond(ErrorCode.COORDINATOR_NOT_AVAILABLE, NO_ASSIGNMENT);
    if (request.generationId !== group.generationId) return respond(ErrorCode.ILLEGAL_GENERATION, NO_ASSIGNMENT);
    switch (group.state) {
      case 'Empty':
        return respond(ErrorCode.UNKNOWN_MEMBER_ID, NO_ASSIGNMENT);
      case 'PreparingRebalance':
        return respond(ErrorCode.REBALANCE_IN_PROGRESS, NO_ASSIGNMENT);
      case 'Stable':
        this.rebalancer.heartbeat(group, member);
        return respond(ErrorCode.NONE, member.assignment);
      case 'CompletingRebalance':
        member.awaitingSync = (result) => respond(result.error, result.assignment);
        this.rebalancer.heartbeat(group, member);
        if (group.leaderId === member.memberId) this.storeAssignment(group, request);
        return;
      case 'Dead':
        return respond(ErrorCode.COORDINATOR_NOT_AVAILABLE, NO_ASSIGNMENT);
    }
  }

  /** The leader's SyncGroup: persist the assignment, then make the group Stable (or rebalance again). */
  private storeAssignment(group: GroupMetadata, request: SyncGroupRequest): void {
    const assignments = new Map<string, ConsumerAssignment>();
    for (const memberId of group.members.keys()) assignments.set(memberId, NO_ASSIGNMENT);
    for (const entry of request.assignments) if (group.members.has(entry.memberId)) assignments.set(entry.memberId, entry.assignment);
    const generationId = group.generationId;
    this.manager.storeGroup(group, assignments, (error) => {
      if (!group.is('CompletingRebalance') || group.generationId !== generationId) return;
      if (error !== ErrorCode.NONE) {
        this.rebalancer.resetAndPropagateAssignmentError(group, error);
        this.rebalancer.maybePrepareRebalance(group, `storing the assignment failed with ${error}`);
        return;
      }
      this.rebalancer.setAndPropagateAssignment(group, assignments);
      this.rebalancer.transition(group, 'Stable');
    });
  }

  private handleHeartbeat(request: HeartbeatRequest, reply: Reply): void {
    const respond = (error: GroupError): void => reply({ type: 'heartbeat-response', correlationId: request.correlationId, error }, groupMessageBytes(0));
    const status = this.groupStatus(request.groupId);
    if (status !== ErrorCode.NONE) return respond(status === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS ? ErrorCode.NONE : status);
    const group = this.manager.groups.get(request.groupId);
    if (group === undefined) return respond(ErrorCode.UNKNOWN_MEMBER_ID);
    if (group.is('Dead')) return respond(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const member = group.members.get(request.memberId);
    if (member === undefined) return respond(ErrorCode.UNKNOWN_MEMBER_ID);
    if (request.generationId !== group.generationId) return respond(ErrorCode.ILLEGAL_GENERATION);
    if (group.is('Empty')) return respond(ErrorCode.UNKNOWN_MEMBER_ID);
    this.rebalancer.heartbeat(group, member);
    respond(group.is('PreparingRebalance') ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE);
  }

  private handleLeave(request: LeaveGroupRequest, reply: Reply): void {
    const respond = (error: GroupError): void => reply({ type: 'leave-group-response', correlationId: request.correlationId, error }, groupMessageBytes(1));
    const status = this.groupStatus(request.groupId);
    if (status !== ErrorCode.NONE) return respond(status);
    const group = this.manager.groups.get(request.groupId);
    if (group === undefined) return respond(ErrorCode.UNKNOWN_MEMBER_ID);
    if (group.is('Dead')) return respond(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const pending = group.pendingMembers.get(request.memberId);
    if (pending !== undefined) {
      this.ctx.cancelTimer(pending);
      group.pendingMembers.delete(request.memberId);
      return respond(ErrorCode.NONE);
    }
    const member = group.members.get(request.memberId);
    if (member === undefined) return respond(ErrorCode.UNKNOWN_MEMBER_ID);
    this.rebalancer.removeMember(group, member, `member ${member.memberId} left the group`);
    respond(ErrorCode.NONE);
  }

  private handleCommit(request: OffsetCommitRequest, reply: Reply): void {
    const respond = (errors: readonly GroupError[]): void =>
      reply(
        { type: 'offset-commit-response', correlationId: request.correlationId, partitions: request.offsets.map((entry, i) => ({ partition: entry.partition, error: errors[i] ?? ErrorCode.NONE })) },
        groupMessageBytes(request.offsets.length),
      );
    const all = (error: GroupError): void => respond(request.offsets.map(() => error));
    const status = this.groupStatus(request.groupId);
    if (status !== ErrorCode.NONE) return all(status);
    let group = this.manager.groups.get(request.groupId);
    if (group === undefined) {
      if (request.generationId >= 0) return all(ErrorCode.ILLEGAL_GENERATION);
      group = new GroupMetadata(request.groupId);
      this.manager.groups.set(request.groupId, group);
    }
    if (group.is('Dead')) return all(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (request.generationId < 0 && group.is('Empty')) return this.manager.storeOffsets(group, request.offsets, respond);
    const member = group.members.get(request.memberId);
    if (member === undefined) return all(ErrorCode.UNKNOWN_MEMBER_ID);
    if (request.generationId !== group.generationId) return all(ErrorCode.ILLEGAL_GENERATION);
    if (group.is('CompletingRebalance')) return all(ErrorCode.REBALANCE_IN_PROGRESS);
    this.rebalancer.heartbeat(group, member);
    this.manager.storeOffsets(group, request.offsets, respond);
  }

  private handleFetch(request: OffsetFetchRequest, reply: Reply): void {
    const status = this.groupStatus(request.groupId);
    const group = status === ErrorCode.NONE ? this.manager.groups.get(request.groupId) : undefined;
    const partitions = request.partitions.map((partition) => ({ partition, offset: group?.offsets.get(partition) ?? -1, error: ErrorCode.NONE as GroupError }));
    reply({ type: 'offset-fetch-response', correlationId: request.correlationId, error: status, partitions }, groupMessageBytes(partitions.length));
  }
}
