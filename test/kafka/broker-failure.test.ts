import { describe, it, expect } from 'vitest';
import { ClusterWorld } from './cluster-builder.ts';
import type { TraceEvent } from '../../sim/core/trace.ts';

const SESSION_TIMEOUT_MS = 18_000;
const PING_INTERVAL_MS = 5_000;
const TICK_MS = 2_000;
const ELECTION_COST_MS = 5;

/** A running cluster and its brokers other than the controller (whose own death is a controller failover). */
function clusterWithSpareController(brokers: number, config = {}): { cluster: ClusterWorld; ids: number[] } {
  const cluster = ClusterWorld.build({ brokers, config });
  cluster.runFor('3s');
  const controller = cluster.controller()!.id;
  return { cluster, ids: cluster.brokerIds().filter((id) => id !== controller) };
}

function eventsAfter(cluster: ClusterWorld, kind: string, fromUs: number): TraceEvent[] {
  return cluster.events(kind).filter((event) => event.t >= fromUs);
}

describe('leader election when a broker dies', () => {
  it('a broker leading 1,000 partitions: every one fails over to its first live ISR replica, the last about session timeout + 1,000 × 5 ms after the kill', () => {
    const partitions = 1000;
    const cluster = ClusterWorld.build({ brokers: 3, sessionTimeoutMs: SESSION_TIMEOUT_MS });
    cluster.runFor('3s');
    const assignment = Array.from({ length: partitions }, (_, index) => (index % 2 === 0 ? [1, 2, 3] : [1, 3, 2]));
    cluster.createTopic({ name: 'big', partitions, replicationFactor: 3, assignment }, '60s');
    cluster.runFor('2s');
    const killedAt = cluster.nowUs;
    cluster.broker(1).crash();
    cluster.runFor('30s');

    const detected = eventsAfter(cluster, 'broker-change', killedAt).find((event) => (event.deadBrokers as number[]).includes(1))!;
    const detectionMs = (detected.t - killedAt) / 1000;
    expect(detectionMs).toBeGreaterThanOrEqual(SESSION_TIMEOUT_MS - PING_INTERVAL_MS);
    expect(detectionMs).toBeLessThanOrEqual(SESSION_TIMEOUT_MS + TICK_MS);

    const elections = eventsAfter(cluster, 'leader-election', killedAt);
    expect(elections).toHaveLength(partitions);
    for (const election of elections) {
      const index = Number((election.partition as string).split('/')[1]);
      expect(election).toMatchObject({ oldLeader: 1, newLeader: index % 2 === 0 ? 2 : 3, kind: 'clean', reason: 'broker-failure', leaderEpoch: 1 });
      expect(election.isr).toEqual(index % 2 === 0 ? [2, 3] : [3, 2]);
    }
    const takeovers = eventsAfter(cluster, 'leader-and-isr', killedAt).filter((event) => event.role === 'leader');
    expect(takeovers).toHaveLength(partitions);
    const lastAvailableMs = (Math.max(...takeovers.map((event) => event.t)) - killedAt) / 1000;
    const electionsMs = lastAvailableMs - detectionMs;
    expect(electionsMs).toBeGreaterThanOrEqual(partitions * ELECTION_COST_MS);
    expect(electionsMs).toBeLessThanOrEqual(partitions * ELECTION_COST_MS * 1.05);
    for (let index = 0; index < partitions; index += 97) expect(cluster.leaderOf(`big/${index}`)).toBe(index % 2 === 0 ? 2 : 3);
  });

  it('a dead follower leaves the ISR at once, with a leader-epoch bump', () => {
    const { cluster, ids } = clusterWithSpareController(4);
    const [a, b, c] = ids as [number, number, number];
    cluster.createTopic({ name: 'orders', partitions: 1, replicationFactor: 3, assignment: [[a, b, c]] });
    const before = cluster.partitionState('orders/0')!;
    const killedAt = cluster.nowUs;
    cluster.broker(c).crash();
    cluster.runUntil(() => cluster.partitionState('orders/0')!.isr.length === 2, '30s');
    const after = cluster.partitionState('orders/0')!;
    expect(after).toMatchObject({ leader: a, isr: [a, b], leaderEpoch: before.leaderEpoch + 1 });
    const change = eventsAfter(cluster, 'isr-change', killedAt)[0]!;
    expect(change).toMatchObject({ partition: 'orders/0', by: 'controller', removed: c, oldIsr: [a, b, c], isr: [a, b], reason: 'broker-failure' });
    cluster.runFor('100ms');
    expect(cluster.broker(a).server!.replicaManager.partitions.get('orders/0')!.leaderEpoch).toBe(before.leaderEpoch + 1);
  });

  it('the last ISR member stays in the ISR when it dies, and the partition is offline until it returns', () => {
    const { cluster, ids } = clusterWithSpareController(3);
    const [a, b] = ids as [number, number];
    cluster.createTopic({ name: 'orders', partitions: 1, replicationFactor: 2, assignment: [[a, b]] });
    cluster.broker(b).crash();
    cluster.runUntil(() => cluster.partitionState('orders/0')!.isr.length === 1, '30s');
    cluster.broker(a).crash();
    cluster.runUntil(() => cluster.partitionState('orders/0')!.leader === -1, '30s');
    expect(cluster.partitionState('orders/0')!.isr).toEqual([a]);
    expect(cluster.events('partition-offline').at(-1)).toMatchObject({ partition: 'orders/0', reason: 'no-live-replica' });
    cluster.broker(b).restart();
    cluster.runFor('5s');
    expect(cluster.leaderOf('orders/0')).toBe(-1);
    cluster.broker(a).restart();
    cluster.runUntil(() => cluster.leaderOf('orders/0') === a, '10s');
    expect(cluster.events('leader-election').at(-1)).toMatchObject({ partition: 'orders/0', newLeader: a, kind: 'clean', reason: 'broker-startup' });
  });
});

