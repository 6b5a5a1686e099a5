// One consumer group as its coordinator holds it: kafka.coordinator.group.GroupMetadata and
// MemberMetadata (Kafka 3.x). Pure state and its rules; the coordinator (group-coordinator.ts,
// group-rebalance.ts) drives it and owns every timer.
//
// States and the transitions GroupMetadata.validPreviousStates allows:
//
//   Empty ──▶ PreparingRebalance ──▶ CompletingRebalance ──▶ Stable
//     ▲              ▲   │                   │                  │
//     └──────────────┼───┘ (no member left)  └──────────────────┤ (a member joins, leaves or dies)
//                    └──────────────────────────────────────────┘
//   any ──▶ Dead (the coordinator lost its __consumer_offsets partition)
//
// - The first member to join leads (GroupMetadata.add); when the leader leaves, the next member
//   in join order leads; when the leader does not rejoin in time, a member that did is elected
//   (maybeElectNewJoinedLeader).
// - Protocol selection (selectProtocol): among the assignors every member supports, each member
//   votes for the first one in its own order of preference; the most votes win. Ties go to the
//   candidate the first member prefers (Kafka takes whichever its hash map yields first).
// - KIP-394: a member joining without an id is handed one and kept as *pending* until it joins
//   again with it; a rebalance does not complete while a pending member may still arrive.
//
// Simplified: no static membership (group.instance.id), no group.max.size, no transactional
// offsets; committed offsets live here (GroupMetadata.offsets) without expiry.

import { assert } from '../core/assert.ts';
import type { TimerId } from '../core/scheduler.ts';
import type { ConsumerAssignment, ConsumerSubscription, GroupError, PartitionName, StoredGroupMetadata } from './protocol.ts';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

const VALID_PREVIOUS_STATES: Readonly<Record<GroupState, readonly GroupState[]>> = {
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  Empty: ['PreparingRebalance'],
};

/** What a JoinGroup is answered with (JoinGroupResult). */
export interface JoinResult {
  readonly error: GroupError;
  readonly generationId: number;
  readonly protocolName: string | null;
  readonly leader: string;
  readonly memberId: string;
  readonly members: { memberId: string; metadata: ConsumerSubscription }[];
}

/** What a SyncGroup is answered with. */
export interface SyncResult {
  readonly error: GroupError;
  readonly assignment: ConsumerAssignment;
}

export interface MemberProtocol {
  readonly name: string;
  readonly metadata: ConsumerSubscription;
}

export class MemberMetadata {
  assignment: ConsumerAssignment = { partitions: [] };
  awaitingJoin: ((result: JoinResult) => void) | null = null;
  awaitingSync: ((result: SyncResult) => void) | null = null;
  /** Joined in the current rebalance for the first time (may expire while awaiting join). */
  isNew = false;
  /** The session (or new-member join) expiry timer, owned by the coordinator. */
  heartbeatTimer: TimerId | null = null;

  constructor(
    readonly memberId: string,
    readonly clientId: string,
    public sessionTimeoutMs: number,
    public rebalanceTimeoutMs: number,
    public protocols: readonly MemberProtocol[],
  ) {}

  get isAwaitingJoin(): boolean {
    return this.awaitingJoin !== null;
  }

  get isAwaitingSync(): boolean {
    return this.awaitingSync !== null;
  }

  /** MemberMetadata.hasSatisfiedHeartbeat, asked when a heartbeat deadline passes. */
  get keepsAliveWithoutHeartbeat(): boolean {
    return !this.isNew && (this.isAwaitingJoin || this.isAwaitingSync);
  }

  metadata(protocol: string): ConsumerSubscription {
    const found = this.protocols.find((entry) => entry.name === protocol);
    assert(found !== undefined, () => `member ${this.memberId} does not support protocol ${protocol}`);
    return found.metadata;
  }

  /** MemberMetadata.matches: the same protocols, in the same order, with the same metadata. */
  matches(protocols: readonly MemberProtocol[]): boolean {
    return JSON.stringify(protocols) === JSON.stringify(this.protocols);
  }

  /** The first of this member's protocols among `candidates`. */
  vote(candidates: ReadonlySet<string>): string {
    const choice = this.protocols.find((entry) => candidates.has(entry.name));
    assert(choice !== undefined, () => `member ${this.memberId} supports none of ${[...candidates].join(', ')}`);
    return choice.name;
  }
}

export class GroupMetadata {
  private currentState: GroupState;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leaderId: string | null;
  readonly members = new Map<string, MemberMetadata>();
  readonly pendingMembers = new Map<string, TimerId>();
  /** InitialDelayedJoin: a member joined during the initial delay, so wait once more. */
  newMemberAdded = false;
  /** The pending DelayedJoin (initial: an InitialDelayedJoin, which never completes early). */
  delayedJoin: { readonly timer: TimerId; readonly initial: boolean } | null = null;
  /** Committed offsets (GroupMetadataManager's cache), by partition. */
  readonly offsets = new Map<PartitionName, number>();

  constructor(
    readonly groupId: string,
    state: GroupState = 'Empty',
    generationId = 0,
  ) {
    this.currentState = state;
    this.generationId = generationId;
    this.protocolType = null;
    this.protocolName = null;
    this.leaderId = null;
  }

  get state(): GroupState {
    return this.currentState;
  }

  is(state: GroupState): boolean {
    return this.currentState === state;
  }

