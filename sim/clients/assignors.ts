// Consumer partition assignors, run by the group leader after a JoinGroup round
// (partition.assignment.strategy; org.apache.kafka.clients.consumer.RangeAssignor,
// RoundRobinAssignor, StickyAssignor and CooperativeStickyAssignor, KIP-54 and KIP-429).
//
// - range: per topic, members subscribed to it in member-id order get N/C partitions each, the
//   first N%C one extra. Members sorting first collect the extras of every topic.
// - roundrobin: all subscribed partitions sorted by topic then partition, dealt to the sorted
//   members in a circle, skipping members not subscribed to the partition's topic.
// - sticky: balance first (with equal subscriptions counts differ by at most one), then keep as
//   many partitions as possible with their previous owners.
// - cooperative-sticky: the same target, but a partition that changes owner is only revoked in
//   this round; it is withheld from everyone and assigned in the follow-up rebalance that the
//   revoking member triggers (KIP-429), so partitions that stay put keep flowing.
//
// Simplified: members sort by member id only (static membership's group.instance.id ordering is
// not modelled); the sticky balancing is a direct greedy (keep owned, give unowned partitions to the
// least-loaded subscriber, then move partitions from the most- to the least-loaded member while
// that narrows the gap by two or more) instead of Kafka's constrained/general assign code paths; it
// reaches the same balance and moves the fewest partitions when subscriptions are equal. When two
// members claim the same partition (generation conflicts), the first in member-id order keeps it.

import { assert } from '../core/assert.ts';

export interface TopicPartition {
  topic: string;
  partition: number;
}

export type AssignmentStrategy = 'range' | 'roundrobin' | 'sticky' | 'cooperative-sticky';

export interface GroupMember {
  memberId: string;
  /** Topics this member subscribes to. */
  subscriptions: readonly string[];
  /** Partitions the member owned before this rebalance (its last assignment). */
  owned?: readonly TopicPartition[];
}

/** Partition count per topic, from the leader's metadata. */
export type PartitionsPerTopic = ReadonlyMap<string, number> | Readonly<Record<string, number>>;

/** Member id → assigned partitions, members in id order, each list sorted by topic then partition. */
export type Assignment = Map<string, TopicPartition[]>;

export interface CooperativeAssignment {
  /** What each member may consume now: its new target minus partitions still owned elsewhere. */
  assignment: Assignment;
  /** What each member must give up: owned before, not in its new assignment. */
  revoked: Map<string, TopicPartition[]>;
}

export const ASSIGNMENT_STRATEGIES: readonly AssignmentStrategy[] = [
  'range',
  'roundrobin',
  'sticky',
  'cooperative-sticky',
];

/** Eager strategies revoke everything before rejoining; cooperative-sticky revokes only what moves. */
export function rebalanceProtocol(strategy: AssignmentStrategy): 'eager' | 'cooperative' {
  return strategy === 'cooperative-sticky' ? 'cooperative' : 'eager';
}

/** Kafka's TopicPartition.toString, also used as a map key. */
export function topicPartitionName(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}

/** Java's String.compareTo order (UTF-16 code units), which JavaScript's `<` on strings shares. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  return compareStrings(a.topic, b.topic) || a.partition - b.partition;
}

/**
 * Runs one assignment round. For cooperative-sticky this is the first phase: partitions that move
 * are withheld (see assignCooperative for what each member revokes).
 */
export function assign(
  strategy: AssignmentStrategy,
  members: readonly GroupMember[],
  partitionsPerTopic: PartitionsPerTopic,
): Assignment {
  const sortedMembers = validateMembers(members);
  const counts = normalizeCounts(partitionsPerTopic);
  switch (strategy) {
    case 'range':
      return rangeAssign(sortedMembers, counts);
    case 'roundrobin':
      return roundRobinAssign(sortedMembers, counts);
    case 'sticky':
      return stickyAssign(sortedMembers, counts);
    case 'cooperative-sticky':
      return cooperativeRound(sortedMembers, counts).assignment;
  }
}

/** One cooperative-sticky round: the withheld assignment and what each member revokes. */
export function assignCooperative(
  members: readonly GroupMember[],
  partitionsPerTopic: PartitionsPerTopic,
): CooperativeAssignment {
  return cooperativeRound(validateMembers(members), normalizeCounts(partitionsPerTopic));
}

/**
 * Both phases of a cooperative rebalance: the first round, then the follow-up round in which every
 * member owns what the first round gave it, so the withheld partitions find their new owners.
 */
export function cooperativeTwoPhase(
  members: readonly GroupMember[],
  partitionsPerTopic: PartitionsPerTopic,
): { first: CooperativeAssignment; second: CooperativeAssignment } {
  const first = assignCooperative(members, partitionsPerTopic);
  const rejoined = members.map((member) => ({ ...member, owned: first.assignment.get(member.memberId) ?? [] }));
  return { first, second: assignCooperative(rejoined, partitionsPerTopic) };
}