describe('session expiry of a live broker', () => {
  it('a broker paused past its session timeout loses its leaderships, then registers again with a new epoch and follows', () => {
    const { cluster, ids } = clusterWithSpareController(3);
    const [a, b] = ids as [number, number];
    cluster.createTopic({ name: 'orders', partitions: 1, replicationFactor: 2, assignment: [[a, b]] });
    const firstEpoch = cluster.broker(a).server!.brokerEpoch;
    const pausedAt = cluster.nowUs;
    cluster.broker(a).pause('25s');
    cluster.runUntil(() => cluster.partitionState('orders/0')!.leader === b, '30s');
    cluster.runUntil(() => cluster.broker(a).server!.brokerEpoch > firstEpoch, '20s');
    const registrations = cluster.events('broker-registered').filter((event) => event.broker === a && event.t > pausedAt);
    expect(registrations).toHaveLength(1);
    expect(cluster.events('broker-session-expired').filter((event) => event.broker === a)).toHaveLength(1);
    cluster.runUntil(() => cluster.partitionState('orders/0')!.isr.includes(a), '40s');
    expect(cluster.leaderOf('orders/0')).toBe(b);
    const partition = cluster.broker(a).server!.replicaManager.partitions.get('orders/0')!;
    expect(partition.role).toBe('follower');
    expect(partition.leaderEpoch).toBe(cluster.partitionState('orders/0')!.leaderEpoch);
  });
});

describe('unclean leader election', () => {
  /** ISR shrinks to {a}; a dies; then the out-of-sync replica b comes back. */
  function wholeIsrDead(unclean: boolean): { cluster: ClusterWorld; ids: number[] } {
    const { cluster, ids } = clusterWithSpareController(4, { 'unclean.leader.election.enable': unclean });
    const [a, b, c] = ids as [number, number, number];
    cluster.createTopic({ name: 'orders', partitions: 1, replicationFactor: 3, assignment: [[a, b, c]] });
    cluster.broker(b).crash();
    cluster.broker(c).crash();
    cluster.runUntil(() => cluster.partitionState('orders/0')!.isr.length === 1, '30s');
    cluster.broker(a).crash();
    cluster.runUntil(() => cluster.partitionState('orders/0')!.leader === -1, '30s');
    cluster.broker(b).restart();
    cluster.runFor('5s');
    return { cluster, ids };
  }

  it('enabled: a live out-of-sync replica becomes leader, the ISR becomes [leader], and it counts as unclean', () => {
    const { cluster, ids } = wholeIsrDead(true);
    const [a, b] = ids as [number, number];
    expect(cluster.leaderOf('orders/0')).toBe(b);
    expect(cluster.partitionState('orders/0')).toMatchObject({ leader: b, isr: [b] });
    const unclean = cluster.events('leader-election').filter((event) => event.kind === 'unclean');
    expect(unclean).toHaveLength(1);
    expect(unclean[0]).toMatchObject({ partition: 'orders/0', newLeader: b, fromIsr: [a], isr: [b] });
  });

  it('disabled: the partition stays offline until an ISR member returns', () => {
    const { cluster, ids } = wholeIsrDead(false);
    const [a, b] = ids as [number, number];
    expect(cluster.leaderOf('orders/0')).toBe(-1);
    expect(cluster.partitionState('orders/0')).toMatchObject({ leader: -1, isr: [a] });
    expect(cluster.events('partition-offline').at(-1)).toMatchObject({ partition: 'orders/0', reason: 'no-live-isr-replica', liveReplicas: [b] });
    expect(cluster.events('leader-election').filter((event) => event.kind === 'unclean')).toHaveLength(0);
    cluster.broker(a).restart();
    cluster.runUntil(() => cluster.leaderOf('orders/0') === a, '10s');
    expect(cluster.events('leader-election').at(-1)).toMatchObject({ partition: 'orders/0', newLeader: a, kind: 'clean' });
  });

  it('a topic override of unclean.leader.election.enable wins over the broker default', () => {
    const { cluster, ids } = clusterWithSpareController(3);
    const [a, b] = ids as [number, number];
    cluster.createTopic({ name: 'lossy', partitions: 1, replicationFactor: 2, assignment: [[a, b]], config: { 'unclean.leader.election.enable': true } });
    cluster.broker(b).crash();
    cluster.runUntil(() => cluster.partitionState('lossy/0')!.isr.length === 1, '30s');
    cluster.broker(a).crash();
    cluster.runUntil(() => cluster.partitionState('lossy/0')!.leader === -1, '30s');
    cluster.broker(b).restart();
    cluster.runUntil(() => cluster.leaderOf('lossy/0') === b, '10s');
    expect(cluster.events('leader-election').at(-1)).toMatchObject({ kind: 'unclean', newLeader: b });
  });
});