  transitionTo(state: GroupState): void {
    assert(VALID_PREVIOUS_STATES[state].includes(this.currentState), () => `group ${this.groupId}: ${this.currentState} cannot become ${state}`);
    this.currentState = state;
  }

  /** Whether a rebalance may start now (PreparingRebalance's valid previous states). */
  get canRebalance(): boolean {
    return VALID_PREVIOUS_STATES.PreparingRebalance.includes(this.currentState);
  }

  get rebalanceTimeoutMs(): number {
    let timeoutMs = 0;
    for (const member of this.members.values()) timeoutMs = Math.max(timeoutMs, member.rebalanceTimeoutMs);
    return timeoutMs;
  }

  add(member: MemberMetadata, onJoin: ((result: JoinResult) => void) | null): void {
    if (this.members.size === 0) this.protocolType = 'consumer';
    this.members.set(member.memberId, member);
    this.leaderId ??= member.memberId;
    member.awaitingJoin = onJoin;
  }

  remove(memberId: string): void {
    this.members.delete(memberId);
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value ?? null;
  }

  /** GroupMetadata.hasAllMembersJoined. */
  get allMembersJoined(): boolean {
    for (const member of this.members.values()) if (!member.isAwaitingJoin) return false;
    return this.pendingMembers.size === 0;
  }

  notYetRejoinedMembers(): MemberMetadata[] {
    return [...this.members.values()].filter((member) => !member.isAwaitingJoin);
  }

  /** GroupMetadata.supportsProtocols: can a member offering `protocols` join? */
  supportsProtocols(protocolType: string, protocols: readonly MemberProtocol[]): boolean {
    if (protocols.length === 0 || protocolType.length === 0) return false;
    if (this.is('Empty')) return true;
    return protocolType === this.protocolType && protocols.some((protocol) => this.supportedByAll(protocol.name));
  }

  /** GroupMetadata.selectProtocol, by votes among the protocols every member supports. */
  selectProtocol(): string {
    const first = this.members.values().next().value;
    assert(first !== undefined, () => `group ${this.groupId}: selectProtocol with no members`);
    const candidates = new Set(first.protocols.map((protocol) => protocol.name).filter((name) => this.supportedByAll(name)));
    const votes = new Map<string, number>([...candidates].map((name) => [name, 0]));
    for (const member of this.members.values()) {
      const choice = member.vote(candidates);
      votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let winner = '';
    let most = -1;
    for (const [name, count] of votes) if (count > most) [winner, most] = [name, count];
    return winner;
  }

  /** GroupMetadata.initNextGeneration: a new generation, CompletingRebalance (or Empty). */
  initNextGeneration(): void {
    this.generationId++;
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.transitionTo('CompletingRebalance');
    } else {
      this.protocolName = null;
      this.transitionTo('Empty');
    }
  }

  /** Every member's subscription under the chosen protocol (the leader's JoinGroup answer). */
  currentMemberMetadata(): { memberId: string; metadata: ConsumerSubscription }[] {
    const protocol = this.protocolName;
    assert(protocol !== null, () => `group ${this.groupId}: no protocol chosen`);
    return [...this.members.values()].map((member) => ({ memberId: member.memberId, metadata: member.metadata(protocol) }));
  }

  /** GroupMetadata.maybeElectNewJoinedLeader: false when no member rejoined. */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    if (this.members.get(this.leaderId)?.isAwaitingJoin === true) return true;
    const joined = [...this.members.values()].find((member) => member.isAwaitingJoin);
    if (joined === undefined) return false;
    this.leaderId = joined.memberId;
    return true;
  }

  /** The group metadata record for __consumer_offsets (GroupMetadataManager.groupMetadataValue). */
  snapshot(assignments: ReadonlyMap<string, ConsumerAssignment>): StoredGroupMetadata {
    const protocol = this.protocolName;
    return {
      kind: 'group-metadata',
      group: this.groupId,
      generation: this.generationId,
      members: [...this.members.keys()],
      protocolType: this.protocolType ?? 'consumer',
      protocolName: protocol,
      leader: this.leaderId,
      memberStates: [...this.members.values()].map((member) => ({
        memberId: member.memberId,
        clientId: member.clientId,
        sessionTimeoutMs: member.sessionTimeoutMs,
        rebalanceTimeoutMs: member.rebalanceTimeoutMs,
        subscription: protocol === null ? { topics: [], ownedPartitions: [], generation: -1 } : member.metadata(protocol),
        assignment: assignments.get(member.memberId) ?? member.assignment,
      })),
    };
  }

  private supportedByAll(protocol: string): boolean {
    for (const member of this.members.values()) {
      if (!member.protocols.some((entry) => entry.name === protocol)) return false;
    }
    return true;
  }
}

/** GroupMetadata.loadGroup: a group as the latest record in __consumer_offsets left it. */
export function groupFromRecord(record: StoredGroupMetadata): GroupMetadata {
  const state: GroupState = record.memberStates.length === 0 ? 'Empty' : 'Stable';
  const group = new GroupMetadata(record.group, state, record.generation);
  group.protocolType = record.protocolType;
  group.protocolName = record.protocolName;
  for (const stored of record.memberStates) {
    const protocols = record.protocolName === null ? [] : [{ name: record.protocolName, metadata: stored.subscription }];
    const member = new MemberMetadata(stored.memberId, stored.clientId, stored.sessionTimeoutMs, stored.rebalanceTimeoutMs, protocols);
    member.assignment = stored.assignment;
    group.members.set(member.memberId, member);
  }
  group.leaderId = record.leader;
  return group;
}
