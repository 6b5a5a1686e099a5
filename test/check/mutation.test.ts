// Mutation testing of the history checker: build a correct run (every batch acknowledged and
// committed, in send order), then drop, duplicate or reorder one batch in the final log, and the
// checker must report exactly that anomaly with exactly that many records, and nothing else.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkRun, type AnomalyCounts } from '../../sim/check/checkers.ts';
import type { FinalBatch, PartitionFinalState, ProducedRange } from '../../sim/check/check-input.ts';
import { FC_SEED, P0, P1, range, single } from './fixtures.ts';

interface Sent {
  readonly producer: string;
  readonly partition: string;
  readonly count: number;
}

interface Run {
  /** Per partition, the batches in log order (offsets assigned by `withOffsets`). */
  readonly logs: Map<string, FinalBatch[]>;
  readonly ranges: Map<string, ProducedRange[]>;
}

const sends = fc.array(
  fc.record({ producer: fc.constantFrom('p1', 'p2', 'p3'), partition: fc.constantFrom(P0, P1), count: fc.integer({ min: 1, max: 5 }) }),
  { minLength: 2, maxLength: 40 },
);

/** The correct run: each send is one batch, acknowledged at the offset it got. */
function correctRun(sent: readonly Sent[]): Run {
  const logs = new Map<string, FinalBatch[]>([[P0, []], [P1, []]]);
  const ranges = new Map<string, ProducedRange[]>();
  const nextRecord = new Map<string, number>();
  for (const { producer, partition, count } of sent) {
    const log = logs.get(partition)!;
    const firstRecord = nextRecord.get(`${producer}|${partition}`) ?? 0;
    nextRecord.set(`${producer}|${partition}`, firstRecord + count);
    const baseOffset = log.reduce((end, batch) => end + batch.recordCount, 0);
    log.push({ baseOffset, recordCount: count, leaderEpoch: 0, payload: { kind: 'records', producer, firstRecord, count } });
    ranges.set(producer, [...(ranges.get(producer) ?? []), range(partition, 'ok', firstRecord, count, baseOffset)]);
  }
  return { logs, ranges };
}

/** The same batches at consecutive offsets (a mutated log stays dense, as Kafka's is). */
function withOffsets(log: readonly FinalBatch[]): FinalBatch[] {
  let offset = 0;
  return log.map((batch) => {
    const placed = { ...batch, baseOffset: offset };
    offset += batch.recordCount;
    return placed;
  });
}

function check(run: Run) {
  const partitions: PartitionFinalState[] = [...run.logs].map(([partition, log]) => single(partition, withOffsets(log)));
  return checkRun({ producers: [...run.ranges].map(([producer, ranges]) => ({ producer, ranges })), partitions });
}

const NONE: AnomalyCounts = { lostAckedWrites: 0, duplicates: 0, reordered: 0, divergentReplicas: 0, invariantViolations: 0 };

type Mutation = { kind: 'drop'; pick: number } | { kind: 'duplicate'; pick: number; later: number } | { kind: 'reorder'; pick: number };

const mutations: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), pick: fc.nat(), later: fc.nat() }),
  fc.record({ kind: fc.constant('reorder' as const), pick: fc.nat() }),
);

/** Applies a mutation to one partition's log; returns the anomaly counts it must cause, or null. */
function mutate(log: FinalBatch[], mutation: Mutation): AnomalyCounts | null {
  if (log.length === 0) return null;
  const k = mutation.pick % log.length;
  const batch = log[k]!;
  if (mutation.kind === 'drop') {
    log.splice(k, 1);
    return { ...NONE, lostAckedWrites: batch.recordCount };
  }
  if (mutation.kind === 'duplicate') {
    log.splice(k + 1 + (mutation.later % (log.length - k)), 0, batch);
    return { ...NONE, duplicates: batch.recordCount };
  }
  // Swap the batch with the next batch of the same producer: the earlier-sent one comes second.
  const producer = (batch.payload as { producer: string }).producer;
  const m = log.findIndex((other, index) => index > k && (other.payload as { producer: string }).producer === producer);
  if (m < 0) return null;
  log[k] = log[m]!;
  log[m] = batch;
  return { ...NONE, reordered: batch.recordCount };
}

describe('checker mutation testing', () => {
  it('finds no anomaly in a correct run', () => {
    fc.assert(fc.property(sends, (sent) => {
      const report = check(correctRun(sent));
      expect(report.verdict).toBe('valid');
      expect(report.anomalies).toEqual(NONE);
    }), { seed: FC_SEED, numRuns: 200 });
  });

  it('reports exactly the dropped, duplicated or reordered batch, and nothing else', () => {
    fc.assert(fc.property(sends, mutations, fc.constantFrom(P0, P1), (sent, mutation, partition) => {
      const run = correctRun(sent);
      const expected = mutate(run.logs.get(partition)!, mutation);
      fc.pre(expected !== null);
      const report = check(run);
      expect(report.anomalies).toEqual(expected);
      expect(report.verdict).toBe('invalid');
      const kinds = new Set(report.anomalyList.map((anomaly) => anomaly.kind));
      expect([...kinds]).toEqual([{ drop: 'lost-acked-write', duplicate: 'duplicate', reorder: 'reordered' }[mutation.kind]]);
      expect(report.anomalyList.every((anomaly) => anomaly.partition === partition)).toBe(true);
    }), { seed: FC_SEED, numRuns: 400 });
  });

  it('never counts info batches as lost, whether or not they reached the log', () => {
    fc.assert(fc.property(sends, fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), (sent, unknown, absent) => {
      const run = correctRun(sent);
      let n = 0;
      for (const [producer, ranges] of run.ranges) {
        run.ranges.set(producer, ranges.map((r) => (unknown[n++ % 40] ? { ...r, outcome: 'info', baseOffset: -1 } : r)));
      }
      for (const [partition, log] of run.logs) {
        const infoOf = (batch: FinalBatch): boolean => {
          const { producer, firstRecord } = batch.payload as { producer: string; firstRecord: number };
          return run.ranges.get(producer)!.some((r) => r.partition === partition && r.firstRecord === firstRecord && r.outcome === 'info');
        };
        run.logs.set(partition, log.filter((batch, index) => !(infoOf(batch) && absent[index % 40])));
      }
      const report = check(run);
      expect(report.anomalies).toEqual(NONE);
      expect(report.verdict).toBe('valid');
    }), { seed: FC_SEED, numRuns: 200 });
  });
});
