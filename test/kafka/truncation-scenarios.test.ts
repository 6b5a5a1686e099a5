// FIDELITY A3-A6: each historical truncation rule reproduces the anomaly its successor fixed, and
// the successor does not. Driven through replication-cluster.ts, which checks the live invariants
// after every step.

import { describe, it, expect } from 'vitest';
import type { ReplicationProtocol } from '../../sim/kafka/truncation.ts';
import { ReplicationCluster } from './replication-cluster.ts';

function strongIsrBroken(cluster: ReplicationCluster): boolean {
  return cluster.violations.some((v) => v.invariant === 'StrongIsr');
}

/**
 * KIP-101 scenario 1. Broker 1 leads; follower 2 holds m1 and m2 and the leader's HW is 2 (m2 is
 * committed and acknowledged), but 2 has not yet heard that: its own HW is 1. Broker 2 restarts
 * and becomes a follower again; then leader 1 dies before 2 fetches, 2 is elected, and 1 returns.
 */
function kip101Scenario1(protocol: ReplicationProtocol): { cluster: ReplicationCluster; committedBeforeRestart: number } {
  const cluster = new ReplicationCluster({ brokers: 2, protocol });
  cluster.elect(1, { isr: [1, 2] });
  cluster.produce('m1');
  cluster.broker(2).fetch(2);
  cluster.produce('m2');
  cluster.broker(2).fetch(2);
  const committedBeforeRestart = cluster.partition(1).highWatermark;
  expect(cluster.partition(2).highWatermark).toBe(1);
  cluster.broker(2).restart({ highWatermark: cluster.partition(2).highWatermark });
  cluster.broker(1).crash();
  cluster.elect(2, { isr: [2] });
  cluster.broker(1).restart({ highWatermark: 2 });
  cluster.broker(1).fetch(3);
  return { cluster, committedBeforeRestart };
}

describe('A3: truncating to the high watermark, then an immediate election (KIP-101 scenario 1)', () => {
  it('hw-truncation loses m2 for good although it was committed', () => {
    const { cluster, committedBeforeRestart } = kip101Scenario1('hw-truncation');
    expect(committedBeforeRestart).toBe(2);
    expect(cluster.broker(2).log).toEqual(['m1']);
    expect(cluster.broker(1).log).toEqual(['m1']);
    const losses = cluster.truncations.filter((t) => t.truncation.removedRecordCount > 0);
    expect(losses.map((t) => [t.broker, t.truncation.reason, t.truncation.removedRecordCount]))
      .toEqual([[2, 'high-watermark', 1], [1, 'leader-log-end', 1]]);
    expect(strongIsrBroken(cluster)).toBe(true);
  });

  it('kip-101 asks the leader for its epoch end offset and keeps m2', () => {
    const { cluster } = kip101Scenario1('kip-101');
    expect(cluster.broker(2).log).toEqual(['m1', 'm2']);
    expect(cluster.broker(1).log).toEqual(['m1', 'm2']);
    expect(cluster.truncations.every((t) => t.truncation.removedRecordCount === 0)).toBe(true);
    expect(strongIsrBroken(cluster)).toBe(false);
  });
});

/**
 * KIP-101 scenario 2. Broker 1 leads with m1, m2 committed (HW 2); both brokers lose power, and
 * broker 2 had only m1 on disk. Broker 2 returns first, leads, and takes m3 at offset 1; then
 * broker 1 returns with m1, m2 and its checkpointed HW of 2.
 */
function kip101Scenario2(protocol: ReplicationProtocol): ReplicationCluster {
  const cluster = new ReplicationCluster({ brokers: 2, protocol });
  cluster.elect(1, { isr: [1, 2] });
  cluster.produce('m1');
  cluster.produce('m2');
  cluster.broker(2).fetch(3);
  expect(cluster.partition(1).highWatermark).toBe(2);
  cluster.broker(1).crash();
  cluster.broker(2).crash();
  cluster.broker(2).restart({ durableOffset: 1, highWatermark: 1 });
  cluster.elect(2, { isr: [2] });
  cluster.produce('m3');
  cluster.broker(1).restart({ highWatermark: 2 });
  cluster.broker(1).fetch(3);
  cluster.produce('m4');
  cluster.broker(1).fetch(3);
  return cluster;
}

describe('A4: divergence after both replicas crash (KIP-101 scenario 2)', () => {
  it('hw-truncation keeps m2 at offset 1 where the leader has m3: the logs diverge forever', () => {
    const cluster = kip101Scenario2('hw-truncation');
    expect(cluster.broker(1).log).toEqual(['m1', 'm2', 'm4']);
    expect(cluster.broker(2).log).toEqual(['m1', 'm3', 'm4']);
    expect(cluster.partition(2).isr).toEqual([2, 1]);
    expect(strongIsrBroken(cluster)).toBe(true);
  });

  it('kip-101 truncates m2 by the leader epoch and fetches m3', () => {
    const cluster = kip101Scenario2('kip-101');
    expect(cluster.broker(1).log).toEqual(['m1', 'm3', 'm4']);
    expect(cluster.broker(2).log).toEqual(['m1', 'm3', 'm4']);
    expect(strongIsrBroken(cluster)).toBe(false);
  });
});

