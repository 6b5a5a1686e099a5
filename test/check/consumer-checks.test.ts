import { describe, expect, it } from 'vitest';
import { checkRun } from '../../sim/check/checkers.ts';
import type { ConsumerOp } from '../../sim/check/check-input.ts';
import { assign, batches, commit, P0, poll, processed, single, span } from './fixtures.ts';

/** Twenty committed records p1#0–19 at offsets 0–19 of t/0 (HW 20, log end 22). */
const log = batches([['p1', 0, 10], ['p1', 10, 10], ['p1', 20, 2]]);

function checkGroup(ops: readonly ConsumerOp[]) {
  const report = checkRun({ producers: [], partitions: [single(P0, log, 20)], groups: [{ group: 'g', ops }] });
  const verdicts = Object.fromEntries(report.checks.map((c) => [c.kind, c.verdict]));
  const counts = Object.fromEntries(report.checks.map((c) => [c.kind, c.count]));
  return { report, verdicts, counts };
}

const readAll: ConsumerOp[] = [
  assign('c1', 0, 1, [P0]),
  poll('c1', 10, P0, [span(0, 10)]),
  processed('c1', 11, P0, [span(0, 10)]),
  commit('c1', 12, P0, 10),
  poll('c1', 20, P0, [span(10, 10)]),
  processed('c1', 21, P0, [span(10, 10)]),
];

describe('consumer polls', () => {
  it('accept a member reading every committed record once, in order', () => {
    const { report } = checkGroup(readAll);
    expect(report.verdict).toBe('valid');
    expect(report.groups).toEqual([{ group: 'g', processed: 20, duplicates: 0, lost: 0 }]);
    expect(report.consumed).toEqual({ records: 20, duplicates: 0 });
  });

  it('flag a poll skip within one assignment, counting the skipped committed records', () => {
    const { report, verdicts, counts } = checkGroup([assign('c1', 0, 1, [P0]), poll('c1', 10, P0, [span(0, 5)]), poll('c1', 20, P0, [span(8, 4)])]);
    expect(verdicts['poll-skip']).toBe('invalid');
    expect(counts['poll-skip']).toBe(3);
    expect(report.anomalyList.find((a) => a.kind === 'poll-skip')).toMatchObject({ member: 'c1', offsets: [5, 8] });
  });

  it('flag a non-monotonic poll within one assignment', () => {
    const { report, verdicts } = checkGroup([assign('c1', 0, 1, [P0]), poll('c1', 10, P0, [span(0, 5)]), poll('c1', 20, P0, [span(3, 4)])]);
    expect(verdicts['nonmonotonic-poll']).toBe('invalid');
    expect(report.anomalyList.find((a) => a.kind === 'nonmonotonic-poll')!.detail).toBe('c1 of group g went back on t/0: after offset 4 it read offset 3');
  });

  it('let a new assignment or a seek start the positions over', () => {
    const rebalance = checkGroup([poll('c1', 10, P0, [span(0, 5)]), assign('c1', 15, 2, [P0]), poll('c1', 20, P0, [span(0, 5)])]);
    const seek: ConsumerOp = { type: 'seek', member: 'c1', timeUs: 15, partition: P0, offset: 9, reason: 'auto.offset.reset' };
    const seeked = checkGroup([poll('c1', 10, P0, [span(0, 5)]), seek, poll('c1', 20, P0, [span(9, 1)])]);
    expect([rebalance.verdicts['nonmonotonic-poll'], seeked.verdicts['poll-skip']]).toEqual(['valid', 'valid']);
  });

  it('flag a read of records the committed log no longer holds (data later truncated)', () => {
    const { report, verdicts } = checkGroup([poll('c1', 10, P0, [span(5, 3, 'p2', 0)])]);
    expect(verdicts['read-truncated']).toBe('invalid');
    expect(report.anomalyList[0]).toMatchObject({ kind: 'read-truncated', producer: 'p2', records: { first: 0, count: 3 }, offsets: [5] });
  });

  it('call a read of the same records above the final high watermark unknown, not truncated', () => {
    const { verdicts } = checkGroup([poll('c1', 10, P0, [span(18, 4)])]);
    expect(verdicts['read-truncated']).toBe('unknown');
  });

  it('flag a read at or above the high watermark the fetch response carried', () => {
    const { verdicts, counts, report } = checkGroup([poll('c1', 10, P0, [span(0, 10)], 8)]);
    expect(verdicts['read-above-hw']).toBe('invalid');
    expect(counts['read-above-hw']).toBe(2);
    expect(report.anomalyList[0]!.offsets).toEqual([8]);
  });

  it('run read-above-hw only when polls record the high watermark', () => {
    expect(checkGroup(readAll).report.checks.map((c) => c.kind)).not.toContain('read-above-hw');
  });
});

describe('consumer group processing', () => {
  it('counts records never processed between what the group read and processed (commit before processing, A13)', () => {
    const { report, verdicts, counts } = checkGroup([
      assign('c1', 0, 1, [P0]),
      poll('c1', 10, P0, [span(0, 10)]),
      commit('c1', 11, P0, 10),
      processed('c1', 12, P0, [span(0, 4)]),
      assign('c2', 30, 2, [P0]),
      poll('c2', 40, P0, [span(10, 10)]),
      processed('c2', 41, P0, [span(10, 10)]),
    ]);
    expect(verdicts['group-lost']).toBe('invalid');
    expect(counts['group-lost']).toBe(6);
    expect(report.groups[0]).toEqual({ group: 'g', processed: 14, duplicates: 0, lost: 6 });
    const lost = report.anomalyList.find((a) => a.kind === 'group-lost')!;
    expect(lost.offsets).toEqual([4, 6]);
    expect(lost.evidence.map((e) => e.text)).toEqual([
      'c1 read offsets 0–9 of t/0 at 0.000 s',
      'c1 committed offset 10 of t/0 at 0.000 s (ok)',
      'c2 was assigned t/0 in generation 2 at 0.000 s',
      'c2 processed offsets 10–19 of t/0 at 0.000 s',
    ]);
    expect(lost.timeUs).toBe(41);
  });

  it('counts records processed again after a rebalance (at-least-once, A12)', () => {
    const { report, counts } = checkGroup([
      assign('c1', 0, 1, [P0]),
      poll('c1', 10, P0, [span(0, 10)]),
      processed('c1', 11, P0, [span(0, 10)]),
      commit('c1', 12, P0, 6),
      assign('c2', 30, 2, [P0]),
      poll('c2', 40, P0, [span(6, 14)]),
      processed('c2', 41, P0, [span(6, 14)]),
    ]);
    expect(counts['group-duplicate']).toBe(4);
    expect(report.groups[0]).toEqual({ group: 'g', processed: 20, duplicates: 4, lost: 0 });
    const duplicate = report.anomalyList.find((a) => a.kind === 'group-duplicate')!;
    expect(duplicate.offsets).toEqual([6, 4]);
    expect(duplicate.evidence.map((e) => e.timeUs)).toEqual([11, 12, 30, 41]);
  });

  it('treats records past the highest processed offset as lag, not loss', () => {
    const { report } = checkGroup([poll('c1', 10, P0, [span(0, 5)]), processed('c1', 11, P0, [span(0, 5)])]);
    expect(report.verdict).toBe('valid');
    expect(report.groups[0]!.lost).toBe(0);
  });

  it('does not count processing of truncated records', () => {
    const { report } = checkGroup([poll('c1', 10, P0, [span(0, 2, 'p2', 0)]), processed('c1', 11, P0, [span(0, 2, 'p2', 0)])]);
    expect(report.groups[0]!.processed).toBe(0);
  });
});
