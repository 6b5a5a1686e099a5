import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Outcome, ProducerHistory } from '../../sim/clients/history.ts';
import { checkRun } from '../../sim/check/checkers.ts';
import { producerHistoryInput, replicaFinalLog } from '../../sim/check/check-input.ts';
import { ANOMALY_KINDS, FindingSink, worstVerdict, type Verdict } from '../../sim/check/verdict.ts';
import { PartitionLog } from '../../sim/kafka/log.ts';
import type { BatchPayload } from '../../sim/kafka/protocol.ts';
import { batches, FC_SEED, P0, range, single } from './fixtures.ts';

describe('verdicts', () => {
  it('combine with the worst dominating: invalid over unknown over valid', () => {
    const verdicts = fc.constantFrom<Verdict>('valid', 'unknown', 'invalid');
    fc.assert(fc.property(fc.array(verdicts, { minLength: 1 }), (list) => {
      const combined = list.reduce(worstVerdict);
      const expected = list.includes('invalid') ? 'invalid' : list.includes('unknown') ? 'unknown' : 'valid';
      expect(combined).toBe(expected);
    }), { seed: FC_SEED });
  });

  it('make a run unknown when a check is unknown and none is invalid, invalid when one is', () => {
    const acked = [range(P0, 'ok', 0, 4, 0)];
    const log = batches([['p1', 0, 4]]);
    const unknown = checkRun({ producers: [{ producer: 'p1', ranges: acked }], partitions: [single(P0, log, 2)] });
    const invalid = checkRun({ producers: [{ producer: 'p1', ranges: acked }], partitions: [single(P0, log, 2)], violations: [{ invariant: 'StrongIsr', partition: P0, detail: 'x', timeUs: 5, event: 9 }] });
    expect([unknown.verdict, invalid.verdict]).toEqual(['unknown', 'invalid']);
    expect(invalid.anomalies.invariantViolations).toBe(1);
    expect(invalid.anomalyList.find((a) => a.kind === 'invariant-violation')!.explanation.events).toEqual([9]);
  });

  it('report a check only when its input is present: no invariant verdict without monitoring', () => {
    const quiet = checkRun({ producers: [{ producer: 'p1', ranges: [] }], partitions: [single(P0, [])] });
    const monitored = checkRun({ producers: [], partitions: [], violations: [] });
    expect(quiet.checks.map((c) => c.kind)).toEqual(['lost-acked-write', 'failed-write-present', 'duplicate', 'reordered']);
    expect(monitored.checks).toEqual([{ kind: 'invariant-violation', verdict: 'valid', count: 0, unknownCount: 0, omitted: 0 }]);
  });

  it('list checks in one fixed order', () => {
    const sink = new FindingSink();
    for (const kind of [...ANOMALY_KINDS].reverse()) sink.ran(kind);
    expect(sink.results().map((r) => r.kind)).toEqual([...ANOMALY_KINDS]);
  });
});

describe('checker input from a live run', () => {
  it('reads a ProducerHistory and a PartitionLog as they are, more than once', () => {
    const history = new ProducerHistory('p1');
    const index = history.partitionIndex(P0);
    for (let batch = 0; batch < 3; batch++) {
      const id = history.openRange(index, batch * 10);
      for (let k = 0; k < 4; k++) history.appendRecord(index, id, batch * 10 + k, -1);
      history.markSent(id, batch * 10 + 5, 100);
    }
    history.complete(0, Outcome.Ok, 100, 0, 3, null);
    history.complete(1, Outcome.Ok, 110, 4, 3, null);
    history.complete(2, Outcome.Info, 120, -1, -1, 'REQUEST_TIMED_OUT');
    const log = new PartitionLog<BatchPayload>();
    const append = (firstRecord: number): void => {
      log.append({ recordCount: 4, leaderEpoch: 3, producerId: -1, producerEpoch: -1, baseSequence: -1, sizeBytes: 100, appendTimeUs: 0, maxTimestampUs: 0, payload: { kind: 'records', producer: 'p1', firstRecord, count: 4 } });
    };
    append(0);
    append(8);
    const input = producerHistoryInput(history);
    expect([...input.ranges].map((r) => [r.outcome, r.firstRecord, r.count, r.baseOffset])).toEqual([['ok', 0, 4, 0], ['ok', 4, 4, 4], ['info', 8, 4, -1]]);
    const report = checkRun({ producers: [input], partitions: [{ partition: P0, leader: 1, replicas: [replicaFinalLog(1, log, 8, true)] }] });
    expect(report.anomalies.lostAckedWrites).toBe(4);
    expect(report.anomalyList[0]).toMatchObject({ records: { first: 4, count: 4 }, offsets: [4], leaderEpoch: 3 });
  });
});
