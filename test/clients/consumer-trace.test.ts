// The consumer's trace and reproducibility, and where a member starts without committed offsets
// (auto.offset.reset).

import { describe, it, expect } from 'vitest';
import type { SeekOp } from '../../sim/check/check-input.ts';
import { GroupWorld, TOPIC } from './consumer-world.ts';

describe('consumer trace', () => {
  it('is deterministic: the same seed gives the same trace hash and the same group history', () => {
    const runs = [1, 2].map(() => {
      const run = GroupWorld.build({ seed: 7, partitions: 3, group: { members: 2, commit: 'auto' } });
      run.runFor('12s');
      return { hash: run.cluster.trace.traceHash, ops: JSON.stringify(run.members.map((member) => member.history.ops)) };
    });
    expect(runs[0]).toEqual(runs[1]);
  });

  it('writes polls and JoinGroups only at full detail, with the same event numbers and hash at every detail', () => {
    const [full, standard] = (['full', 'standard'] as const).map((detail) => {
      const run = GroupWorld.build({ seed: 3, detail, partitions: 3, group: { members: 2 } });
      run.runFor('12s');
      return run;
    });
    const kinds = (run: GroupWorld): Set<string> => new Set(run.cluster.sink.events.map((event) => event.k).filter((kind) => kind.startsWith('consumer-') || kind.startsWith('group-')));
    expect([...kinds(full!)].filter((kind) => !kinds(standard!).has(kind)).sort()).toEqual(['consumer-join', 'consumer-poll']);
    expect(kinds(standard!)).toEqual(new Set(['consumer-start', 'consumer-coordinator', 'group-state', 'group-assignment', 'consumer-commit']));
    const numbers = (run: GroupWorld): number[] => run.cluster.events('group-assignment').map((event) => event.i);
    expect(numbers(standard!)).toEqual(numbers(full!));
    expect(standard!.cluster.trace.traceHash).toBe(full!.cluster.trace.traceHash);
    const polls = full!.members[0]!.history.ops.filter((op) => op.type === 'poll');
    expect(polls.every((op) => op.event !== undefined && full!.cluster.sink.events.some((event) => event.i === op.event && event.k === 'consumer-poll'))).toBe(true);
    expect(standard!.members[0]!.history.ops.filter((op) => op.type === 'poll').every((op) => op.event === undefined)).toBe(true);
  });
});

describe('auto.offset.reset', () => {
  it('latest: a group without committed offsets starts at the high watermark, skipping what was there', () => {
    const run = GroupWorld.build({ partitions: 1, rate: 500, group: { members: 1, commit: 'sync', config: { 'auto.offset.reset': 'latest' } } });
    run.runUntilSettled();
    run.runFor('2s');
    const seek = run.members[0]!.history.ops.find((op): op is SeekOp => op.type === 'seek')!;
    expect(seek.reason).toBe('auto.offset.reset=latest');
    expect(seek.offset).toBeGreaterThan(1000);
    const polls = run.members[0]!.history.ops.filter((op) => op.type === 'poll');
    expect(polls[0]?.type === 'poll' && polls[0].reads[0]!.spans[0]!.offset).toBe(seek.offset);
    const report = run.check();
    expect(report.groups[0]).toMatchObject({ lost: 0, duplicates: 0 });
  });

  it('none: with nothing committed the application gets an exception and stops consuming', () => {
    const run = GroupWorld.build({ partitions: 1, rate: 100, group: { members: 1, config: { 'auto.offset.reset': 'none' } } });
    run.runFor('15s');
    expect(run.cluster.events('consumer-error').map((event) => event.error)).toEqual([`NoOffsetForPartitionException: ${TOPIC}/0`]);
    expect(run.members[0]!.history.polled).toBe(0);
  });
});