function validateMembers(members: readonly GroupMember[]): GroupMember[] {
  const sorted = [...members].sort((a, b) => compareStrings(a.memberId, b.memberId));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]?.memberId === sorted[i - 1]?.memberId) {
      throw new RangeError(`assign: duplicate member id ${JSON.stringify(sorted[i]?.memberId)}`);
    }
  }
  return sorted;
}

function normalizeCounts(partitionsPerTopic: PartitionsPerTopic): Map<string, number> {
  const entries: [string, number][] =
    partitionsPerTopic instanceof Map ? [...partitionsPerTopic.entries()] : Object.entries(partitionsPerTopic);
  for (const [topic, count] of entries) {
    if (!Number.isInteger(count) || count < 0) {
      throw new RangeError(`assign: partitionsPerTopic.${topic} must be a non-negative integer, got ${count}`);
    }
  }
  return new Map(entries);
}

function emptyAssignment(members: readonly GroupMember[]): Assignment {
  return new Map(members.map((member) => [member.memberId, []]));
}

function sortedAssignment(assignment: Assignment): Assignment {
  for (const partitions of assignment.values()) partitions.sort(compareTopicPartitions);
  return assignment;
}

/** Topics someone subscribes to and the metadata knows, sorted; unknown topics are skipped as in Kafka. */
function subscribedTopics(members: readonly GroupMember[], counts: ReadonlyMap<string, number>): string[] {
  const topics = new Set(members.flatMap((member) => member.subscriptions));
  return [...topics].filter((topic) => counts.has(topic)).sort(compareStrings);
}

function partitionsOf(topic: string, count: number): TopicPartition[] {
  return Array.from({ length: count }, (_, partition) => ({ topic, partition }));
}

function rangeAssign(members: readonly GroupMember[], counts: ReadonlyMap<string, number>): Assignment {
  const assignment = emptyAssignment(members);
  for (const topic of subscribedTopics(members, counts)) {
    const consumers = members.filter((member) => member.subscriptions.includes(topic));
    const partitions = partitionsOf(topic, counts.get(topic) ?? 0);
    const perConsumer = Math.floor(partitions.length / consumers.length);
    const withExtra = partitions.length % consumers.length;
    consumers.forEach((consumer, i) => {
      const start = perConsumer * i + Math.min(i, withExtra);
      const length = perConsumer + (i < withExtra ? 1 : 0);
      assignment.get(consumer.memberId)?.push(...partitions.slice(start, start + length));
    });
  }
  return sortedAssignment(assignment);
}

function roundRobinAssign(members: readonly GroupMember[], counts: ReadonlyMap<string, number>): Assignment {
  const assignment = emptyAssignment(members);
  const all = subscribedTopics(members, counts).flatMap((topic) => partitionsOf(topic, counts.get(topic) ?? 0));
  let cursor = 0;
  for (const tp of all) {
    // Some member subscribes to every topic in `all`, so a full circle always finds one.
    for (let skipped = 0; !(members[cursor] as GroupMember).subscriptions.includes(tp.topic); skipped++) {
      assert(skipped < members.length, `roundrobin found no subscriber for ${topicPartitionName(tp)}`);
      cursor = (cursor + 1) % members.length;
    }
    assignment.get((members[cursor] as GroupMember).memberId)?.push(tp);
    cursor = (cursor + 1) % members.length;
  }
  return sortedAssignment(assignment);
}

/** Working state of the sticky algorithm: partitions per member, and who may take each partition. */
interface StickyState {
  readonly members: readonly GroupMember[];
  readonly assignment: Assignment;
  readonly subscribers: ReadonlyMap<string, readonly string[]>;
}

function stickyAssign(members: readonly GroupMember[], counts: ReadonlyMap<string, number>): Assignment {
  const state = stickyInitialState(members, counts);
  fillUnowned(state, counts);
  balance(state);
  return sortedAssignment(state.assignment);
}

/** Each member keeps the owned partitions that still exist and that it still subscribes to. */
function stickyInitialState(members: readonly GroupMember[], counts: ReadonlyMap<string, number>): StickyState {
  const subscribers = new Map<string, string[]>();
  for (const member of members) {
    for (const topic of member.subscriptions) {
      if (!counts.has(topic)) continue;
      const list = subscribers.get(topic) ?? [];
      if (!list.includes(member.memberId)) list.push(member.memberId);
      subscribers.set(topic, list);
    }
  }
  const assignment = emptyAssignment(members);
  const claimed = new Set<string>();
  for (const member of members) {
    for (const tp of [...(member.owned ?? [])].sort(compareTopicPartitions)) {
      const name = topicPartitionName(tp);
      const exists = Number.isInteger(tp.partition) && tp.partition >= 0 && tp.partition < (counts.get(tp.topic) ?? 0);
      if (!exists || claimed.has(name) || !member.subscriptions.includes(tp.topic)) continue;
      claimed.add(name);
      assignment.get(member.memberId)?.push({ topic: tp.topic, partition: tp.partition });
    }
  }
  return { members, assignment, subscribers };
}

