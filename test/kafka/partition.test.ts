import { describe, it, expect } from 'vitest';
import { ErrorCode, type BatchPayload, type FetchPartitionRequest, type LeaderAndIsrPartitionState } from '../../sim/kafka/protocol.ts';
import { PartitionLog } from '../../sim/kafka/log.ts';
import { Partition } from '../../sim/kafka/partition.ts';
import { ReplicationCluster, PARTITION, records } from './replication-cluster.ts';

const MS = 1000;

function state(overrides: Partial<LeaderAndIsrPartitionState> = {}): LeaderAndIsrPartitionState {
  return {
    partition: PARTITION,
    controllerEpoch: 1,
    leader: 1,
    leaderEpoch: 1,
    isr: [1, 2],
    zkVersion: 0,
    replicas: [1, 2, 3],
    isNew: false,
    ...overrides,
  };
}

function fetch(fetchOffset: number, overrides: Partial<FetchPartitionRequest> = {}): FetchPartitionRequest {
  return { partition: PARTITION, fetchOffset, currentLeaderEpoch: -1, lastFetchedEpoch: -1, maxBytes: 1 << 20, ...overrides };
}

/** Broker 1's replica over a log whose batches have these leader epochs, one record each. */
function replicaWith(epochs: readonly number[], highWatermark = 0): Partition {
  const log = new PartitionLog<BatchPayload>();
  epochs.forEach((leaderEpoch, i) => log.append({
    recordCount: 1,
    leaderEpoch,
    producerId: -1,
    producerEpoch: -1,
    baseSequence: -1,
    sizeBytes: 100,
    appendTimeUs: 0,
    maxTimestampUs: 0,
    payload: records(`m${i}`),
  }));
  return new Partition({
    name: PARTITION,
    brokerId: 1,
    log,
    highWatermark,
    config: { replicaLagTimeMaxMs: 10_000, minInsyncReplicas: 1, replicationProtocol: 'kip-320' },
  });
}

function appendOne(partition: Partition, label: string, nowUs = 0): void {
  partition.appendAsLeader({
    recordCount: 1,
    producerId: -1,
    producerEpoch: -1,
    baseSequence: -1,
    sizeBytes: 100,
    appendTimeUs: nowUs,
    maxTimestampUs: nowUs,
    payload: records(label),
  }, nowUs);
}

describe('high watermark', () => {
  it('advances only when every ISR member has fetched past the record', () => {
    const cluster = new ReplicationCluster({ brokers: 3, protocol: 'kip-320' });
    cluster.elect(1, { isr: [1, 2, 3] });
    const leader = cluster.partition(1);
    cluster.produce('m1');
    expect(leader.highWatermark).toBe(0);
    cluster.broker(2).fetch(2);
    expect(leader.follower(2)?.logEndOffset).toBe(1);
    expect(leader.highWatermark).toBe(0);
    cluster.broker(3).fetch();
    expect(leader.highWatermark).toBe(0);
    cluster.broker(3).fetch();
    expect(leader.highWatermark).toBe(1);
  });

  it('reaches a follower one fetch after the fetch that advanced it', () => {
    const cluster = new ReplicationCluster({ brokers: 2, protocol: 'kip-320' });
    cluster.elect(1, { isr: [1, 2] });
    cluster.produce('m1');
    cluster.broker(2).fetch();
    expect([cluster.partition(1).highWatermark, cluster.partition(2).highWatermark]).toEqual([0, 0]);
    cluster.broker(2).fetch();
    expect([cluster.partition(1).highWatermark, cluster.partition(2).highWatermark]).toEqual([1, 0]);
    cluster.broker(2).fetch();
    expect([cluster.partition(1).highWatermark, cluster.partition(2).highWatermark]).toEqual([1, 1]);
  });

  it('is the leader LEO at once when the ISR is the leader alone', () => {
    const leader = replicaWith([0, 0], 0);
    leader.applyLeaderAndIsr(state({ isr: [1] }), 0);
    expect(leader.highWatermark).toBe(2);
    appendOne(leader, 'm2');
    expect(leader.highWatermark).toBe(3);
  });

  it('waits for a member whose addition is in flight (KIP-497 maximal ISR), and only then', () => {
    const leader = replicaWith([0, 0, 0, 0, 0], 5);
    leader.applyLeaderAndIsr(state({ isr: [1, 2] }), 0);
    leader.handleFollowerFetch(2, fetch(5), 0);
    const proposal = leader.handleFollowerFetch(3, fetch(5), 0).isrChange;
    expect(proposal).toMatchObject({ kind: 'expand', newIsr: [1, 2, 3] });
    expect(leader.maximalIsr).toEqual([1, 2, 3]);
    const later = 20_000 * MS;
    appendOne(leader, 'm5', later);
    leader.handleFollowerFetch(2, fetch(6), later);
    expect(leader.highWatermark).toBe(5);
    leader.abandonIsrChange(proposal!.proposalId);
    appendOne(leader, 'm6', later);
    expect(leader.highWatermark).toBe(6);
  });
});