/**
 * KAFKA-6361 (fixed by KIP-279): leadership 1 → 2 → 1 in quick succession, with unclean elections.
 * Broker 1 leads epoch 0 and writes m1 that broker 2 never fetches; broker 2 leads epoch 1 and
 * writes x1, x2 at offsets 1-2; broker 1 leads epoch 2 without ever having seen epoch 1 and writes
 * m2 at offset 2. Broker 2 then follows and must give up x1 and x2.
 */
function fastLeaderChanges(protocol: ReplicationProtocol): ReplicationCluster {
  const cluster = new ReplicationCluster({ brokers: 2, protocol });
  cluster.elect(1, { isr: [1, 2] });
  cluster.produce('m0');
  cluster.broker(2).fetch(2);
  cluster.produce('m1');
  cluster.broker(1).crash();
  cluster.elect(2, { isr: [2] });
  cluster.produce('x1');
  cluster.produce('x2');
  cluster.broker(2).crash();
  cluster.broker(1).restart();
  cluster.elect(1, { isr: [1] });
  cluster.produce('m2');
  cluster.broker(2).restart();
  cluster.broker(2).fetch(4);
  return cluster;
}

describe('A5: fast back-to-back leader changes (KAFKA-6361, KIP-279)', () => {
  it('kip-101 trusts an end offset for an epoch the leader never had, and the follower diverges', () => {
    const cluster = fastLeaderChanges('kip-101');
    expect(cluster.broker(1).log).toEqual(['m0', 'm1', 'm2']);
    expect(cluster.broker(2).log).toEqual(['m0', 'x1', 'm2']);
    expect(strongIsrBroken(cluster)).toBe(true);
  });

  it('kip-279 walks back to the largest common epoch and converges', () => {
    const cluster = fastLeaderChanges('kip-279');
    expect(cluster.broker(2).log).toEqual(['m0', 'm1', 'm2']);
    expect(cluster.truncations.at(-1)?.truncation).toMatchObject({ fromLogEndOffset: 3, toLogEndOffset: 1 });
    expect(strongIsrBroken(cluster)).toBe(false);
  });

  it('kip-320 converges too, by the diverging epoch of a fetch', () => {
    const cluster = fastLeaderChanges('kip-320');
    expect(cluster.broker(2).log).toEqual(['m0', 'm1', 'm2']);
    expect(cluster.truncations.at(-1)?.truncation.reason).toBe('diverging-epoch');
    expect(strongIsrBroken(cluster)).toBe(false);
  });
});

/**
 * KAFKA-7164: replica 3 follows leader 1 in epoch 0 and holds a0 at offset 0. It never hears of
 * epoch 1, in which broker 2 leads and writes b0 at offset 0 (broker 1, back, truncates a0 and
 * takes b0). In epoch 2 broker 1 leads again, with replica 3 in the ISR: the leader is the one
 * replica 3 already followed.
 */
function missedEpoch(protocol: ReplicationProtocol): ReplicationCluster {
  const cluster = new ReplicationCluster({ brokers: 3, protocol });
  cluster.elect(1, { isr: [1, 2, 3] });
  cluster.produce('a0');
  cluster.broker(3).fetch();
  cluster.broker(1).crash();
  cluster.elect(2, { isr: [2, 3], skip: [3] });
  cluster.produce('b0');
  cluster.broker(1).restart();
  cluster.broker(1).fetch(3);
  cluster.broker(2).crash();
  cluster.elect(1, { isr: [1, 3] });
  cluster.broker(3).fetch(2);
  cluster.produce('c1');
  cluster.broker(3).fetch(2);
  return cluster;
}

describe('A6: a follower that missed an epoch (KAFKA-7164)', () => {
  it('kip-279 skips the become-follower steps for an unchanged leader, and offset 0 diverges', () => {
    const cluster = missedEpoch('kip-279');
    expect(cluster.broker(1).log).toEqual(['b0', 'c1']);
    expect(cluster.broker(3).log).toEqual(['a0', 'c1']);
    expect(strongIsrBroken(cluster)).toBe(true);
  });

  it('kip-320 truncates on every new epoch and converges', () => {
    const cluster = missedEpoch('kip-320');
    expect(cluster.broker(3).log).toEqual(['b0', 'c1']);
    expect(strongIsrBroken(cluster)).toBe(false);
  });
});
