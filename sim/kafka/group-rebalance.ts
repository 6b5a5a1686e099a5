// The rebalance half of the group coordinator: kafka.coordinator.group.GroupCoordinator's
// JoinGroup handling, DelayedJoin / InitialDelayedJoin and DelayedHeartbeat (Kafka 3.x), over
// the group state of group-metadata.ts.
//
// - JoinGroup without a member id (KIP-394): the member gets an id and MEMBER_ID_REQUIRED, and is
//   pending until it joins again with that id (or its session timeout passes). With an id: a
//   pending member is added; a known one updates its protocols. Either way a rebalance starts if
//   the group may rebalance (Empty, Stable, CompletingRebalance). A follower rejoining a Stable
//   group with unchanged metadata just gets the current generation back.
// - A rebalance waits for every member to rejoin, for at most the largest rebalance timeout
//   (the members' max.poll.interval.ms); those who did not rejoin are removed. A group that was
//   Empty waits group.initial.rebalance.delay.ms first, and again (up to the rebalance timeout)
//   while new members keep arriving, so a group starting up rebalances once, not per member.
// - Completing the join starts the next generation: every member gets its JoinGroup answer, the
//   leader with every member's subscription, and its session timer is armed again.
// - Session timeouts: a member's deadline is session.timeout.ms after its last heartbeat (or
//   join, sync, commit). A member awaiting a JoinGroup or SyncGroup answer is kept alive; one
//   that misses its deadline otherwise is removed, which rebalances the group. A new member still
//   awaiting its first join expires after NEW_MEMBER_JOIN_TIMEOUT_MS.
//
// Every state change is traced as `group-state` {group, state, generation, coordinator, reason}.

import type { ActorContext } from '../hw/actor.ts';
import { GroupMetadata, MemberMetadata, type GroupState, type JoinResult, type SyncResult } from './group-metadata.ts';
import { ErrorCode, GroupErrorCode, type ConsumerAssignment, type GroupError, type JoinGroupRequest } from './protocol.ts';

/** GroupCoordinator.NewMemberJoinTimeoutMs. */
export const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;

export interface RebalanceParts {
  readonly ctx: ActorContext;
  readonly brokerId: number;
  readonly initialRebalanceDelayMs: number;
  /** GroupMetadataManager.storeGroup, for a generation that ends with no member. */
  readonly storeGroup: (group: GroupMetadata, assignments: ReadonlyMap<string, ConsumerAssignment>, done: (error: GroupError) => void) => void;
}

/** A JoinGroup answer carrying only an error. */
export function joinError(memberId: string, error: GroupError): JoinResult {
  return { error, generationId: -1, protocolName: null, leader: '', memberId, members: [] };
}

const NO_ASSIGNMENT: ConsumerAssignment = { partitions: [] };

export class Rebalancer {
  private memberIds = 0;

  constructor(private readonly parts: RebalanceParts) {}

