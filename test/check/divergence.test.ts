import { describe, expect, it } from 'vitest';
import { checkRun } from '../../sim/check/checkers.ts';
import type { PartitionFinalState } from '../../sim/check/check-input.ts';
import { batches, P0, replica } from './fixtures.ts';

function divergence(state: PartitionFinalState) {
  const report = checkRun({ producers: [], partitions: [state] });
  return { report, check: report.checks.find((c) => c.kind === 'divergent-replica')! };
}

const leaderLog = batches([['p1', 0, 3, 0], ['p1', 3, 2, 1], ['p2', 0, 5, 2]]);

describe('divergent replicas', () => {
  it('are none when followers hold the same records, whatever their batch objects', () => {
    const copy = leaderLog.map((batch) => ({ ...batch, payload: { ...(batch.payload as object) } }));
    const { check } = divergence({ partition: P0, leader: 1, replicas: [replica(1, leaderLog, 10), replica(2, copy, 10), replica(3, leaderLog, 10)] });
    expect(check).toMatchObject({ verdict: 'valid', count: 0 });
  });

  it('are none for a follower that is merely behind', () => {
    const { check } = divergence({ partition: P0, leader: 1, replicas: [replica(1, leaderLog, 10), replica(2, leaderLog.slice(0, 1), 3)] });
    expect(check.verdict).toBe('valid');
  });

  it('flags an ISR member holding other records below the high watermark (KIP-101 scenario 2)', () => {
    // Offset 3 holds the same record in another epoch (one batch appended by two leaders): not divergent.
    const follower = batches([['p1', 0, 3, 0], ['p1', 3, 1, 0], ['p3', 0, 6, 0]]);
    const { report, check } = divergence({ partition: P0, leader: 1, replicas: [replica(1, leaderLog, 10), replica(2, follower, 10)] });
    expect(check).toMatchObject({ verdict: 'invalid', count: 1 });
    expect(report.anomalies.divergentReplicas).toBe(1);
    expect(report.anomalyList[0]).toMatchObject({ kind: 'divergent-replica', broker: 2, offsets: [4, 6], leaderEpoch: 0, otherLeaderEpoch: 1 });
    expect(report.anomalyList[0]!.explanation.text).toBe('at offset 4 broker 2 holds p3#0 (epoch 0) where broker 1 holds p1#4 (epoch 1).');
  });

  it('does not compare above the leader high watermark', () => {
    const follower = batches([['p1', 0, 3, 0], ['p9', 0, 7, 1]]);
    const { check } = divergence({ partition: P0, leader: 1, replicas: [replica(1, leaderLog, 3), replica(2, follower, 3)] });
    expect(check.verdict).toBe('valid');
  });

  it('is unknown for a replica outside the final ISR, which may still truncate', () => {
    const follower = batches([['p9', 0, 10, 0]]);
    const { check } = divergence({ partition: P0, leader: 1, replicas: [replica(1, leaderLog, 10), replica(2, follower, 10, false)] });
    expect(check).toMatchObject({ verdict: 'unknown', count: 0, unknownCount: 1 });
  });

  it('compares non-record payloads by value', () => {
    const commit = (offset: number) => [{ baseOffset: 0, recordCount: 1, leaderEpoch: 0, payload: { kind: 'offset-commit', group: 'g', partition: 't/0', offset } }];
    const same = divergence({ partition: '__consumer_offsets/0', leader: 1, replicas: [replica(1, commit(5)), replica(2, commit(5))] });
    const differ = divergence({ partition: '__consumer_offsets/0', leader: 1, replicas: [replica(1, commit(5)), replica(2, commit(6))] });
    expect([same.check.verdict, differ.check.verdict]).toEqual(['valid', 'invalid']);
  });

  it('does not run for single-replica partitions', () => {
    const report = checkRun({ producers: [], partitions: [{ partition: P0, leader: 1, replicas: [replica(1, leaderLog)] }] });
    expect(report.checks.map((c) => c.kind)).toEqual(['duplicate', 'reordered']);
  });
});
