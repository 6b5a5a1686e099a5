// Consumer-group rebalances on the real cluster: who owns what after members come and go, and
// whether the group keeps consuming while it rebalances (FIDELITY A14, A15; KIP-429).

import { describe, it, expect } from 'vitest';
import type { AssignmentStrategy } from '../../sim/clients/assignors.ts';
import type { CommitStrategy } from '../../sim/clients/consumer-config.ts';
import type { Consumer } from '../../sim/clients/consumer.ts';
import { GroupWorld } from './consumer-world.ts';

/** Times at which `member` got records from poll(), within [fromUs, toUs]. */
function pollTimes(member: Consumer, fromUs: number, toUs: number): number[] {
  return member.history.ops.filter((op) => op.type === 'poll' && op.timeUs >= fromUs && op.timeUs <= toUs).map((op) => op.timeUs);
}

/** The longest stretch of [fromUs, toUs] in which `member` got no records. */
function longestSilenceUs(member: Consumer, fromUs: number, toUs: number): number {
  const times = [fromUs, ...pollTimes(member, fromUs, toUs), toUs];
  let longest = 0;
  for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i]! - times[i - 1]!);
  return longest;
}

/** Intervals within [fromUs, toUs] during which `member` owned no partition (from its assign operations). */
function ownedNothing(member: Consumer, fromUs: number, toUs: number): [number, number][] {
  const intervals: [number, number][] = [];
  let emptySinceUs: number | null = null;
  for (const op of member.history.ops) {
    if (op.type !== 'assign') continue;
    if (op.partitions.length === 0) emptySinceUs ??= op.timeUs;
    else if (emptySinceUs !== null) {
      if (op.timeUs >= fromUs && emptySinceUs <= toUs) intervals.push([Math.max(emptySinceUs, fromUs), Math.min(op.timeUs, toUs)]);
      emptySinceUs = null;
    }
  }
  return intervals;
}

/** Whether within [fromUs, toUs] there was a moment when none of `members` owned any partition. */
function wholeGroupStopped(members: readonly Consumer[], fromUs: number, toUs: number): boolean {
  const changes = members
    .flatMap((member) => member.history.ops.flatMap((op) => (op.type === 'assign' ? [{ member: member.name, timeUs: op.timeUs, owned: op.partitions.length }] : [])))
    .sort((a, b) => a.timeUs - b.timeUs);
  const owned = new Map<string, number>();
  for (const change of changes) {
    owned.set(change.member, change.owned);
    const inWindow = change.timeUs >= fromUs && change.timeUs <= toUs;
    if (inWindow && owned.size === members.length && [...owned.values()].every((count) => count === 0)) return true;
  }
  return false;
}

/** Two members consuming six partitions; a third joins; the group settles again. */
function thirdMemberJoins(assignors: AssignmentStrategy[], commit: CommitStrategy = 'sync'): { run: GroupWorld; joinedUs: number; settledUs: number } {
  const run = GroupWorld.build({ partitions: 6, rate: 3000, group: { members: 2, commit, config: { 'partition.assignment.strategy': assignors, 'enable.auto.commit': false } } });
  run.runUntilSettled();
  run.runFor('2s');
  const joinedUs = run.cluster.nowUs;
  const newcomer = run.join();
  run.cluster.runUntil(() => newcomer.assignment.length === 2 && run.members.every((member) => member.assignment.length === 2), '60s', '10ms');
  const settledUs = run.cluster.nowUs;
  run.runFor('2s');
  return { run, joinedUs, settledUs };
}

