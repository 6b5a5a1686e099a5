import { describe, expect, it } from 'vitest';
import { checkRun } from '../../sim/check/checkers.ts';
import type { ProducedRange } from '../../sim/check/check-input.ts';
import { batches, P0, P1, range, replica, single } from './fixtures.ts';

function check(log: ReturnType<typeof batches>, ranges: readonly ProducedRange[], highWatermark?: number) {
  return checkRun({ producers: [{ producer: 'p1', ranges }], partitions: [single(P0, log, highWatermark)] });
}

function verdictOf(report: ReturnType<typeof checkRun>, kind: string): string | undefined {
  return report.checks.find((c) => c.kind === kind)?.verdict;
}

describe('lost acknowledged writes', () => {
  const acked = [range(P0, 'ok', 0, 5, 0), range(P0, 'ok', 5, 5, 5)];

  it('are none when every acknowledged record is committed', () => {
    const report = check(batches([['p1', 0, 5], ['p1', 5, 5]]), acked);
    expect(report.verdict).toBe('valid');
    expect(report.anomalies).toEqual({ lostAckedWrites: 0, duplicates: 0, reordered: 0, divergentReplicas: 0, invariantViolations: 0 });
    expect(report.stats).toMatchObject({ committedRecords: 10, producedRecords: 10, acknowledgedRecords: 10 });
  });

  it('counts an acknowledged batch missing from the committed log, as one anomaly at its offsets', () => {
    const report = check(batches([['p1', 0, 5]]), acked);
    expect(report.verdict).toBe('invalid');
    expect(report.anomalies.lostAckedWrites).toBe(5);
    expect(report.anomalyList).toHaveLength(1);
    expect(report.anomalyList[0]).toMatchObject({ kind: 'lost-acked-write', partition: P0, producer: 'p1', records: { first: 5, count: 5 }, offsets: [5] });
    expect(report.anomalyList[0]!.detail).toBe('p1#5–9 on t/0, acknowledged from offset 5, are not in the committed log');
  });

  it('merges consecutive lost batches into one anomaly', () => {
    const ranges = [range(P0, 'ok', 0, 2, 0), range(P0, 'ok', 2, 3, 2), range(P0, 'ok', 5, 1, 5)];
    const report = check(batches([]), ranges);
    expect(report.anomalyList.map((a) => [a.records, a.count])).toEqual([[{ first: 0, count: 6 }, 6]]);
  });

  it('never counts an info (unknown) batch as lost, present or not', () => {
    const ranges = [range(P0, 'ok', 0, 5, 0), range(P0, 'info', 5, 5, -1), range(P0, 'pending', 10, 1, -1)];
    expect(check(batches([['p1', 0, 5]]), ranges).verdict).toBe('valid');
    expect(check(batches([['p1', 0, 5], ['p1', 5, 5]]), ranges).verdict).toBe('valid');
  });

  it('does not count acks=0 records, which were never acknowledged', () => {
    const report = check(batches([]), [range(P0, 'ok', 0, 3, -1)]);
    expect(report.verdict).toBe('valid');
  });

  it('is unknown for an acknowledged record still above the high watermark', () => {
    const report = check(batches([['p1', 0, 5], ['p1', 5, 5]]), acked, 5);
    expect(verdictOf(report, 'lost-acked-write')).toBe('unknown');
    expect(report.verdict).toBe('unknown');
    expect(report.anomalies.lostAckedWrites).toBe(0);
    expect(report.anomalyList[0]!.unknownBecause).toMatch(/above the high watermark/);
  });

  it('is unknown while the partition is offline at the end', () => {
    const report = checkRun({
      producers: [{ producer: 'p1', ranges: acked }],
      partitions: [{ partition: P0, leader: null, replicas: [replica(2, batches([['p1', 0, 5]]))] }],
    });
    expect(verdictOf(report, 'lost-acked-write')).toBe('unknown');
    expect(report.checks.find((c) => c.kind === 'lost-acked-write')!.unknownCount).toBe(5);
  });

  it('is unknown, as one anomaly, for records acknowledged below the log start offset (retention)', () => {
    const retained = { partition: P0, leader: 1, replicas: [{ broker: 1, highWatermark: 10, logStartOffset: 6, batches: batches([['p1', 6, 4]], 6) }] };
    const report = checkRun({ producers: [{ producer: 'p1', ranges: [range(P0, 'ok', 0, 3, 0), range(P0, 'ok', 3, 7, 3)] }], partitions: [retained] });
    expect(verdictOf(report, 'lost-acked-write')).toBe('unknown');
    expect(report.anomalyList.map((a) => [a.records, a.unknownBecause])).toEqual([[{ first: 0, count: 6 }, 'it was acknowledged below the log start offset 6 (retention may have deleted it)']]);
  });

  it('is unknown for a partition the run gave no final log for', () => {
    const report = checkRun({ producers: [{ producer: 'p1', ranges: [range(P1, 'ok', 0, 2, 0)] }], partitions: [single(P0, [])] });
    expect(verdictOf(report, 'lost-acked-write')).toBe('unknown');
  });

  it('tells producers apart: the same record index of another producer is not a copy', () => {
    const report = checkRun({
      producers: [{ producer: 'p1', ranges: [range(P0, 'ok', 0, 3, 0)] }, { producer: 'p2', ranges: [range(P0, 'ok', 0, 3, 3)] }],
      partitions: [single(P0, batches([['p1', 0, 3]]))],
    });
    expect(report.anomalyList.map((a) => [a.kind, a.producer])).toEqual([['lost-acked-write', 'p2']]);
  });
});

