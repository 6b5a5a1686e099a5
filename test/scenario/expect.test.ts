import { describe, expect, it } from 'vitest';
import { evaluateExpectations } from '../../sim/scenario/expect.ts';
import { loadScenario } from '../../sim/scenario/load.ts';
import type { RunSummary } from '../../sim/report/summary-types.ts';

function expectations(block: string) {
  const text = `name: t\nduration: 60s\ncluster: {brokers: 3}\ntopics:\n  - {name: orders, partitions: 2, replication.factor: 3}\nexpect:\n${block}`;
  const result = loadScenario(text, 't.yaml');
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.spec.expect;
}

function summary(overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    scenario: 't', seed: 42, traceHash: '0', simulatedMs: 60_000, wallMs: 10, events: 1,
    produced: { sent: 100, acked: 90, failed: 5, unknown: 5 },
    consumed: { records: 0, duplicates: 0 },
    anomalies: { lostAckedWrites: 3, duplicates: 0, reordered: 0, divergentReplicas: 0, invariantViolations: 0 },
    partitions: [
      { partition: 'orders/0', leaderChanges: 1, offlineMs: 20_000, maxUnavailableMs: 20_000 },
      { partition: 'orders/1', leaderChanges: 0, offlineMs: 0, maxUnavailableMs: 0 },
    ],
    latencyMs: { p50: 2, p99: 9, max: 30 },
    throughput: { producedRecordsPerSec: 1000, producedBytesPerSec: 200_000, consumedRecordsPerSec: 0 },
    leaderElections: 2, uncleanElections: 0, controllerChanges: 1, isrShrinks: 1, isrExpands: 1,
    groups: [], expectations: [], ok: true,
    ...overrides,
  };
}

describe('expectations', () => {
  it('a bare number means equals, and the anomaly name works alone', () => {
    const [result] = evaluateExpectations(expectations('  lostAckedWrites: 0\n'), summary());
    expect(result).toEqual({ name: 'lostAckedWrites', ok: false, detail: 'anomalies.lostAckedWrites = 3, expected = 0' });
  });

  it('bounds on a cluster figure', () => {
    const results = evaluateExpectations(expectations('  leaderElections: {atLeast: 1}\n  throughput.producedRecordsPerSec: {above: 2000}\n'), summary());
    expect(results.map((r) => r.ok)).toEqual([true, false]);
    expect(results[1]!.detail).toBe('throughput.producedRecordsPerSec = 1000, expected > 2000');
  });

  it('a per-partition figure is checked for the partition named, with durations in ms', () => {
    const [one] = evaluateExpectations(expectations('  maxUnavailability: {partition: orders/0, below: 25s}\n'), summary());
    expect(one!.ok).toBe(true);
    const [tight] = evaluateExpectations(expectations('  maxUnavailability: {partition: orders/0, below: 10s}\n'), summary());
    expect(tight).toMatchObject({ ok: false, detail: 'partitions.maxUnavailableMs = 20000 for orders/0, expected < 10000' });
  });

  it('without a partition every partition must hold', () => {
    const [all] = evaluateExpectations(expectations('  leaderChanges: {atMost: 0}\n'), summary());
    expect(all).toMatchObject({ ok: false, detail: 'partitions.leaderChanges = 1 for orders/0, expected ≤ 0' });
  });
});