describe('ISR shrink (replica.lag.time.max.ms)', () => {
  it('removes a follower that has not caught up for the lag time, not a moment earlier', () => {
    const cluster = new ReplicationCluster({ brokers: 3, protocol: 'kip-320', replicaLagTimeMaxMs: 10_000 });
    cluster.elect(1, { isr: [1, 2, 3] });
    cluster.produce('m1');
    cluster.broker(2).fetch(2);
    cluster.advanceMs(10_000);
    expect(cluster.zk.isr).toEqual([1, 2, 3]);
    expect(cluster.partition(1).highWatermark).toBe(0);
    cluster.advanceMs(1);
    expect(cluster.zk.isr).toEqual([1, 2]);
    expect(cluster.partition(1).isr).toEqual([1, 2]);
    expect(cluster.partition(1).highWatermark).toBe(1);
  });

  it('keeps a follower that always reaches the LEO of its previous fetch, though never the current one', () => {
    const leader = replicaWith([0], 1);
    leader.applyLeaderAndIsr(state({ isr: [1, 2] }), 0);
    for (let second = 1; second <= 40; second++) {
      appendOne(leader, `m${second}`, second * 1000 * MS);
      leader.handleFollowerFetch(2, fetch(leader.logEndOffset - 1), second * 1000 * MS);
    }
    expect(leader.follower(2)?.logEndOffset).toBe(leader.logEndOffset - 1);
    expect(leader.follower(2)?.lastCaughtUpTimeUs).toBe(39_000 * MS);
    expect(leader.outOfSyncReplicas(49_000 * MS)).toEqual([]);
    expect(leader.outOfSyncReplicas(49_001 * MS)).toEqual([2]);
  });

  it('removes a follower that keeps fetching but falls further behind', () => {
    const leader = replicaWith([0], 1);
    leader.applyLeaderAndIsr(state({ isr: [1, 2] }), 0);
    let followerEnd = 1;
    for (let second = 1; second <= 20; second++) {
      appendOne(leader, `a${second}`, second * 1000 * MS);
      appendOne(leader, `b${second}`, second * 1000 * MS);
      leader.handleFollowerFetch(2, fetch(followerEnd, { maxBytes: 100 }), second * 1000 * MS);
      followerEnd += 1;
    }
    expect(leader.outOfSyncReplicas(20_000 * MS)).toEqual([2]);
    expect(leader.maybeShrinkIsr(20_000 * MS)).toMatchObject({ kind: 'shrink', currentIsr: [1, 2], newIsr: [1] });
  });

  it('proposes one change at a time and ignores the answer to a replaced proposal', () => {
    const leader = replicaWith([0], 1);
    leader.applyLeaderAndIsr(state({ isr: [1, 2], zkVersion: 4 }), 0);
    const proposal = leader.maybeShrinkIsr(30_000 * MS);
    expect(proposal).toMatchObject({ leaderEpoch: 1, zkVersion: 4, newIsr: [1] });
    expect(leader.maybeShrinkIsr(30_000 * MS)).toBeUndefined();
    leader.applyLeaderAndIsr(state({ leaderEpoch: 2, isr: [1, 2], zkVersion: 5 }), 30_000 * MS);
    const late = leader.completeIsrChange(proposal!.proposalId, { leaderEpoch: 1, isr: [1], zkVersion: 5 }, 30_000 * MS);
    expect(late.applied).toBe(false);
    expect(leader.isr).toEqual([1, 2]);
  });
});

describe('ISR expand (KAFKA-7128, FIDELITY A7)', () => {
  it('admits a follower only once its LEO reaches both the HW and the start of the leader epoch', () => {
    const leader = replicaWith([0, 0, 0, 0, 0], 3);
    leader.applyLeaderAndIsr(state({ isr: [1, 2] }), 0);
    expect(leader.leaderEpochStartOffset).toBe(5);
    expect(leader.handleFollowerFetch(3, fetch(4), 0).isrChange).toBeUndefined();
    const proposal = leader.handleFollowerFetch(3, fetch(5), 0).isrChange;
    expect(proposal).toMatchObject({ kind: 'expand', leaderId: 1, leaderEpoch: 1, newIsr: [1, 2, 3] });
    const done = leader.completeIsrChange(proposal!.proposalId, { leaderEpoch: 1, isr: [1, 2, 3], zkVersion: 1 }, 0);
    expect(done.applied).toBe(true);
    expect([leader.isr, leader.zkVersion]).toEqual([[1, 2, 3], 1]);
  });
});