describe('failed writes present', () => {
  it('flags a record the producer was told failed but the log committed', () => {
    const report = check(batches([['p1', 0, 2]]), [range(P0, 'fail', 0, 2, -1, { error: 'INVALID_RECORD' })]);
    expect(verdictOf(report, 'failed-write-present')).toBe('invalid');
    expect(report.anomalyList[0]).toMatchObject({ kind: 'failed-write-present', records: { first: 0, count: 2 } });
  });

  it('accepts a failed record that is absent', () => {
    expect(check(batches([]), [range(P0, 'fail', 0, 2, -1)]).verdict).toBe('valid');
  });
});

describe('duplicates', () => {
  it('counts every extra committed copy of a record, with both offsets', () => {
    const log = batches([['p1', 0, 5], ['p2', 0, 1], ['p1', 0, 5]]);
    const report = check(log, [range(P0, 'ok', 0, 5, 6, { attempts: 2 })]);
    expect(report.anomalies.duplicates).toBe(5);
    expect(report.anomalyList).toHaveLength(1);
    expect(report.anomalyList[0]).toMatchObject({ kind: 'duplicate', records: { first: 0, count: 5 }, offsets: [0, 6] });
    expect(report.anomalyList[0]!.explanation.text).toContain('p1 sent the batch at 0.001 s (2 attempts)');
  });

  it('counts a duplicated info batch: the log itself is the proof', () => {
    const report = check(batches([['p1', 0, 2], ['p1', 0, 2]]), [range(P0, 'info', 0, 2, -1)]);
    expect(report.anomalies.duplicates).toBe(2);
    expect(report.anomalies.lostAckedWrites).toBe(0);
  });

  it('ignores a second copy above the high watermark (not committed)', () => {
    const report = check(batches([['p1', 0, 2], ['p1', 0, 2]]), [range(P0, 'ok', 0, 2, 0)], 2);
    expect(report.anomalies.duplicates).toBe(0);
    expect(report.verdict).toBe('valid');
  });

  it('finds the first copy of a record in the middle of a batch', () => {
    const report = check(batches([['p1', 0, 10], ['p1', 4, 2]]), [range(P0, 'ok', 0, 10, 0)]);
    expect(report.anomalyList[0]).toMatchObject({ kind: 'duplicate', records: { first: 4, count: 2 }, offsets: [4, 10] });
  });
});