describe('consumer group rebalances', () => {
  it('eager (range): a member joining makes every member give up all its partitions until the new assignment (A15)', () => {
    const { run, joinedUs, settledUs } = thirdMemberJoins(['range']);
    expect(wholeGroupStopped(run.members.slice(0, 2), joinedUs, settledUs)).toBe(true);
    for (const member of run.members.slice(0, 2)) {
      const stopped = ownedNothing(member, joinedUs, settledUs);
      expect(stopped.length).toBe(1);
      const [fromUs, toUs] = stopped[0]!;
      expect(pollTimes(member, fromUs, toUs - 1)).toEqual([]);
    }
    expect(run.check().groups[0]).toMatchObject({ lost: 0, duplicates: 0 });
  });

  it('cooperative-sticky: the partitions that stay put keep flowing through both rebalance rounds (KIP-429)', () => {
    const { run, joinedUs, settledUs } = thirdMemberJoins(['cooperative-sticky']);
    const [first, second] = run.members;
    for (const member of [first!, second!]) {
      expect(ownedNothing(member, joinedUs, settledUs)).toEqual([]);
      expect(longestSilenceUs(member, joinedUs, settledUs)).toBeLessThan(100_000);
    }
    // Two rounds: the first revokes what moves, the second hands it to the newcomer.
    const stable = run.cluster.events('group-state').filter((event) => event.t >= joinedUs && event.state === 'Stable');
    expect(stable.length).toBe(2);
    expect(settledUs - joinedUs).toBeGreaterThan(1_000_000);
    expect(run.check().groups[0]).toMatchObject({ lost: 0, duplicates: 0 });
  });

  it('on-revoke: committing in onPartitionsRevoked makes a rebalance repeat nothing, eager or cooperative', () => {
    for (const assignors of [['range'], ['cooperative-sticky']] as AssignmentStrategy[][]) {
      const { run, joinedUs } = thirdMemberJoins(assignors, 'on-revoke');
      const revokeCommits = run.cluster.events('consumer-commit').filter((event) => event.t >= joinedUs && event.how === 'on-revoke');
      expect(revokeCommits.length).toBeGreaterThan(0);
      expect(revokeCommits.every((event) => event.outcome === 'ok')).toBe(true);
      expect(run.check().groups[0]).toMatchObject({ lost: 0, duplicates: 0 });
    }
  });

  it('sticky: when a member leaves, the others keep what they owned and split its partitions', () => {
    const run = GroupWorld.build({ partitions: 6, group: { members: 3, config: { 'partition.assignment.strategy': ['sticky'] } } });
    run.runUntilSettled();
    const before = run.members.map((member) => member.assignment);
    expect(before.map((owned) => owned.length)).toEqual([2, 2, 2]);
    run.members[2]!.leave();
    run.cluster.runUntil(() => run.members[0]!.assignment.length === 3 && run.members[1]!.assignment.length === 3, '30s', '10ms');
    for (const index of [0, 1]) {
      expect(run.members[index]!.assignment).toEqual(expect.arrayContaining(before[index]!));
    }
    expect([...run.members[0]!.assignment, ...run.members[1]!.assignment].sort()).toEqual([...before.flat()].sort());
    expect(run.member(2).isUp).toBe(false);
  });

  it('a member that leaves gracefully is replaced well before its session timeout would have passed', () => {
    const run = GroupWorld.build({ partitions: 4, group: { members: 2, config: { 'session.timeout.ms': 30_000 } } });
    run.runUntilSettled();
    const leftUs = run.cluster.nowUs;
    run.members[1]!.leave();
    const settledUs = run.cluster.runUntil(() => run.members[0]!.assignment.length === 4, '60s', '10ms');
    expect(settledUs - leftUs).toBeLessThan(5_000_000);
    expect(run.cluster.events('consumer-leave').map((event) => event.member)).toEqual(['billing/1']);
    expect(run.check().groups[0]).toMatchObject({ lost: 0, duplicates: 0 });
  });

  it('A14: five members on three partitions leave two of them idle', () => {
    const run = GroupWorld.build({ partitions: 3, group: { members: 5 } });
    run.runUntilSettled();
    run.runFor('5s');
    const counts = run.members.map((member) => member.assignment.length).sort();
    expect(counts).toEqual([0, 0, 1, 1, 1]);
    const idle = run.members.filter((member) => member.assignment.length === 0);
    for (const member of idle) expect(member.history.polled).toBe(0);
    expect(new Set(run.members.map((member) => member.generation)).size).toBe(1);
  });

  it('kicks out a member whose processing outlasts max.poll.interval.ms; it rejoins on its next poll', () => {
    const run = GroupWorld.build({
      partitions: 2,
      rate: 200,
      group: { members: 2, processingUs: 100_000, config: { 'max.poll.interval.ms': 2000, 'max.poll.records': 50 } },
    });
    run.runFor('40s');
    const timeouts = run.cluster.events('consumer-poll-timeout');
    expect(timeouts.length).toBeGreaterThan(0);
    const kicked = timeouts[0]!;
    expect(run.cluster.events('consumer-leave').some((event) => event.member === kicked.member && event.reason === 'consumer poll timeout has expired')).toBe(true);
    expect(run.cluster.events('consumer-partitions-lost').some((event) => event.member === kicked.member && event.t > kicked.t)).toBe(true);
    expect(run.cluster.events('group-assignment').some((event) => event.member === kicked.member && event.t > kicked.t)).toBe(true);
  });
});