function load(state: StickyState, memberId: string): number {
  return state.assignment.get(memberId)?.length ?? 0;
}

/** The member with the fewest partitions among `candidates` (ties: member-id order), if any. */
function leastLoaded(state: StickyState, candidates: readonly string[], excluding?: string): string | undefined {
  let best: string | undefined;
  for (const memberId of candidates) {
    if (memberId === excluding) continue;
    if (best === undefined || load(state, memberId) < load(state, best)) best = memberId;
  }
  return best;
}

/**
 * Unowned partitions go, one by one, to their least-loaded subscriber. Partitions with the fewest
 * possible consumers go first, as in Kafka's general assign, so constrained ones are not crowded out.
 */
function fillUnowned(state: StickyState, counts: ReadonlyMap<string, number>): void {
  const owned = new Set([...state.assignment.values()].flat().map(topicPartitionName));
  const unowned = [...state.subscribers.keys()]
    .flatMap((topic) => partitionsOf(topic, counts.get(topic) ?? 0))
    .filter((tp) => !owned.has(topicPartitionName(tp)));
  const choices = (tp: TopicPartition): readonly string[] => state.subscribers.get(tp.topic) ?? [];
  unowned.sort((a, b) => choices(a).length - choices(b).length || compareTopicPartitions(a, b));
  for (const tp of unowned) {
    const receiver = leastLoaded(state, sortedIds(choices(tp)));
    assert(receiver !== undefined, `sticky found no subscriber for ${topicPartitionName(tp)}`);
    state.assignment.get(receiver)?.push(tp);
  }
}

/**
 * Moves partitions from the most-loaded member to a subscriber with at least two fewer, highest
 * partitions first, until no such move exists. Each move lowers the sum of squared loads by at
 * least 2, which bounds the loop by the square of the partition count.
 */
function balance(state: StickyState): void {
  const total = [...state.assignment.values()].reduce((sum, partitions) => sum + partitions.length, 0);
  const maxMoves = total * total + 1;
  for (let moves = 0; ; moves++) {
    assert(moves <= maxMoves, `sticky balancing did not converge within ${maxMoves} moves`);
    if (!moveOnePartition(state)) return;
  }
}

function moveOnePartition(state: StickyState): boolean {
  const donors = state.members
    .map((member) => member.memberId)
    .sort((a, b) => load(state, b) - load(state, a) || compareStrings(a, b));
  for (const donor of donors) {
    const partitions = state.assignment.get(donor) ?? [];
    partitions.sort(compareTopicPartitions);
    for (let i = partitions.length - 1; i >= 0; i--) {
      const tp = partitions[i] as TopicPartition;
      const receiver = leastLoaded(state, sortedIds(state.subscribers.get(tp.topic) ?? []), donor);
      if (receiver !== undefined && load(state, receiver) + 1 < partitions.length) {
        partitions.splice(i, 1);
        state.assignment.get(receiver)?.push(tp);
        return true;
      }
    }
  }
  return false;
}

function sortedIds(ids: readonly string[]): string[] {
  return [...ids].sort(compareStrings);
}

/**
 * CooperativeStickyAssignor.adjustAssignment: compute the sticky target, then withhold every
 * partition that this round both adds to some member (not among its owned) and revokes from some
 * member (owned, not in its target): its owner revokes it, rejoins, and the next round assigns it.
 * Partitions nobody owned (new ones, those of members that left) are assigned at once; a partition
 * kept by one of several claimants stays with it.
 */
function cooperativeRound(members: readonly GroupMember[], counts: ReadonlyMap<string, number>): CooperativeAssignment {
  const target = stickyAssign(members, counts);
  const added = new Set<string>();
  const revokedAnywhere = new Set<string>();
  for (const member of members) {
    const owned = new Set((member.owned ?? []).map(topicPartitionName));
    const mine = new Set((target.get(member.memberId) ?? []).map(topicPartitionName));
    for (const name of mine) if (!owned.has(name)) added.add(name);
    for (const name of owned) if (!mine.has(name)) revokedAnywhere.add(name);
  }
  const assignment: Assignment = new Map();
  const revoked = new Map<string, TopicPartition[]>();
  for (const member of members) {
    const kept = (target.get(member.memberId) ?? []).filter((tp) => {
      const name = topicPartitionName(tp);
      return !(added.has(name) && revokedAnywhere.has(name));
    });
    assignment.set(member.memberId, kept);
    const keptNames = new Set(kept.map(topicPartitionName));
    const lost = (member.owned ?? []).filter((tp) => !keptNames.has(topicPartitionName(tp)));
    revoked.set(member.memberId, lost.sort(compareTopicPartitions));
  }
  return { assignment, revoked };
}