  /** handleJoinGroup after the coordinator checks (the group exists or was just created). */
  join(group: GroupMetadata, request: JoinGroupRequest, respond: (result: JoinResult) => void): void {
    const { memberId } = request;
    if (group.is('Dead')) {
      respond(joinError(memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
    } else if (!group.supportsProtocols(request.protocolType, request.protocols)) {
      respond(joinError(memberId, GroupErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    } else if (memberId === '') {
      const newMemberId = `${request.clientId}-${this.parts.brokerId}.${this.parts.ctx.incarnation}.${++this.memberIds}`;
      const timer = this.parts.ctx.setTimer(request.sessionTimeoutMs * 1000, () => this.expirePending(group, newMemberId));
      group.pendingMembers.set(newMemberId, timer);
      respond(joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED));
    } else if (group.pendingMembers.has(memberId)) {
      this.parts.ctx.cancelTimer(group.pendingMembers.get(memberId)!);
      group.pendingMembers.delete(memberId);
      this.addMemberAndRebalance(group, request, respond);
    } else {
      const member = group.members.get(memberId);
      if (member === undefined) respond(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      else this.currentMemberJoin(group, member, request, respond);
    }
    if (group.is('PreparingRebalance')) this.tryCompleteJoin(group);
  }

  /** GroupCoordinator.prepareRebalance. */
  prepareRebalance(group: GroupMetadata, reason: string): void {
    if (group.is('CompletingRebalance')) this.resetAndPropagateAssignmentError(group, ErrorCode.REBALANCE_IN_PROGRESS);
    const wasEmpty = group.is('Empty');
    this.transition(group, 'PreparingRebalance', reason);
    const initialDelayMs = this.parts.initialRebalanceDelayMs;
    if (wasEmpty) {
      this.scheduleInitialDelayedJoin(group, initialDelayMs, Math.max(group.rebalanceTimeoutMs - initialDelayMs, 0));
    } else {
      this.scheduleDelayedJoin(group);
      this.tryCompleteJoin(group);
    }
  }

  maybePrepareRebalance(group: GroupMetadata, reason: string): void {
    if (group.canRebalance) this.prepareRebalance(group, reason);
  }

  /** removeMemberAndUpdateGroup: a member left, failed its session, or was never seen again. */
  removeMember(group: GroupMetadata, member: MemberMetadata, reason: string): void {
    if (member.awaitingJoin !== null) {
      const callback = member.awaitingJoin;
      member.awaitingJoin = null;
      callback(joinError(member.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
    this.cancelHeartbeat(member);
    group.remove(member.memberId);
    this.parts.ctx.trace.emit('group-member-removed', { group: group.groupId, member: member.memberId, reason });
    if (group.is('Stable') || group.is('CompletingRebalance')) this.maybePrepareRebalance(group, reason);
    else if (group.is('PreparingRebalance')) this.tryCompleteJoin(group);
  }

  /** completeAndScheduleNextHeartbeatExpiration: a sign of life; the next deadline starts now. */
  heartbeat(group: GroupMetadata, member: MemberMetadata, timeoutMs = member.sessionTimeoutMs): void {
    this.cancelHeartbeat(member);
    member.heartbeatTimer = this.parts.ctx.setTimer(timeoutMs * 1000, () => {
      member.heartbeatTimer = null;
      if (group.members.get(member.memberId) !== member || member.keepsAliveWithoutHeartbeat) return;
      this.removeMember(group, member, `member ${member.memberId} failed its session timeout of ${member.sessionTimeoutMs} ms`);
    });
  }

  cancelHeartbeat(member: MemberMetadata): void {
    if (member.heartbeatTimer !== null) this.parts.ctx.cancelTimer(member.heartbeatTimer);
    member.heartbeatTimer = null;
  }

  /** Answers every waiting SyncGroup with `error` (a rebalance started before the assignment came). */
  resetAndPropagateAssignmentError(group: GroupMetadata, error: GroupError): void {
    this.propagate(group, error);
  }

  /** setAndPropagateAssignment: every member learns its part of the leader's assignment. */
  setAndPropagateAssignment(group: GroupMetadata, assignments: ReadonlyMap<string, ConsumerAssignment>): void {
    for (const member of group.members.values()) member.assignment = assignments.get(member.memberId) ?? NO_ASSIGNMENT;
    this.propagate(group, ErrorCode.NONE);
  }

  /** The coordinator lost the group's partition: it is Dead here, and waiting requests learn it. */
  unload(group: GroupMetadata): void {
    this.cancelDelayedJoin(group);
    for (const timer of group.pendingMembers.values()) this.parts.ctx.cancelTimer(timer);
    group.pendingMembers.clear();
    this.transition(group, 'Dead', 'coordinator moved');
    for (const member of group.members.values()) {
      this.cancelHeartbeat(member);
      const join = member.awaitingJoin;
      const sync = member.awaitingSync;
      member.awaitingJoin = null;
      member.awaitingSync = null;
      join?.(joinError(member.memberId, ErrorCode.NOT_COORDINATOR));
      sync?.({ error: ErrorCode.NOT_COORDINATOR, assignment: NO_ASSIGNMENT });
    }
  }

  transition(group: GroupMetadata, state: GroupState, reason?: string): void {
    group.transitionTo(state);
    this.parts.ctx.trace.emit('group-state', {
      group: group.groupId,
      state,
      generation: group.generationId,
      coordinator: this.parts.brokerId,
      ...(reason === undefined ? {} : { reason }),
    });
  }

  private currentMemberJoin(group: GroupMetadata, member: MemberMetadata, request: JoinGroupRequest, respond: (result: JoinResult) => void): void {
    const unchanged = member.matches(request.protocols);
    const isLeader = group.leaderId === member.memberId;
    switch (group.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(group, member, request, respond, `member ${member.memberId} joined during PreparingRebalance`);
      case 'CompletingRebalance':
        if (unchanged) return respond(this.currentGeneration(group, member, isLeader));
        return this.updateMemberAndRebalance(group, member, request, respond, `member ${member.memberId} changed its metadata`);
      case 'Stable':
        if (isLeader) return this.updateMemberAndRebalance(group, member, request, respond, `leader ${member.memberId} rejoined`);
        if (!unchanged) return this.updateMemberAndRebalance(group, member, request, respond, `member ${member.memberId} changed its metadata`);
        return respond(this.currentGeneration(group, member, false));
      case 'Empty':
      case 'Dead':
        return respond(joinError(member.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  private currentGeneration(group: GroupMetadata, member: MemberMetadata, withMembers: boolean): JoinResult {
    return {
      error: ErrorCode.NONE,
      generationId: group.generationId,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      memberId: member.memberId,
      members: withMembers ? group.currentMemberMetadata() : [],
    };
  }

  private addMemberAndRebalance(group: GroupMetadata, request: JoinGroupRequest, respond: (result: JoinResult) => void): void {
    const member = new MemberMetadata(request.memberId, request.clientId, request.sessionTimeoutMs, request.rebalanceTimeoutMs, request.protocols);
    member.isNew = true;
    if (group.is('PreparingRebalance') && group.generationId === 0) group.newMemberAdded = true;
    group.add(member, respond);
    this.heartbeat(group, member, NEW_MEMBER_JOIN_TIMEOUT_MS);
    this.maybePrepareRebalance(group, `member ${member.memberId} joined`);
  }

  private updateMemberAndRebalance(group: GroupMetadata, member: MemberMetadata, request: JoinGroupRequest, respond: (result: JoinResult) => void, reason: string): void {
    member.protocols = request.protocols;
    member.sessionTimeoutMs = request.sessionTimeoutMs;
    member.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
    member.awaitingJoin = respond;
    this.maybePrepareRebalance(group, reason);
  }

  private expirePending(group: GroupMetadata, memberId: string): void {
    if (!group.pendingMembers.delete(memberId)) return;
    if (group.is('PreparingRebalance')) this.tryCompleteJoin(group);
  }

  private scheduleDelayedJoin(group: GroupMetadata): void {
    this.cancelDelayedJoin(group);
    const timer = this.parts.ctx.setTimer(group.rebalanceTimeoutMs * 1000, () => {
      group.delayedJoin = null;
      this.completeJoin(group);
    });
    group.delayedJoin = { timer, initial: false };
  }

  /** InitialDelayedJoin: wait `delayMs`; if someone joined meanwhile, wait again (within `remainingMs`). */
  private scheduleInitialDelayedJoin(group: GroupMetadata, delayMs: number, remainingMs: number): void {
    this.cancelDelayedJoin(group);
    const timer = this.parts.ctx.setTimer(delayMs * 1000, () => {
      group.delayedJoin = null;
      if (group.newMemberAdded && remainingMs !== 0) {
        group.newMemberAdded = false;
        const nextDelayMs = Math.min(this.parts.initialRebalanceDelayMs, remainingMs);
        this.scheduleInitialDelayedJoin(group, nextDelayMs, Math.max(remainingMs - delayMs, 0));
      } else {
        this.completeJoin(group);
      }
    });
    group.delayedJoin = { timer, initial: true };
  }

  private cancelDelayedJoin(group: GroupMetadata): void {
    if (group.delayedJoin !== null) this.parts.ctx.cancelTimer(group.delayedJoin.timer);
    group.delayedJoin = null;
  }

  /** DelayedJoin.tryComplete: finish early once every member has rejoined. */
  private tryCompleteJoin(group: GroupMetadata): void {
    if (group.delayedJoin === null || group.delayedJoin.initial || !group.allMembersJoined) return;
    this.cancelDelayedJoin(group);
    this.completeJoin(group);
  }

  /** GroupCoordinator.onCompleteJoin. */
  private completeJoin(group: GroupMetadata): void {
    for (const member of group.notYetRejoinedMembers()) {
      this.cancelHeartbeat(member);
      group.remove(member.memberId);
      this.parts.ctx.trace.emit('group-member-removed', { group: group.groupId, member: member.memberId, reason: 'did not rejoin within the rebalance timeout' });
    }
    if (group.is('Dead')) return;
    if (!group.maybeElectNewJoinedLeader() && group.members.size > 0) {
      this.scheduleDelayedJoin(group);
      return;
    }
    group.initNextGeneration();
    this.traceGeneration(group);
    if (group.is('Empty')) {
      this.parts.storeGroup(group, new Map(), () => undefined);
      return;
    }
    for (const member of [...group.members.values()]) {
      const callback = member.awaitingJoin;
      member.awaitingJoin = null;
      callback?.(this.currentGeneration(group, member, group.leaderId === member.memberId));
      this.heartbeat(group, member);
      member.isNew = false;
    }
  }

  private traceGeneration(group: GroupMetadata): void {
    this.parts.ctx.trace.emit('group-state', {
      group: group.groupId,
      state: group.state,
      generation: group.generationId,
      coordinator: this.parts.brokerId,
      protocol: group.protocolName,
      leader: group.leaderId,
      members: [...group.members.keys()],
    });
  }

  private propagate(group: GroupMetadata, error: GroupError): void {
    for (const member of group.members.values()) {
      const callback = member.awaitingSync;
      if (callback === null) continue;
      member.awaitingSync = null;
      const result: SyncResult = { error, assignment: error === ErrorCode.NONE ? member.assignment : NO_ASSIGNMENT };
      callback(result);
      if (error === ErrorCode.NONE) this.heartbeat(group, member);
    }
  }
}
