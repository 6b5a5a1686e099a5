// Explanations from a hand-built trace of FIDELITY A1 (Jepsen, "Call me maybe: Kafka", 2013):
// RF 3, acks=all, min.insync.replicas=1, unclean election on. The followers are cut off from the
// leader (broker 1), the ISR shrinks to [1], broker 1 keeps acknowledging writes alone, then
// crashes; its ZooKeeper session expires and broker 2 is elected from outside the ISR; when
// broker 1 returns it truncates the writes only it had.

import { describe, expect, it } from 'vitest';
import { checkRun, reportLines } from '../../sim/check/checkers.ts';
import type { ProducedRange } from '../../sim/check/check-input.ts';
import { explainFinding } from '../../sim/check/explain.ts';
import { TraceIndex } from '../../sim/check/trace-index.ts';
import type { Finding } from '../../sim/check/verdict.ts';
import type { TraceEvent } from '../../sim/core/trace.ts';
import { batches, P0, range, replica } from './fixtures.ts';

const S = 1_000_000;

const a1Trace: TraceEvent[] = [
  { i: 0, t: 0, k: 'leader-election', controller: 1, controllerEpoch: 1, partition: P0, oldLeader: -1, newLeader: 1, leaderEpoch: 0, isr: [1, 2, 3], fromIsr: [1, 2, 3], kind: 'clean', reason: 'new-partition' },
  { i: 1, t: 1 * S, k: 'fault', fault: 0, kind: 'partition', target: 'broker 1 from brokers 2, 3', nodes: ['broker-1', 'broker-2', 'broker-3'] },
  { i: 2, t: 1 * S, k: 'partition-start', fault: 0 },
  { i: 3, t: 11 * S, k: 'isr-change', partition: P0, by: 'leader', broker: 1, kind: 'shrink', leader: 1, leaderEpoch: 0, isr: [1], oldIsr: [1, 2, 3], zkVersion: 1 },
  { i: 4, t: 30 * S, k: 'fault', fault: 1, kind: 'crash', target: 'the leader of t/0 (broker 1)', nodes: ['broker-1'] },
  { i: 5, t: 30 * S, k: 'node-down', node: 'broker-1', how: 'crash' },
  { i: 6, t: 35 * S, k: 'partition-heal', fault: 0 },
  { i: 7, t: 48 * S, k: 'zk-session', op: 'expired', session: 7, owner: 'broker-1', zk: 'zk-1', zxid: '0x1' },
  { i: 8, t: 48 * S + 100_000, k: 'leader-election', controller: 3, controllerEpoch: 1, partition: P0, oldLeader: 1, newLeader: 2, leaderEpoch: 1, isr: [2], fromIsr: [1], kind: 'unclean', reason: 'broker-failure' },
  { i: 9, t: 60 * S, k: 'node-up', node: 'broker-1', incarnation: 2 },
  { i: 10, t: 61 * S, k: 'truncation', broker: 1, partition: P0, reason: 'diverging-epoch', protocol: 'kip-320', fromLogEndOffset: 60, toLogEndOffset: 40, removedRecords: 20, removedBatches: 2, leaderEpoch: 1 },
];

/** p1#0–39 acknowledged before the cut; p1#40–59 acknowledged by broker 1 alone; p1#60–69 by broker 2. */
const a1Ranges: ProducedRange[] = [
  range(P0, 'ok', 0, 40, 0, { sentUs: 0.5 * S, completeUs: 0.6 * S }),
  range(P0, 'ok', 40, 10, 40, { sentUs: 14 * S, completeUs: 15 * S }),
  range(P0, 'ok', 50, 10, 50, { sentUs: 19 * S, completeUs: 20 * S }),
  range(P0, 'info', 60, 5, -1, { sentUs: 29.9 * S, completeUs: 45 * S }),
  range(P0, 'ok', 65, 10, 40, { leaderEpoch: 1, sentUs: 50 * S, completeUs: 50.1 * S }),
];

const finalLog = batches([['p1', 0, 40, 0], ['p1', 65, 10, 1]]);

function a1Report() {
  return checkRun({
    producers: [{ producer: 'p1', ranges: a1Ranges }],
    partitions: [{ partition: P0, leader: 2, replicas: [replica(1, finalLog), replica(2, finalLog), replica(3, finalLog)] }],
    trace: a1Trace,
  });
}

