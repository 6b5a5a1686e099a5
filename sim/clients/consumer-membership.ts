// A consumer's membership in its group: the network half of AbstractCoordinator (Kafka 3.x) —
// finding the coordinator, the JoinGroup / SyncGroup exchange, the leader's assignment, leaving.
//
// - FindCoordinator goes to the least loaded broker; errors are retried after retry.backoff.ms.
//   The coordinator is forgotten (markCoordinatorUnknown) on NOT_COORDINATOR /
//   COORDINATOR_NOT_AVAILABLE answers and on a lost connection; a rebalance in flight with it is
//   abandoned and started again with the next one.
// - JoinGroup carries, per assignor in partition.assignment.strategy order, the subscription and
//   the partitions owned (KIP-429: what the member consumes now under the cooperative protocol;
//   under the eager one, where everything was revoked, the previous assignment, as the sticky
//   assignor's user data does). A first join gets MEMBER_ID_REQUIRED with an id and joins again
//   at once (KIP-394). The JoinGroup timeout is the rebalance timeout plus 5 s.
// - On the JoinGroup answer the member is COMPLETING_REBALANCE with the new generation; the leader
//   runs the chosen assignor over every member's subscription and its own metadata's partition
//   counts (assignors.ts), and everyone sends SyncGroup. Its answer makes the member STABLE; the
//   application thread applies the assignment on its next poll (consumer-coordinator.ts).
// - LeaveGroup is a best effort: sent without waiting, and the generation is reset either way.
//
// States (MemberState): unjoined → preparing (JoinGroup sent) → completing (SyncGroup sent) →
// stable. Errors that invalidate the generation (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID) reset it,
// which later makes the application treat its partitions as lost rather than revoked.

import { Level } from '../core/trace.ts';
import type { ActorContext, NodeId } from '../hw/actor.ts';
import {
  ErrorCode,
  groupMessageBytes,
  parsePartitionName,
  partitionName,
  type FindCoordinatorResponse,
  type GroupError,
  type JoinGroupResponse,
  type PartitionName,
  type SyncGroupResponse,
} from '../kafka/protocol.ts';
import { assign, assignCooperative, type AssignmentStrategy, type GroupMember } from './assignors.ts';
import type { ConsumerClient } from './consumer-client.ts';
import type { ConsumerSettings } from './consumer-config.ts';
import type { SubscriptionState } from './consumer-subscription.ts';

export type MemberState = 'unjoined' | 'preparing' | 'completing' | 'stable';

/** The JoinGroup + SyncGroup round in flight, or how it ended. */
export type JoinOutcome =
  | { readonly kind: 'pending' }
  | { readonly kind: 'succeeded'; readonly generation: number; readonly assignment: readonly PartitionName[] }
  | { readonly kind: 'failed'; readonly error: string };

/** Join failures retried at once (joinGroupIfNeeded's `continue`); others wait retry.backoff.ms or are fatal. */
export const REJOIN_AT_ONCE: ReadonlySet<string> = new Set([ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.ILLEGAL_GENERATION, ErrorCode.REBALANCE_IN_PROGRESS, ErrorCode.MEMBER_ID_REQUIRED]);
export const REJOIN_AFTER_BACKOFF: ReadonlySet<string> = new Set([
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR,
  'NETWORK_EXCEPTION',
  'UNJOINED',
]);

export interface MembershipParts {
  readonly ctx: ActorContext;
  readonly settings: ConsumerSettings;
  readonly group: string;
  /** The member's name in the history and the trace ("billing/0"). */
  readonly member: string;
  readonly topics: readonly string[];
  readonly client: ConsumerClient;
  readonly subscriptions: SubscriptionState;
  readonly brokerNodeId: (brokerId: number) => NodeId;
  /** The member became COMPLETING_REBALANCE (the heartbeat thread starts). */
  readonly onCompleting: () => void;
  /** A coordinator was found (the heartbeat's session timer starts over). */
  readonly onCoordinatorFound: () => void;
}

export class GroupMembership {
  coordinator: NodeId | null = null;
  generation = -1;
  memberId = '';
  state: MemberState = 'unjoined';
  rejoinNeeded = true;
  join: JoinOutcome | null = null;
  /** The last assignment and its generation (the sticky assignor's user data). */
  lastAssignment: readonly PartitionName[] = [];
  lastAssignmentGeneration = -1;
  private coordinatorEpoch = 0;
  private findInFlight = false;
  private findRetryAtUs = 0;