describe('leadership transitions', () => {
  it('a new leader records its epoch at its log end offset before writing anything', () => {
    const leader = replicaWith([0, 0, 3]);
    expect(leader.applyLeaderAndIsr(state({ leaderEpoch: 5 }), 0)).toMatchObject({ kind: 'leader', isNewLeader: true });
    expect(leader.log.epochCache.epochEntries()).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 3, startOffset: 2 },
      { epoch: 5, startOffset: 3 },
    ]);
  });

  it('ignores a LeaderAndIsr whose epoch is not newer, or that does not assign this broker', () => {
    const replica = replicaWith([0]);
    replica.applyLeaderAndIsr(state({ leaderEpoch: 3 }), 0);
    expect(replica.applyLeaderAndIsr(state({ leaderEpoch: 3, leader: 2 }), 0))
      .toEqual({ kind: 'ignored', error: ErrorCode.STALE_CONTROLLER_EPOCH });
    expect(replica.applyLeaderAndIsr(state({ leaderEpoch: 4, replicas: [2, 3] }), 0))
      .toEqual({ kind: 'ignored', error: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
    expect([replica.role, replica.leaderEpoch]).toEqual(['leader', 3]);
  });

  it('a re-elected leader keeps its followers\' offsets; a new leader forgets them', () => {
    const leader = replicaWith([0, 0]);
    leader.applyLeaderAndIsr(state({ isr: [1, 2] }), 0);
    leader.handleFollowerFetch(2, fetch(2), 0);
    leader.applyLeaderAndIsr(state({ leaderEpoch: 2 }), 0);
    expect(leader.follower(2)?.logEndOffset).toBe(2);
    leader.applyLeaderAndIsr(state({ leaderEpoch: 3, leader: 2 }), 0);
    leader.applyLeaderAndIsr(state({ leaderEpoch: 4 }), 0);
    expect(leader.follower(2)?.logEndOffset).toBe(-1);
  });
});

describe('fetch answers (Partition.readRecords, KIP-320)', () => {
  const leader = replicaWith([0, 0, 0, 2, 2, 2]);
  leader.applyLeaderAndIsr(state({ leaderEpoch: 3, isr: [1] }), 0);

  it('fences a fetch from an older epoch and defers one from a newer epoch', () => {
    expect(leader.readForFollower(fetch(0, { currentLeaderEpoch: 2 })).error).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect(leader.readForFollower(fetch(0, { currentLeaderEpoch: 4 })).error).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
    expect(leader.readForFollower(fetch(0, { currentLeaderEpoch: 3 })).error).toBe(ErrorCode.NONE);
    expect(replicaWith([0]).readForFollower(fetch(0)).error).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });

  it('answers divergingEpoch from the epoch cache when the last fetched epoch ends before the fetch offset', () => {
    expect(leader.readForFollower(fetch(3, { lastFetchedEpoch: 0 })).divergingEpoch).toBeUndefined();
    expect(leader.readForFollower(fetch(4, { lastFetchedEpoch: 0 })))
      .toMatchObject({ error: ErrorCode.NONE, divergingEpoch: { epoch: 0, endOffset: 3 }, batches: [] });
    expect(leader.readForFollower(fetch(4, { lastFetchedEpoch: 1 })).divergingEpoch).toEqual({ epoch: 0, endOffset: 3 });
  });

  it('answers a fetch beyond the log end with OFFSET_OUT_OF_RANGE and the leader LEO', () => {
    expect(leader.readForFollower(fetch(9))).toMatchObject({
      error: ErrorCode.OFFSET_OUT_OF_RANGE,
      leaderLogEndOffset: 6,
      logStartOffset: 0,
    });
  });

  it('gives followers records up to the LEO and consumers up to the HW', () => {
    const twoReplicas = replicaWith([0, 0, 0]);
    twoReplicas.applyLeaderAndIsr(state({ isr: [1, 2] }), 0);
    twoReplicas.handleFollowerFetch(2, fetch(1), 0);
    expect(twoReplicas.highWatermark).toBe(1);
    expect(twoReplicas.readForFollower(fetch(0)).batches.map((b) => b.baseOffset)).toEqual([0, 1, 2]);
    expect(twoReplicas.readForConsumer(fetch(0)).batches.map((b) => b.baseOffset)).toEqual([0]);
  });

  it('answers OffsetsForLeaderEpoch as KIP-279 (kip-320 leader)', () => {
    expect(leader.answerEpochQuery({ partition: PARTITION, currentLeaderEpoch: -1, leaderEpoch: 1 }))
      .toEqual({ partition: PARTITION, error: ErrorCode.NONE, leaderEpoch: 0, endOffset: 3 });
  });
});
