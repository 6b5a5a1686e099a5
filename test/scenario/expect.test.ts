import { describe, expect, it } from 'vitest';
import { evaluateExpectations } from '../../sim/scenario/expect.ts';
import { loadScenario } from '../../sim/scenario/load.ts';
import type { ProducerFigures, RunSummary } from '../../sim/report/summary-types.ts';

function expectations(block: string) {
  const result = loadScenario(scenarioText(block), 't.yaml');
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.spec.expect;
}

function scenarioText(block: string): string {
  const producers = 'producers:\n  - {name: p0, topic: orders, rate: 10/s, config: {acks: 0}}\n  - {name: pall, topic: orders, rate: 10/s}\n';
  return `name: t\nduration: 60s\ncluster: {brokers: 3}\ntopics:\n  - {name: orders, partitions: 2, replication.factor: 3}\n${producers}expect:\n${block}`;
}

function producer(name: string, acks: string, figures: Partial<ProducerFigures>): ProducerFigures {
  return {
    producer: name, acks, idempotent: acks === 'all', sent: 50, acked: 0, assumed: 0, failed: 0, unknown: 0,
    lostAckedWrites: 0, lostAssumedWrites: 0, duplicates: 0, reordered: 0, latencyMs: { p50: 1, p99: 2, max: 3 },
    ...figures,
  };
}

function summary(overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    scenario: 't', seed: 42, traceHash: '0', simulatedMs: 60_000, wallMs: 10, events: 1,
    produced: { sent: 100, acked: 90, failed: 5, unknown: 5 },
    consumed: { records: 0, duplicates: 0 },
    anomalies: { lostAckedWrites: 3, duplicates: 0, reordered: 0, divergentReplicas: 0, invariantViolations: 0 },
    partitions: [
      { partition: 'orders/0', leaderChanges: 1, offlineMs: 20_000, maxUnavailableMs: 20_000, logStartOffset: 0, logEndOffset: 1_000, oldestRecordAgeMs: 59_000 },
      { partition: 'orders/1', leaderChanges: 0, offlineMs: 0, maxUnavailableMs: 0, logStartOffset: 4_000, logEndOffset: 5_000, oldestRecordAgeMs: 12_000 },
    ],
    latencyMs: { p50: 2, p99: 9, max: 30 },
    endToEndLatencyMs: { records: 0, p50: 0, p99: 0, p999: 0, max: 0 },
    throughput: { producedRecordsPerSec: 1000, producedBytesPerSec: 200_000, consumedRecordsPerSec: 0 },
    leaderElections: 2, uncleanElections: 0, controllerChanges: 1, isrShrinks: 1, isrExpands: 1,
    groups: [], expectations: [], ok: true,
    producers: [producer('p0', '0', { assumed: 48, lostAssumedWrites: 7 }), producer('pall', 'all', { acked: 50 })],
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

  it('a per-producer figure is checked for the producer named, or for every producer', () => {
    const results = evaluateExpectations(
      expectations('  lostAssumedWrites: {producer: p0, atLeast: 1}\n  producers.lostAckedWrites: [{producer: pall, equals: 0}]\n  assumed: {atLeast: 1}\n'),
      summary(),
    );
    expect(results.map((r) => r.ok)).toEqual([true, true, false]);
    expect(results[0]!.detail).toBe('producers.lostAssumedWrites = 7, ≥ 1');
    expect(results[2]!.detail).toBe('producers.assumed = 0 for pall, expected ≥ 1');
  });

  it('a per-producer latency takes durations, and the cluster figure of the same name stays the cluster one', () => {
    const results = evaluateExpectations(expectations('  producers.latencyMs.p99: {producer: pall, below: 1s}\n  lostAckedWrites: 3\n'), summary());
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(results[1]!.detail).toBe('anomalies.lostAckedWrites = 3, = 3');
  });

  it('an unknown producer is a scenario error naming the producers there are', () => {
    const result = loadScenario(scenarioText('  lostAssumedWrites: {producer: p1, atLeast: 1}\n'), 't.yaml');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]!.message).toContain('producer `p1` does not exist (producers: `p0` or `pall`)');
  });

  it('the retained log of a partition: its log start offset and the age of its oldest batch', () => {
    const results = evaluateExpectations(expectations('  logStartOffset: [{partition: orders/0, equals: 0}, {partition: orders/1, above: 0}]\n  oldestRecordAgeMs: {partition: orders/1, below: 15s}\n'), summary());
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
  });
});

describe('expectation details over many entries', () => {
  const many = (count: number, value: (i: number) => number) =>
    summary({ partitions: Array.from({ length: count }, (_, i) => ({ partition: `orders/${i}`, leaderChanges: 0, offlineMs: 0, maxUnavailableMs: value(i), logStartOffset: 0, logEndOffset: 0, oldestRecordAgeMs: 0 })) });

  it('a passing check over many partitions gives the range, not every value', () => {
    const [result] = evaluateExpectations(expectations('  maxUnavailableMs: {atMost: 5s}\n'), many(40, (i) => i * 10));
    expect(result).toEqual({ name: 'maxUnavailableMs', ok: true, detail: 'partitions.maxUnavailableMs = 0 (orders/0) to 390 (orders/39) over 40, ≤ 5000' });
  });

  it('a failing check names the first ten broken values and counts the rest', () => {
    const [result] = evaluateExpectations(expectations('  maxUnavailableMs: {atMost: 5s}\n'), many(40, () => 6000));
    expect(result!.ok).toBe(false);
    expect(result!.detail).toMatch(/^partitions\.maxUnavailableMs = (6000 for orders\/\d+, ){10}and 30 more, expected ≤ 5000$/);
  });
});