describe('explanations', () => {
  it('A1: the lost writes are one anomaly whose story names the ISR shrink, the unclean election and the truncation, in that order', () => {
    const report = a1Report();
    expect(report.anomalies.lostAckedWrites).toBe(20);
    expect(report.anomalyList).toHaveLength(1);
    const lost = report.anomalyList[0]!;
    expect(lost).toMatchObject({ kind: 'lost-acked-write', records: { first: 40, count: 20 }, offsets: [40] });
    expect(lost.explanation.events).toEqual([0, 1, 3, 4, 5, 7, 8, 10]);
    const text = lost.explanation.text;
    expect(text).toMatch(/^p1#40–59 on t\/0 were acknowledged at 15\.000 s at offsets 40–59 by broker 1, leader in epoch 0, while the ISR was \[1\]/);
    const shrink = text.indexOf('the ISR of t/0 shrank from [1, 2, 3] to [1]');
    const unclean = text.indexOf('elected broker 2 leader of t/0 in epoch 1 by an unclean election, from outside the ISR [1]');
    const truncation = text.indexOf('broker 1 truncated t/0 from offset 60 to 40 (20 records removed; diverging-epoch, kip-320)');
    expect(shrink).toBeGreaterThan(0);
    expect(unclean).toBeGreaterThan(shrink);
    expect(truncation).toBeGreaterThan(unclean);
    expect(text).toContain('At 48.000 s the ZooKeeper session of broker-1 expired');
    expect(text).toContain('At 30.000 s broker-1 went down (crash)');
    expect(text).toMatch(/That truncation removed the acknowledged records\.$/);
  });

  it('A1: the info batch in flight at the crash is neither lost nor duplicated', () => {
    const report = a1Report();
    expect(report.anomalyList.some((anomaly) => anomaly.records?.first === 60)).toBe(false);
    expect(report.anomalies.duplicates).toBe(0);
  });

  it('says when no truncation removed the write: the new leader never had it (acks=1, A2)', () => {
    const finding: Finding = {
      kind: 'lost-acked-write', verdict: 'invalid', partition: P0, producer: 'p1', count: 1,
      records: { first: 45, count: 1 }, offsets: [45], timeUs: 15 * S, sinceUs: 14 * S, leaderEpoch: 0, evidence: [],
    };
    const trace = a1Trace.filter((event) => event.k !== 'truncation');
    const anomaly = explainFinding(finding, new TraceIndex(trace));
    expect(anomaly.explanation.text).toMatch(/No truncation in the trace covers offset 45: the broker that became leader never had the records\.$/);
  });

  it('A3: blames the truncation that took the write from the next leader before its election, not the old leader catching up later', () => {
    // KIP-101 scenario 1: follower 2 restarts and truncates to its stale HW (offset 40) while
    // leader 1 is already dead; broker 2 is elected; broker 1 returns and truncates to broker 2.
    const trace: TraceEvent[] = [
      a1Trace[0]!,
      { i: 1, t: 20 * S, k: 'fault', fault: 0, kind: 'crash', target: 'broker 1', nodes: ['broker-1'] },
      { i: 2, t: 20 * S, k: 'node-down', node: 'broker-1', how: 'crash' },
      { i: 3, t: 24 * S, k: 'truncation', broker: 2, partition: P0, reason: 'high-watermark', protocol: 'hw-truncation', fromLogEndOffset: 60, toLogEndOffset: 40, removedRecords: 20, removedBatches: 2, leaderEpoch: 0 },
      { i: 4, t: 26 * S, k: 'zk-session', op: 'expired', session: 7, owner: 'broker-1', zk: 'zk-1', zxid: '0x1' },
      { i: 5, t: 26 * S + 100_000, k: 'leader-election', controller: 3, controllerEpoch: 1, partition: P0, oldLeader: 1, newLeader: 2, leaderEpoch: 1, isr: [2], fromIsr: [1], kind: 'unclean', reason: 'broker-failure' },
      { i: 6, t: 31 * S, k: 'truncation', broker: 1, partition: P0, reason: 'leader-log-end', protocol: 'hw-truncation', fromLogEndOffset: 60, toLogEndOffset: 40, removedRecords: 20, removedBatches: 2, leaderEpoch: 1 },
    ];
    const finding: Finding = {
      kind: 'lost-acked-write', verdict: 'invalid', partition: P0, producer: 'p1', count: 20,
      records: { first: 40, count: 20 }, offsets: [40], timeUs: 15 * S, sinceUs: 14 * S, leaderEpoch: 0, evidence: [],
    };
    const { text, events } = explainFinding(finding, new TraceIndex(trace)).explanation;
    expect(events).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const truncated = text.indexOf('At 24.000 s broker 2 truncated t/0 from offset 60 to 40 (20 records removed; high-watermark, hw-truncation)');
    const elected = text.indexOf('elected broker 2 leader of t/0 in epoch 1 by an unclean election');
    expect(truncated).toBeGreaterThan(0);
    expect(elected).toBeGreaterThan(truncated);
    expect(text).toMatch(/Broker 2 had lost the acknowledged records to its truncation at 24\.000 s, before it was elected leader at 26\.100 s\.$/);
  });

  it('A6: a divergent replica\'s story names its pause, the epoch it missed, the epoch it followed, and that it truncated nothing', () => {
    // KAFKA-7164: broker 3 sleeps through epoch 1 (led by broker 2) and wakes to follow broker 1 again in epoch 2.
    const trace: TraceEvent[] = [
      a1Trace[0]!,
      { i: 1, t: 10 * S, k: 'fault', fault: 0, kind: 'pause', target: 'broker 3', nodes: ['broker-3'] },
      { i: 2, t: 16 * S, k: 'zk-session', op: 'expired', session: 9, owner: 'broker-3', zk: 'zk-1', zxid: '0x2' },
      { i: 3, t: 16 * S + 6000, k: 'leader-election', controller: 4, controllerEpoch: 1, partition: P0, oldLeader: 1, newLeader: 2, leaderEpoch: 1, isr: [2], fromIsr: [1, 2, 3], kind: 'clean', reason: 'broker-failure' },
      { i: 4, t: 24 * S, k: 'leader-election', controller: 4, controllerEpoch: 1, partition: P0, oldLeader: 2, newLeader: 1, leaderEpoch: 2, isr: [1], fromIsr: [2, 1], kind: 'clean', reason: 'broker-failure' },
      { i: 5, t: 26 * S, k: 'isr-change', partition: P0, by: 'leader', broker: 1, kind: 'expand', leader: 1, leaderEpoch: 2, isr: [1, 3], oldIsr: [1], zkVersion: 4 },
    ];
    const finding: Finding = {
      kind: 'divergent-replica', verdict: 'invalid', partition: P0, broker: 3, count: 1, offsets: [40, 2],
      timeUs: -1, leaderEpoch: 0, otherLeaderEpoch: 1, evidence: [],
    };
    const { text, events } = explainFinding(finding, new TraceIndex(trace)).explanation;
    expect(events).toEqual([0, 1, 2, 3, 4, 5]);
    expect(text).toMatch(/fault #0 \(pause\) hit broker 3.*session of broker-3 expired.*elected broker 2 leader of t\/0 in epoch 1.*elected broker 1 leader of t\/0 in epoch 2.*grew from \[1\] to \[1, 3\]/);
    expect(text).toMatch(/When broker 3 followed broker 1 in epoch 2 it truncated nothing, keeping its epoch 0 record at offset 40 where the leader holds one of epoch 1\.$/);
  });

  it('explains a read of truncated data with the truncation and the election before it', () => {
    const finding: Finding = {
      kind: 'read-truncated', verdict: 'invalid', partition: P0, group: 'g', member: 'c1', producer: 'p1', count: 3,
      records: { first: 50, count: 3 }, offsets: [50], timeUs: 25 * S, evidence: [{ timeUs: 25 * S, event: null, text: 'c1 read offsets 50–52 of t/0 at 25.000 s' }],
    };
    const anomaly = explainFinding(finding, new TraceIndex(a1Trace));
    expect(anomaly.explanation.events).toEqual([4, 8, 10]);
    expect(anomaly.detail).toBe('c1 of group g read p1#50–52 at offset 50 of t/0, which the committed log does not hold');
  });

  it('explains a duplicate with the faults and elections while its batch was retried', () => {
    const finding: Finding = {
      kind: 'duplicate', verdict: 'invalid', partition: P0, producer: 'p1', count: 5, records: { first: 60, count: 5 },
      offsets: [60, 40], timeUs: 50 * S, sinceUs: 29 * S, evidence: [],
    };
    const anomaly = explainFinding(finding, new TraceIndex(a1Trace));
    expect(anomaly.explanation.events).toEqual([4, 5, 8]);
  });

  it('explains a broken live invariant with what the partition last went through', () => {
    const report = checkRun({
      producers: [], partitions: [],
      violations: [{ invariant: 'StrongIsr', partition: P0, detail: 'ISR member 3 lacks offset 45', timeUs: 62 * S, event: 11 }],
      trace: [...a1Trace, { i: 11, t: 62 * S, k: 'replica-offsets', broker: 3, partition: P0 }],
    });
    const violation = report.anomalyList[0]!;
    expect(violation.detail).toBe('StrongIsr broke at 62.000 s: ISR member 3 lacks offset 45');
    expect(violation.explanation.events).toEqual([3, 4, 5, 8, 10, 11]);
  });

  it('without a trace, explains with the history alone and cites no events', () => {
    const report = checkRun({ producers: [{ producer: 'p1', ranges: a1Ranges }], partitions: [{ partition: P0, leader: 2, replicas: [replica(2, finalLog)] }] });
    const lost = report.anomalyList[0]!;
    expect(lost.explanation.events).toEqual([]);
    expect(lost.explanation.text).toBe('p1 sent the batch at 14.000 s (1 attempt); it ended ok at 15.000 s at offset 40 in leader epoch 0.');
  });

  it('prints the report for sim run: checks, then each anomaly with its story and events', () => {
    const lines = reportLines(a1Report());
    expect(lines[0]).toBe('history check: invalid');
    expect(lines).toContain('  lost-acked-write       invalid  20');
    expect(lines).toContain('  events: 0, 1, 3, 4, 5, 7, 8, 10');
  });
});
