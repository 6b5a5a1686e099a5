// The group coordinator's state machine, request by request (group-harness.ts): KIP-394 member
// ids, the initial rebalance delay, the leader's assignment stored before the group is Stable,
// session and rebalance timeouts, offset commits by generation, and loading from the log.

import { describe, it, expect } from 'vitest';
import { ErrorCode, GroupErrorCode } from '../../sim/kafka/protocol.ts';
import { CoordinatorHarness } from './group-harness.ts';

/** Two members joined and synced: generation 1, Stable. */
function stableGroupOfTwo(harness: CoordinatorHarness): { a: string; b: string; generation: number } {
  const a = harness.newMember();
  const b = harness.newMember();
  // b joined while the first rebalance waited, so it waits one more initial delay.
  harness.runFor(6_100_000);
  const generation = a.join.value!.generationId;
  const syncA = harness.sync(a.memberId, generation, { [a.memberId]: ['orders/0'], [b.memberId]: ['orders/1'] });
  const syncB = harness.sync(b.memberId, generation);
  harness.runFor(10_000);
  expect(syncA.value?.error).toBe(ErrorCode.NONE);
  expect(syncB.value?.assignment.partitions).toEqual(['orders/1']);
  return { a: a.memberId, b: b.memberId, generation };
}

describe('group coordinator', () => {
  it('hands a new member an id first (KIP-394), then waits group.initial.rebalance.delay.ms before the first generation', () => {
    const harness = new CoordinatorHarness().leadAll();
    const first = harness.join('');
    expect(first.value?.error).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.value?.memberId).not.toBe('');
    const startUs = harness.nowUs;
    const a = harness.join(first.value!.memberId);
    harness.runFor(1_000_000);
    const b = harness.newMember();
    harness.runFor(1_900_000);
    expect(a.value).toBeUndefined();
    // b joined during the delay, so the coordinator waits one more delay (InitialDelayedJoin).
    harness.runFor(3_200_000);
    expect(a.value?.error).toBe(ErrorCode.NONE);
    expect(a.atUs - startUs).toBe(6_000_000);
    expect(a.value?.generationId).toBe(1);
    expect(a.value?.leader).toBe(a.value?.memberId);
    expect(a.value?.members.map((m) => m.memberId)).toEqual([a.value!.memberId, b.memberId]);
    expect(b.join.value?.members).toEqual([]);
    expect(harness.states()).toEqual(['PreparingRebalance@0', 'CompletingRebalance@1']);
  });

  it('makes the group Stable only once the leader\'s assignment is stored, then every member gets its part', () => {
    const harness = new CoordinatorHarness().leadAll();
    const a = harness.newMember();
    const b = harness.newMember();
    harness.runFor(6_100_000);
    const follower = harness.sync(b.memberId, 1);
    const leader = harness.sync(a.memberId, 1, { [a.memberId]: ['orders/0', 'orders/1'] });
    harness.runFor(1000);
    expect(leader.value).toBeUndefined();
    harness.runFor(2000);
    expect(leader.value).toEqual(expect.objectContaining({ error: ErrorCode.NONE, assignment: { partitions: ['orders/0', 'orders/1'] } }));
    expect(follower.value).toEqual(expect.objectContaining({ error: ErrorCode.NONE, assignment: { partitions: [] } }));
    expect(harness.states().at(-1)).toBe('Stable@1');
    expect(harness.coordinator.group('billing')?.state).toBe('Stable');
  });

  it('restarts the rebalance when the assignment cannot be stored', () => {
    const harness = new CoordinatorHarness().leadAll();
    const a = harness.newMember();
    harness.runFor(3_100_000);
    harness.log.appendError = ErrorCode.NOT_ENOUGH_REPLICAS;
    const sync = harness.sync(a.memberId, 1, { [a.memberId]: ['orders/0'] });
    harness.runFor(10_000);
    expect(sync.value?.error).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(harness.coordinator.group('billing')?.state).toBe('PreparingRebalance');
  });

  it('removes a member that stops heartbeating after session.timeout.ms, and the others learn of the rebalance', () => {
    const harness = new CoordinatorHarness().leadAll();
    const { a, b, generation } = stableGroupOfTwo(harness);
    for (let i = 0; i < 3; i++) {
      harness.runFor(3_000_000);
      expect(harness.heartbeat(a, generation).value?.error).toBe(ErrorCode.NONE);
    }
    harness.runFor(1_500_000);
    expect(harness.coordinator.group('billing')?.members.has(b)).toBe(false);
    expect(harness.heartbeat(a, generation).value?.error).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(harness.test.sink.events.some((event) => event.k === 'group-member-removed' && event.member === b)).toBe(true);
    const rejoin = harness.join(a);
    harness.runFor(1000);
    expect(rejoin.value).toEqual(expect.objectContaining({ error: ErrorCode.NONE, generationId: generation + 1, leader: a }));
  });

  it('waits for every member to rejoin for at most the rebalance timeout, then drops the ones that did not', () => {
    const harness = new CoordinatorHarness().leadAll();
    const { a, b, generation } = stableGroupOfTwo(harness);
    const rejoin = harness.join(a);
    // b's heartbeat thread keeps it alive, but its application never polls, so it never rejoins.
    for (let i = 0; i < 9; i++) {
      harness.runFor(3_000_000);
      expect(harness.heartbeat(b, generation).value?.error).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    }
    harness.runFor(2_900_000);
    expect(rejoin.value).toBeUndefined();
    harness.runFor(200_000);
    expect(rejoin.value).toEqual(expect.objectContaining({ error: ErrorCode.NONE, generationId: generation + 1 }));
    expect([...harness.coordinator.group('billing')!.members.keys()]).toEqual([a]);
  });

  it('accepts commits from the current generation only, and serves them once replicated', () => {
    const harness = new CoordinatorHarness().leadAll();
    const { a, generation } = stableGroupOfTwo(harness);
    const commit = harness.commit(a, generation, { 'orders/0': 42 });
    expect(harness.fetchOffsets(['orders/0']).value?.partitions[0]?.offset).toBe(-1);
    harness.runFor(5000);
    expect(commit.value?.partitions).toEqual([{ partition: 'orders/0', error: ErrorCode.NONE }]);
    expect(harness.fetchOffsets(['orders/0', 'orders/1']).value?.partitions.map((p) => p.offset)).toEqual([42, -1]);
    expect(harness.commit(a, generation - 1, { 'orders/0': 50 }).value?.partitions[0]?.error).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(harness.commit('stranger', generation, { 'orders/0': 50 }).value?.partitions[0]?.error).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    harness.log.appendError = ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
    const unreplicated = harness.commit(a, generation, { 'orders/0': 60 });
    harness.runFor(5000);
    expect(unreplicated.value?.partitions[0]?.error).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(harness.fetchOffsets(['orders/0']).value?.partitions[0]?.offset).toBe(42);
  });

  it('lets a member commit while the group prepares a rebalance, not while it completes one', () => {
    const harness = new CoordinatorHarness().leadAll();
    const { a, b, generation } = stableGroupOfTwo(harness);
    harness.join(a);
    const during = harness.commit(b, generation, { 'orders/1': 7 });
    harness.runFor(5000);
    expect(during.value?.partitions[0]?.error).toBe(ErrorCode.NONE);
    harness.join(b);
    harness.runFor(1000);
    expect(harness.coordinator.group('billing')?.state).toBe('CompletingRebalance');
    expect(harness.commit(b, generation + 1, { 'orders/1': 8 }).value?.partitions[0]?.error).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });

  it('chooses the assignor every member supports by vote, and refuses a member with none in common', () => {
    const harness = new CoordinatorHarness().leadAll();
    const a = harness.newMember({ protocols: ['range', 'cooperative-sticky'] });
    harness.newMember({ protocols: ['cooperative-sticky'] });
    harness.runFor(6_100_000);
    expect(a.join.value?.protocolName).toBe('cooperative-sticky');
    expect(harness.join('', { protocols: ['roundrobin'] }).value?.error).toBe(GroupErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect(harness.join('', { sessionTimeoutMs: 1000 }).value?.error).toBe(GroupErrorCode.INVALID_SESSION_TIMEOUT);
  });

  it('reloads a group from __consumer_offsets when it becomes coordinator again: generation, members, assignment, offsets', () => {
    const harness = new CoordinatorHarness().leadAll();
    const { a, b, generation } = stableGroupOfTwo(harness);
    harness.commit(b, generation, { 'orders/1': 9 });
    harness.runFor(5000);
    const index = harness.coordinator.manager.partitionFor('billing');
    harness.log.leading.delete(index);
    harness.coordinator.onLeadershipChanges();
    expect(harness.heartbeat(a, generation).value?.error).toBe(ErrorCode.NOT_COORDINATOR);
    harness.log.leading.add(index);
    harness.coordinator.onLeadershipChanges();
    expect(harness.heartbeat(a, generation).value?.error).toBe(ErrorCode.NONE);
    expect(harness.fetchOffsets(['orders/1']).value?.error).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    harness.runFor(10_000);
    const group = harness.coordinator.group('billing')!;
    expect(group.state).toBe('Stable');
    expect(group.generationId).toBe(generation);
    expect(group.members.get(b)?.assignment.partitions).toEqual(['orders/1']);
    expect(harness.sync(b, generation).value?.assignment.partitions).toEqual(['orders/1']);
    expect(harness.fetchOffsets(['orders/1']).value?.partitions[0]?.offset).toBe(9);
    expect(harness.heartbeat(a, generation).value?.error).toBe(ErrorCode.NONE);
  });

  it('fails the requests waiting on a group whose partition it stops leading with NOT_COORDINATOR', () => {
    const harness = new CoordinatorHarness().leadAll();
    const { a, generation } = stableGroupOfTwo(harness);
    const rejoin = harness.join(a);
    harness.log.leading.clear();
    harness.coordinator.onLeadershipChanges();
    expect(rejoin.value?.error).toBe(ErrorCode.NOT_COORDINATOR);
    expect(harness.commit(a, generation, { 'orders/0': 1 }).value?.partitions[0]?.error).toBe(ErrorCode.NOT_COORDINATOR);
    expect(harness.states().at(-1)).toBe('Dead@1');
  });

  it('forgets a pending member that never rejoins, so the rebalance waits for it only a session timeout', () => {
    const harness = new CoordinatorHarness().leadAll();
    const a = harness.newMember();
    harness.runFor(3_100_000);
    harness.sync(a.memberId, 1, { [a.memberId]: ['orders/0'] });
    harness.runFor(10_000);
    expect(harness.join('').value?.error).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    const rejoin = harness.join(a.memberId);
    harness.runFor(9_000_000);
    expect(rejoin.value).toBeUndefined();
    harness.runFor(2_000_000);
    expect(rejoin.value).toEqual(expect.objectContaining({ error: ErrorCode.NONE, generationId: 2 }));
  });
});