  constructor(private readonly parts: MembershipParts) {}

  get hasValidGeneration(): boolean {
    return this.generation >= 0 && this.memberId !== '';
  }

  /** ensureCoordinatorReady without blocking: true when known, else a lookup is under way. */
  ensureCoordinatorReady(): boolean {
    if (this.coordinator !== null) return true;
    this.lookupCoordinator();
    return false;
  }

  lookupCoordinator(): void {
    const { ctx, client, settings } = this.parts;
    if (this.findInFlight || ctx.now < this.findRetryAtUs) return;
    const node = client.leastLoadedNode();
    if (node === undefined) return;
    this.findInFlight = true;
    const retry = (): void => {
      this.findInFlight = false;
      this.findRetryAtUs = ctx.now + settings.retryBackoffUs;
    };
    const request = { type: 'find-coordinator' as const, correlationId: client.correlationId(), key: this.parts.group };
    client.send<FindCoordinatorResponse>(node, request, groupMessageBytes(1), settings.requestTimeoutMs, (response) => {
      if (response.error !== ErrorCode.NONE || response.nodeId < 0) return retry();
      this.findInFlight = false;
      this.coordinator = this.parts.brokerNodeId(response.nodeId);
      ctx.trace.emit('consumer-coordinator', { group: this.parts.group, member: this.parts.member, coordinator: response.nodeId });
      this.parts.onCoordinatorFound();
    }, retry);
  }

