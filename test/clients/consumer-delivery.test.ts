// Delivery semantics of the commit strategies, measured by the history checker on what the
// group processed (FIDELITY A12, A13; Kafka docs "Message Delivery Semantics"): a member crashes,
// its partitions move to the survivor after session.timeout.ms, and the survivor starts from the
// group's committed offsets.

import { describe, it, expect } from 'vitest';
import type { CommitOp, ConsumerOp } from '../../sim/check/check-input.ts';
import type { Consumer } from '../../sim/clients/consumer.ts';
import { GroupWorld } from './consumer-world.ts';

function lastOps(member: Consumer, count: number): ConsumerOp[] {
  return member.history.ops.slice(-count);
}

/** Records `member` processed at offsets ≥ its last acknowledged commit of each partition. */
function processedPastLastCommit(member: Consumer): number {
  const committed = new Map<string, number>();
  for (const op of member.history.ops) {
    if (op.type === 'commit' && op.outcome === 'ok') for (const entry of op.offsets) committed.set(entry.partition, entry.offset);
  }
  let count = 0;
  for (const op of member.history.ops) {
    if (op.type !== 'process') continue;
    const from = committed.get(op.partition) ?? 0;
    for (const span of op.spans) count += Math.max(0, span.offset + span.count - Math.max(span.offset, from));
  }
  return count;
}

/** Two members on two partitions; member 0 crashes; the survivor takes over and catches up. */
function crashAndTakeOver(run: GroupWorld, crashWhen: () => boolean): { crashedUs: number } {
  run.runUntilSettled();
  run.runFor('2s');
  run.cluster.runUntil(crashWhen, '60s', '1ms');
  const crashedUs = run.cluster.nowUs;
  run.member(0).crash();
  run.cluster.runUntil(() => run.members[1]!.assignment.length === 2, '60s', '10ms');
  run.runFor('10s');
  return { crashedUs };
}

describe('commit strategies under a consumer crash', () => {
  it('A12: auto-commit is at-least-once — a crash 3 s after a commit repeats those 3 s, within the commit interval', () => {
    const run = GroupWorld.build({ partitions: 2, rate: 1000, group: { members: 2, commit: 'auto', config: { 'enable.auto.commit': true, 'auto.commit.interval.ms': 5000 } } });
    let commitUs = -1;
    const { crashedUs } = crashAndTakeOver(run, () => {
      const last = [...run.members[0]!.history.ops].reverse().find((op): op is CommitOp => op.type === 'commit' && op.outcome === 'ok');
      if (last !== undefined && commitUs < 0 && last.timeUs > run.cluster.nowUs - 10_000) commitUs = last.timeUs;
      return commitUs >= 0 && run.cluster.nowUs >= commitUs + 3_000_000;
    });
    const expected = processedPastLastCommit(run.members[0]!);
    const report = run.check();
    expect(Math.round((crashedUs - commitUs) / 1_000_000)).toBe(3);
    expect(report.groups[0]!.lost).toBe(0);
    expect(expected).toBeGreaterThan(1000);
    expect(report.groups[0]!.duplicates).toBe(expected);
    // Member 0 owned half the topic: 500 records/s, for at most one commit interval.
    expect(report.groups[0]!.duplicates).toBeLessThanOrEqual(500 * 5);
  });

  it('A13: committing before processing is at-most-once — a crash mid-batch loses the rest of the batch', () => {
    const run = GroupWorld.build({ partitions: 2, rate: 200, group: { members: 2, commit: 'before-processing', processingUs: 5000, config: { 'max.poll.records': 100 } } });
    let batch = 0;
    crashAndTakeOver(run, () => {
      const [poll, commit, process] = lastOps(run.members[0]!, 3);
      if (poll?.type !== 'poll' || commit?.type !== 'commit' || commit.outcome !== 'ok' || process?.type !== 'process') return false;
      batch = poll.reads.reduce((sum, read) => sum + read.spans.reduce((total, span) => total + span.count, 0), 0);
      return batch >= 20;
    });
    const last = lastOps(run.members[0]!, 1)[0];
    const processedOfBatch = last?.type === 'process' ? last.spans.reduce((sum, span) => sum + span.count, 0) : 0;
    const report = run.check();
    expect(report.groups[0]!.lost).toBe(batch - processedOfBatch);
    expect(report.groups[0]!.lost).toBeGreaterThan(0);
    expect(report.anomalyList.some((anomaly) => anomaly.kind === 'group-lost')).toBe(true);
  });

  it('a crash mid-batch leaves exactly the records whose processing had finished, one per processing time', () => {
    const run = GroupWorld.build({ partitions: 2, rate: 400, group: { members: 2, commit: 'sync', processingUs: 5000, config: { 'max.poll.records': 100 } } });
    run.runUntilSettled();
    run.runFor('2s');
    let pollUs = -1;
    let batch = 0;
    const processedBefore = { count: 0 };
    run.cluster.runUntil(() => {
      const member = run.members[0]!;
      const last = lastOps(member, 1)[0];
      if (last?.type !== 'poll') return false;
      batch = last.reads.reduce((sum, read) => sum + read.spans.reduce((total, span) => total + span.count, 0), 0);
      pollUs = last.timeUs;
      processedBefore.count = member.history.processed;
      return batch >= 20;
    }, '60s', '100us');
    run.runFor('37ms');
    const crashedUs = run.cluster.nowUs;
    run.member(0).crash();
    const expected = Math.min(batch, Math.floor((crashedUs - pollUs) / 5000));
    expect(expected).toBeGreaterThan(0);
    expect(expected).toBeLessThan(batch);
    expect(run.members[0]!.history.processed - processedBefore.count).toBe(expected);
  });

  it('committing synchronously after processing loses nothing: the crash repeats the unfinished batch instead', () => {
    const run = GroupWorld.build({ partitions: 2, rate: 200, group: { members: 2, commit: 'sync', processingUs: 5000, config: { 'max.poll.records': 100 } } });
    crashAndTakeOver(run, () => {
      const [poll, process] = lastOps(run.members[0]!, 2);
      return poll?.type === 'poll' && process?.type === 'process' && process.spans.reduce((sum, span) => sum + span.count, 0) >= 5;
    });
    const expected = processedPastLastCommit(run.members[0]!);
    const report = run.check();
    expect(report.groups[0]!.lost).toBe(0);
    expect(report.groups[0]!.duplicates).toBe(expected);
    expect(expected).toBeGreaterThanOrEqual(5);
  });

  it('a restarted member joins as a new member and resumes from the committed offsets', () => {
    const run = GroupWorld.build({ partitions: 2, rate: 500, group: { members: 1, commit: 'sync' } });
    run.runUntilSettled();
    run.runFor('3s');
    const before = run.members[0]!.memberId;
    run.member(0).crash();
    run.runFor('1s');
    run.member(0).restart();
    run.cluster.runUntil(() => run.members[0]!.assignment.length === 2 && run.members[0]!.history.polled > 0 && run.members[0]!.memberId !== '', '60s', '10ms');
    run.runFor('2s');
    expect(run.members[0]!.memberId).not.toBe(before);
    const restartUs = run.cluster.events('consumer-start').at(-1)!.t;
    const seeks = run.members[0]!.history.ops.filter((op) => op.type === 'seek' && op.timeUs > restartUs);
    expect(seeks.map((op) => op.type === 'seek' && op.reason)).toEqual(['committed offset', 'committed offset']);
    const report = run.check();
    expect(report.verdict).toBe('valid');
    expect(report.groups[0]).toMatchObject({ lost: 0 });
  });
});
