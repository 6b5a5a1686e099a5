// The producer against the real brokers (sim/kafka), ZooKeeper and hardware, through the cluster
// test DSL of test/kafka/cluster-builder.ts.

import { describe, it, expect } from 'vitest';
import { Outcome } from '../../sim/clients/history.ts';
import type { LoadSpec } from '../../sim/clients/load.ts';
import type { ProducerConfig } from '../../sim/clients/producer-config.ts';
import { Producer } from '../../sim/clients/producer.ts';
import { brokerNodeId } from '../../sim/kafka/broker-config.ts';
import type { ProducerRecords } from '../../sim/kafka/protocol.ts';
import { ClusterWorld } from '../kafka/cluster-builder.ts';
import { duplicatesAndReorderings } from './producer-world.ts';

const TOPIC = 'orders';

/** A 3-broker cluster with `orders` (RF 3) and a producer that starts now. */
function clusterWithProducer(partitions: number, config: Partial<ProducerConfig>, load: Partial<LoadSpec>): { cluster: ClusterWorld; producer: Producer } {
  const cluster = ClusterWorld.build({ brokers: 3, sessionTimeoutMs: 6000, config: { 'min.insync.replicas': 2 } });
  cluster.runFor('3s');
  cluster.createTopic({ name: TOPIC, partitions, replicationFactor: 3 });
  cluster.runUntil(() => Array.from({ length: partitions }, (_, p) => cluster.leaderOf(`${TOPIC}/${p}`)).every((leader) => leader >= 0), '30s');
  const startUs = cluster.nowUs;
  const producer = new Producer({
    name: 'p1',
    load: { topic: TOPIC, rate: { kind: 'fixed', recordsPerSecond: 1000 }, messageBytes: 100, keys: null, partition: null, startUs, stopUs: startUs + 5_000_000, ...load },
    config,
    bootstrap: cluster.brokerIds().map(brokerNodeId),
  });
  cluster.world.addMachine({ id: 'producer-p1', rack: 'r1', actor: producer });
  cluster.world.start('producer-p1');
  return { cluster, producer };
}

/** The record identities in the leader's log of a partition, in offset order, with their offsets. */
function leaderRecords(cluster: ClusterWorld, partition: string): { records: number[]; offsets: Map<number, number> } {
  const leader = cluster.leaderOf(partition);
  const log = cluster.broker(leader).server?.replicaManager.partitions.get(partition)?.log;
  const records: number[] = [];
  const offsets = new Map<number, number>();
  for (const batch of log?.batches() ?? []) {
    const payload = batch.payload as ProducerRecords;
    if (payload.kind !== 'records' || payload.producer !== 'p1') continue;
    for (let i = 0; i < payload.count; i++) {
      records.push(payload.firstRecord + i);
      offsets.set(payload.firstRecord + i, batch.baseOffset + i);
    }
  }
  return { records, offsets };
}

describe('producer on a real cluster', () => {
  it('writes every record once, at the offset it was acknowledged with', () => {
    const { cluster, producer } = clusterWithProducer(3, { 'linger.ms': 5 }, { keys: { count: 500, distribution: 'uniform' } });
    cluster.runFor('8s');
    const { history } = producer;
    expect(history.totals().invoked).toBeGreaterThan(4000);
    expect(history.totals().acknowledged).toBe(history.totals().invoked);
    for (let p = 0; p < 3; p++) {
      const name = `${TOPIC}/${p}`;
      const { records, offsets } = leaderRecords(cluster, name);
      expect(duplicatesAndReorderings(records)).toEqual({ duplicates: 0, reorderings: 0 });
      expect(records.length).toBe(history.recordCount(name));
      for (let record = 0; record < history.recordCount(name); record++) expect(history.offsetOf(name, record)).toBe(offsets.get(record));
    }
  });

  it('rides out a leader crash: batches wait for the new leader, with no duplicate and no acknowledged write lost', () => {
    const { cluster, producer } = clusterWithProducer(1, {}, {});
    const name = `${TOPIC}/0`;
    cluster.runFor('2s');
    const oldLeader = cluster.leaderOf(name);
    cluster.broker(oldLeader).crash();
    cluster.runFor('40s');
    const { history } = producer;
    expect(cluster.leaderOf(name)).not.toBe(oldLeader);
    expect(history.totals().pending).toBe(0);
    expect(history.totals().acknowledged).toBe(history.totals().invoked);
    const ranges = [...history.ranges()];
    // The session expires after 6 s; until then the batches wait in the accumulator.
    expect(ranges.some((range) => range.completeUs - range.createUs > 5_000_000)).toBe(true);
    // Nothing is drained for a broker whose kernel refuses the connection: at most the requests in
    // flight at the crash are retried, so an idempotent producer is not left retrying one at a time.
    expect(ranges.filter((range) => range.attempts > 1).length).toBeLessThanOrEqual(5);
    const { records } = leaderRecords(cluster, name);
    expect(duplicatesAndReorderings(records)).toEqual({ duplicates: 0, reorderings: 0 });
    const inLog = new Set(records);
    for (const range of history.ranges()) {
      if (range.outcome !== Outcome.Ok) continue;
      for (let i = 0; i < range.count; i++) expect(inLog.has(range.firstRecord + i)).toBe(true);
    }
  });

  it('acks=0 completes no send to a crashed leader: the sends wait for the new leader, and only those written before the crash can be lost', () => {
    const { cluster, producer } = clusterWithProducer(1, { acks: '0' }, {});
    const name = `${TOPIC}/0`;
    cluster.runFor('2s');
    const oldLeader = cluster.leaderOf(name);
    const crashUs = cluster.nowUs;
    cluster.broker(oldLeader).crash();
    cluster.runFor('12s');
    expect(cluster.leaderOf(name)).not.toBe(oldLeader);
    const { records } = leaderRecords(cluster, name);
    const inLog = new Set(records);
    let missing = 0;
    let writtenAfterCrash = 0;
    for (const range of producer.history.ranges()) {
      if (range.outcome !== Outcome.Ok) continue;
      for (let i = 0; i < range.count; i++) if (!inLog.has(range.firstRecord + i)) missing++;
      // A send completed after the crash went to the new leader: the dead one refused the connection.
      if (range.completeUs > crashUs + 1000 && range.count > 0) writtenAfterCrash++;
    }
    expect(writtenAfterCrash).toBeGreaterThan(0);
    // At 1,000 records/s only the last millisecond or so before the crash was not yet replicated.
    expect(missing).toBeLessThan(20);
    expect(producer.history.totals().acknowledged).toBe(0);
  });
});