  /** AbstractCoordinator.markCoordinatorUnknown: forget it, and abandon a rebalance in flight with it. */
  markCoordinatorUnknown(reason: string): void {
    if (this.coordinator === null) return;
    this.coordinator = null;
    this.coordinatorEpoch++;
    if (this.join?.kind === 'pending') this.join = { kind: 'failed', error: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    this.parts.ctx.trace.emit('consumer-coordinator', { group: this.parts.group, member: this.parts.member, coordinator: null, reason });
  }

  requestRejoin(): void {
    this.rejoinNeeded = true;
  }

  /** resetStateAndGeneration: UNJOINED, no generation (and no member id when asked). */
  resetGeneration(resetMemberId: boolean): void {
    this.state = 'unjoined';
    this.generation = -1;
    if (resetMemberId) this.memberId = '';
    this.rejoinNeeded = true;
  }

  /** initiateJoinGroup: PREPARING_REBALANCE, JoinGroup sent (once per round). */
  initiateJoinGroup(): void {
    const { ctx, client, settings, subscriptions, topics } = this.parts;
    const coordinator = this.coordinator;
    if (coordinator === null || this.join !== null) return;
    this.state = 'preparing';
    this.join = { kind: 'pending' };
    const cooperative = settings.protocol === 'cooperative';
    const metadata = {
      topics: [...topics],
      ownedPartitions: cooperative ? subscriptions.assigned() : [...this.lastAssignment],
      generation: cooperative ? this.generation : this.lastAssignmentGeneration,
    };
    const epoch = this.coordinatorEpoch;
    const request = {
      type: 'join-group' as const,
      correlationId: client.correlationId(),
      groupId: this.parts.group,
      sessionTimeoutMs: settings.sessionTimeoutMs,
      rebalanceTimeoutMs: settings.maxPollIntervalMs,
      memberId: this.memberId,
      clientId: settings.clientId,
      protocolType: 'consumer',
      protocols: settings.assignors.map((name) => ({ name, metadata })),
    };
    if (ctx.trace.fullDetail) ctx.trace.emit('consumer-join', { group: this.parts.group, member: this.parts.member, memberId: this.memberId, owned: metadata.ownedPartitions }, Level.Full);
    else ctx.trace.skip();
    client.send<JoinGroupResponse>(coordinator, request, groupMessageBytes(1 + topics.length + metadata.ownedPartitions.length), settings.joinGroupTimeoutMs, (response) => {
      if (epoch === this.coordinatorEpoch && this.join?.kind === 'pending') this.onJoinResponse(coordinator, response);
    }, () => this.transportFailure(epoch));
  }

  /** maybeLeaveGroup: a LeaveGroup if there is anything to leave, then no generation. */
  maybeLeaveGroup(reason: string): void {
    const { ctx, client, settings } = this.parts;
    if (this.coordinator !== null && this.state !== 'unjoined' && this.memberId !== '') {
      const request = { type: 'leave-group' as const, correlationId: client.correlationId(), groupId: this.parts.group, memberId: this.memberId };
      client.send(this.coordinator, request, groupMessageBytes(1), settings.requestTimeoutMs, () => undefined, () => undefined);
      ctx.trace.emit('consumer-leave', { group: this.parts.group, member: this.parts.member, memberId: this.memberId, reason });
    }
    this.join = null;
    this.resetGeneration(true);
  }

  private onJoinResponse(coordinator: NodeId, response: JoinGroupResponse): void {
    const error = response.error;
    if (error === ErrorCode.NONE) {
      if (this.state !== 'preparing') return this.fail('UNJOINED');
      this.state = 'completing';
      this.generation = response.generationId;
      this.memberId = response.memberId;
      this.parts.onCompleting();
      const assignments = response.leader === response.memberId ? this.performAssignment(response) : [];
      return this.sendSync(coordinator, assignments);
    }
    if (error === ErrorCode.MEMBER_ID_REQUIRED) this.memberId = response.memberId;
    this.onGroupError(error);
  }

  private sendSync(coordinator: NodeId, assignments: { memberId: string; assignment: { partitions: PartitionName[] } }[]): void {
    const { client, settings } = this.parts;
    const epoch = this.coordinatorEpoch;
    const generation = this.generation;
    const request = { type: 'sync-group' as const, correlationId: client.correlationId(), groupId: this.parts.group, generationId: generation, memberId: this.memberId, assignments };
    const entries = assignments.reduce((sum, entry) => sum + 1 + entry.assignment.partitions.length, 1);
    client.send<SyncGroupResponse>(coordinator, request, groupMessageBytes(entries), settings.requestTimeoutMs, (response) => {
      if (epoch !== this.coordinatorEpoch || this.join?.kind !== 'pending') return;
      if (response.error !== ErrorCode.NONE) return this.onGroupError(response.error);
      if (this.state !== 'completing' || this.generation !== generation) return this.fail('UNJOINED');
      this.state = 'stable';
      this.rejoinNeeded = false;
      this.join = { kind: 'succeeded', generation, assignment: response.assignment.partitions };
    }, () => this.transportFailure(epoch));
  }

  /** The error handling JoinGroupResponseHandler and SyncGroupResponseHandler share. */
  private onGroupError(error: GroupError): void {
    if (error === ErrorCode.UNKNOWN_MEMBER_ID || error === ErrorCode.ILLEGAL_GENERATION) this.resetGeneration(error === ErrorCode.UNKNOWN_MEMBER_ID);
    if (error === ErrorCode.COORDINATOR_NOT_AVAILABLE || error === ErrorCode.NOT_COORDINATOR) this.markCoordinatorUnknown(error);
    this.requestRejoin();
    this.fail(error);
  }

  private transportFailure(epoch: number): void {
    if (epoch !== this.coordinatorEpoch || this.join?.kind !== 'pending') return;
    this.markCoordinatorUnknown('the connection to the coordinator failed');
    this.fail('NETWORK_EXCEPTION');
  }

  private fail(error: string): void {
    this.join = { kind: 'failed', error };
  }

  /** ConsumerCoordinator.onLeaderElected → performAssignment with the chosen assignor. */
  private performAssignment(response: JoinGroupResponse): { memberId: string; assignment: { partitions: PartitionName[] } }[] {
    const strategy = response.protocolName as AssignmentStrategy;
    const members: GroupMember[] = response.members.map(({ memberId, metadata }) => ({
      memberId,
      subscriptions: metadata.topics,
      owned: metadata.ownedPartitions.map(parsePartitionName),
    }));
    const counts = new Map<string, number>();
    for (const member of members) {
      for (const topic of member.subscriptions) {
        const count = this.parts.client.metadata.topic(topic)?.partitionCount;
        if (count !== undefined) counts.set(topic, count);
      }
    }
    const assignment = strategy === 'cooperative-sticky' ? assignCooperative(members, counts).assignment : assign(strategy, members, counts);
    return [...assignment].map(([memberId, partitions]) => ({ memberId, assignment: { partitions: partitions.map((tp) => partitionName(tp.topic, tp.partition)) } }));
  }
}
