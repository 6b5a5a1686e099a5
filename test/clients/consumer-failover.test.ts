// The group coordinator's broker crashes: the leader of the group's __consumer_offsets partition
// moves, the new leader loads the group and its committed offsets from the replicated log, and
// the members find it (FindCoordinator) and carry on — and whoever takes over a partition later
// starts from the offsets committed before the crash.

import { describe, it, expect } from 'vitest';
import type { CommitOp, SeekOp } from '../../sim/check/check-input.ts';
import { coordinatorPartition } from '../../sim/kafka/coordinator-key.ts';
import { GroupWorld } from './consumer-world.ts';

describe('group coordinator failover', () => {
  it('the group finds the new coordinator and resumes from the committed offsets', () => {
    const run = GroupWorld.build({ partitions: 3, rate: 600, group: { members: 2, commit: 'sync' } });
    run.runUntilSettled();
    run.runFor('3s');
    const offsetsPartition = `__consumer_offsets/${coordinatorPartition('billing')}`;
    const oldCoordinator = run.cluster.leaderOf(offsetsPartition);
    const generation = run.members[0]!.generation;
    const crashedUs = run.cluster.nowUs;
    run.cluster.broker(oldCoordinator).crash();
    // Until the controller hears of the crash, brokers still name the dead one: members rediscover in a loop.
    run.cluster.runUntil(() => ![-1, oldCoordinator].includes(run.cluster.leaderOf(offsetsPartition)), '60s', '10ms');
    const newCoordinator = run.cluster.leaderOf(offsetsPartition);
    const currentCoordinator = (member: string): unknown => run.cluster.events('consumer-coordinator').filter((event) => event.member === member).at(-1)?.coordinator;
    const foundUs = run.cluster.runUntil(() => run.members.every((member) => currentCoordinator(member.name) === newCoordinator), '60s', '10ms');
    const loaded = run.cluster.events('offsets-loaded').filter((event) => event.t > crashedUs && event.partition === offsetsPartition);
    expect(loaded).toEqual([expect.objectContaining({ broker: newCoordinator, groups: ['billing'] })]);
    run.runFor('5s');
    // The coordinator came back with the group Stable in its generation: no rebalance was needed.
    expect(run.members.map((member) => member.generation)).toEqual([generation, generation]);
    const commitsAfter = run.cluster.events('consumer-commit').filter((event) => event.t > foundUs);
    expect(commitsAfter.length).toBeGreaterThan(0);
    expect(commitsAfter.every((event) => event.outcome === 'ok')).toBe(true);

    // Member 1 crashes; member 0 takes its partitions from the new coordinator's committed offsets.
    const owned = run.members[1]!.assignment;
    const lastCommit = [...run.members[1]!.history.ops].reverse().find((op): op is CommitOp => op.type === 'commit' && op.outcome === 'ok')!;
    const takeoverUs = run.cluster.nowUs;
    run.member(1).crash();
    run.cluster.runUntil(() => run.members[0]!.assignment.length === 3, '60s', '10ms');
    run.runFor('2s');
    const seeks = run.members[0]!.history.ops.filter((op): op is SeekOp => op.type === 'seek' && op.timeUs > takeoverUs && owned.includes(op.partition));
    expect(seeks.map((op) => [op.partition, op.offset, op.reason])).toEqual(owned.map((partition) => [partition, lastCommit.offsets.find((entry) => entry.partition === partition)!.offset, 'committed offset']));
    const report = run.check();
    expect(report.groups[0]!.lost).toBe(0);
  });
});