describe('reordering', () => {
  it('flags records stored after a record their producer sent later', () => {
    const report = check(batches([['p1', 5, 5], ['p2', 0, 3], ['p1', 0, 5]]), [range(P0, 'ok', 0, 5, 8), range(P0, 'ok', 5, 5, 0)]);
    expect(report.anomalies.reordered).toBe(5);
    expect(report.anomalyList[0]).toMatchObject({ kind: 'reordered', records: { first: 0, count: 5 }, otherRecord: 9, offsets: [8, 4] });
    expect(report.anomalyList[0]!.detail).toBe('p1#0–4 on t/0 at offset 8 follow p1#9 at offset 4, which was sent after them');
  });

  it('accepts interleaved producers each in send order, and gaps', () => {
    const report = check(batches([['p1', 0, 2], ['p2', 0, 2], ['p1', 4, 2], ['p2', 2, 1]]), [range(P0, 'ok', 0, 2, 0), range(P0, 'ok', 4, 2, 4)]);
    expect(report.anomalies.reordered).toBe(0);
    expect(report.anomalies.duplicates).toBe(0);
  });

  it('counts a retried duplicate as a duplicate, not a reordering', () => {
    const report = check(batches([['p1', 0, 2], ['p1', 2, 2], ['p1', 0, 2]]), [range(P0, 'ok', 0, 4, 0)]);
    expect(report.anomalies).toMatchObject({ duplicates: 2, reordered: 0 });
  });
});

describe('listing', () => {
  it('counts every finding but lists only the per-kind limit', () => {
    const entries = Array.from({ length: 20 }, (_, k) => ['p1', 2 * k, 1] as const);
    const report = checkRun(
      { producers: [{ producer: 'p1', ranges: entries.map(([, first], k) => range(P0, 'ok', first, 2, 2 * k)) }], partitions: [single(P0, batches(entries))] },
      { listLimitPerKind: 3 },
    );
    expect(report.anomalies.lostAckedWrites).toBe(20);
    expect(report.anomalyList).toHaveLength(3);
    expect(report.checks.find((c) => c.kind === 'lost-acked-write')).toMatchObject({ count: 20, omitted: 17 });
  });
});

describe('per-producer totals', () => {
  it('attribute lost acknowledged writes, duplicates and reorderings to the producer that sent them', () => {
    const log = batches([['a', 0, 2], ['b', 0, 3], ['b', 3, 2], ['b', 0, 3], ['b', 6, 1], ['b', 5, 1]]);
    const report = checkRun({
      producers: [
        { producer: 'a', ranges: [range(P0, 'ok', 0, 2, 0), range(P0, 'ok', 2, 4, 100)] },
        { producer: 'b', ranges: [range(P0, 'ok', 0, 7, -1)] },
      ],
      partitions: [single(P0, log)],
    });
    expect(report.producers).toEqual([
      { producer: 'a', lostAckedWrites: 4, assumed: 0, lostAssumedWrites: 0, duplicates: 0, reordered: 0 },
      { producer: 'b', lostAckedWrites: 0, assumed: 7, lostAssumedWrites: 0, duplicates: 3, reordered: 1 },
    ]);
  });

  it('count acks=0 records missing from the log as lost assumed writes once a later record of the producer is committed', () => {
    const log = batches([['p1', 0, 3], ['p1', 6, 2]]);
    const report = check(log, [range(P0, 'ok', 0, 3, -1), range(P0, 'ok', 3, 3, -1), range(P0, 'ok', 6, 2, -1), range(P0, 'ok', 8, 4, -1)]);
    expect(report.producers[0]).toMatchObject({ assumed: 12, lostAssumedWrites: 3, lostAckedWrites: 0 });
    // Assumed writes are a figure, not an anomaly: Kafka promised nothing for them.
    expect(report.verdict).toBe('valid');
  });

  it('do not count an assumed record as lost while it may still arrive: above the HW, after the last committed record, or offline', () => {
    const ranges = [range(P0, 'ok', 0, 3, -1), range(P0, 'ok', 3, 3, -1), range(P0, 'ok', 6, 2, -1)];
    const overtaken = batches([['p1', 0, 3], ['p1', 6, 2], ['p1', 3, 3]]);
    expect(check(overtaken, ranges, 5).producers[0]!.lostAssumedWrites).toBe(0);
    const tail = batches([['p1', 0, 3]]);
    expect(check(tail, ranges).producers[0]!.lostAssumedWrites).toBe(0);
    const log = batches([['p1', 0, 3], ['p1', 6, 2]]);
    const offline = checkRun({ producers: [{ producer: 'p1', ranges }], partitions: [{ partition: P0, leader: null, replicas: [replica(2, log)] }] });
    expect(offline.producers[0]!.lostAssumedWrites).toBe(0);
    expect(check(log, ranges).producers[0]!.lostAssumedWrites).toBe(3);
  });
});
