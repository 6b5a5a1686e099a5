// The group pause figures (FIDELITY A15; KIP-429) folded from hand-written trace events: an eager
// rebalance pauses every partition and stops the group, a cooperative one only what moves, a dead
// member's partitions are paused from its crash, and neither startup nor the end of the run count.

import { describe, expect, it } from 'vitest';
import { GroupPauseFold, type GroupPauseSetup } from '../../sim/report/group-pauses.ts';
import type { TraceEvent } from '../../sim/core/trace.ts';
import { evaluateExpectations } from '../../sim/scenario/expect.ts';
import { loadScenario } from '../../sim/scenario/load.ts';
import type { GroupFigures, RunSummary } from '../../sim/report/summary-types.ts';

const SETUP: GroupPauseSetup = {
  group: 'g',
  members: [
    { member: 'g/0', node: 'consumer-g-0' },
    { member: 'g/1', node: 'consumer-g-1' },
  ],
  partitions: 4,
  stopUs: 100_000_000,
};

let seq = 0;
const at = (timeUs: number, k: string, fields: object): TraceEvent => ({ i: seq++, t: timeUs, k, ...fields });
const assign = (timeUs: number, member: string, partitions: string[]): TraceEvent => at(timeUs, 'group-assignment', { group: 'g', member, partitions });
const revoke = (timeUs: number, member: string): TraceEvent => at(timeUs, 'consumer-partitions-revoked', { group: 'g', member });

function fold(events: TraceEvent[], setup: GroupPauseSetup = SETUP): GroupPauseFold {
  const folded = new GroupPauseFold([setup]);
  for (const event of events) folded.accept(event);
  return folded;
}

const STARTUP = [assign(1_000_000, 'g/0', ['t/0', 't/1']), assign(1_000_010, 'g/1', ['t/2', 't/3'])];

describe('group pause figures', () => {
  it('the startup assignment, handed out member by member, is not a pause', () => {
    expect(fold(STARTUP).figures('g', 10_000_000)).toEqual({ maxPausedPartitions: 0, stoppedMs: 0 });
  });

  it('eager: both members revoke everything, so every partition pauses and the group stops until the new assignment', () => {
    const events = [...STARTUP, revoke(5_000_000, 'g/0'), revoke(5_000_400, 'g/1'), assign(5_001_400, 'g/1', ['t/2', 't/3']), assign(5_001_500, 'g/0', ['t/0', 't/1'])];
    expect(fold(events).figures('g', 10_000_000)).toEqual({ maxPausedPartitions: 4, stoppedMs: 1 });
  });

  it('cooperative: a member giving up one partition pauses only that one, and the group never stops', () => {
    const events = [...STARTUP, assign(5_000_000, 'g/0', ['t/0']), assign(8_000_000, 'g/1', ['t/1', 't/2', 't/3'])];
    expect(fold(events).figures('g', 10_000_000)).toEqual({ maxPausedPartitions: 1, stoppedMs: 0 });
  });

  it("a crashed member's partitions are paused from the crash, before the coordinator notices", () => {
    const events = [...STARTUP, at(5_000_000, 'node-down', { node: 'consumer-g-1', how: 'crash' }), assign(16_000_000, 'g/0', ['t/0', 't/1', 't/2', 't/3'])];
    expect(fold(events).figures('g', 20_000_000)).toEqual({ maxPausedPartitions: 2, stoppedMs: 0 });
  });

  it('a stop still open at the end is closed there; events from the group stop time on are ignored', () => {
    const open = [...STARTUP, revoke(5_000_000, 'g/0'), at(6_000_000, 'consumer-stop', { group: 'g', member: 'g/1' })];
    expect(fold(open).figures('g', 9_000_000)).toEqual({ maxPausedPartitions: 4, stoppedMs: 3000 });
    const closing = [...STARTUP, revoke(8_000_000, 'g/0'), revoke(8_000_000, 'g/1')];
    expect(fold(closing, { ...SETUP, stopUs: 8_000_000 }).figures('g', 9_000_000)).toEqual({ maxPausedPartitions: 0, stoppedMs: 0 });
  });

  it('events of other groups and nodes change nothing', () => {
    const events = [...STARTUP, at(5_000_000, 'group-assignment', { group: 'other', member: 'other/0', partitions: [] }), at(5_000_000, 'node-down', { node: 'broker-1', how: 'crash' })];
    expect(fold(events).figures('g', 10_000_000)).toEqual({ maxPausedPartitions: 0, stoppedMs: 0 });
    expect(fold(events).figures('other', 10_000_000)).toEqual({ maxPausedPartitions: 0, stoppedMs: 0 });
  });
});

describe('group pause expectations', () => {
  const group = (name: string, figures: Partial<GroupFigures>): GroupFigures => ({
    group: name, members: 3, idleMembers: 0, rebalances: 2, processed: 100, duplicates: 0, lost: 0, maxPausedPartitions: 0, stoppedMs: 0, ...figures,
  });

  it('groups.stoppedMs takes durations and groups.maxPausedPartitions counts, per group', () => {
    const clients = 'topics: [{name: t, partitions: 6}]\nconsumers: [{group: eager, topic: t}, {group: coop, topic: t}]\n';
    const text = 'name: t\nduration: 60s\ncluster: {brokers: 3}\n' + clients + 'expect:\n  groups.stoppedMs: [{group: eager, above: 0, below: 1s}, {group: coop, equals: 0}]\n  maxPausedPartitions: {group: coop, atMost: 2}\n';
    const loaded = loadScenario(text, 't.yaml');
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    const summary = { groups: [group('eager', { stoppedMs: 0.8, maxPausedPartitions: 6 }), group('coop', { maxPausedPartitions: 2 })] } as RunSummary;
    expect(evaluateExpectations(loaded.spec.expect, summary).map((result) => result.ok)).toEqual([true, true, true]);
    const stalled = { groups: [group('eager', { stoppedMs: 1500 }), group('coop', { maxPausedPartitions: 6 })] } as RunSummary;
    expect(evaluateExpectations(loaded.spec.expect, stalled).map((result) => result.ok)).toEqual([false, true, false]);
  });
});
