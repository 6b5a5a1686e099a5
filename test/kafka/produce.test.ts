import { describe, it, expect } from 'vitest';
import { PartitionLog } from '../../sim/kafka/log.ts';
import { Partition } from '../../sim/kafka/partition.ts';
import { checkCompletion, handleProduce, type ProduceDecision } from '../../sim/kafka/produce.ts';
import { ErrorCode, type BatchPayload, type PartitionProduce } from '../../sim/kafka/protocol.ts';
import { PARTITION, records } from './replication-cluster.ts';

const MS = 1000;

/** Broker 1 leading with ISR [1, 2] and min.insync.replicas 2; follower 2's fetches are by hand. */
function leader(minInsyncReplicas = 2): Partition {
  const partition = new Partition({
    name: PARTITION,
    brokerId: 1,
    log: new PartitionLog<BatchPayload>(),
    config: { replicaLagTimeMaxMs: 10_000, minInsyncReplicas, replicationProtocol: 'kip-320' },
  });
  partition.applyLeaderAndIsr({
    partition: PARTITION,
    controllerEpoch: 1,
    leader: 1,
    leaderEpoch: 0,
    isr: [1, 2],
    zkVersion: 0,
    replicas: [1, 2],
    isNew: true,
  }, 0);
  return partition;
}

/** Broker 2 takes over in epoch 1. */
const followerState = {
  partition: PARTITION,
  controllerEpoch: 1,
  leader: 2,
  leaderEpoch: 1,
  isr: [1, 2],
  zkVersion: 1,
  replicas: [1, 2],
  isNew: false,
};

function request(acks: 0 | 1 | -1, overrides: Partial<PartitionProduce['batch']> = {}): PartitionProduce {
  return {
    acks,
    timeoutMs: 30_000,
    partition: PARTITION,
    batch: {
      baseOffset: -1,
      recordCount: 1,
      leaderEpoch: -1,
      producerId: -1,
      producerEpoch: -1,
      baseSequence: -1,
      sizeBytes: 100,
      createTimeUs: 0,
      payload: records('p'),
      ...overrides,
    },
  };
}

function followerFetches(partition: Partition, fetchOffset: number, nowUs = 0): void {
  partition.handleFollowerFetch(2, {
    partition: PARTITION,
    fetchOffset,
    currentLeaderEpoch: 0,
    lastFetchedEpoch: -1,
    maxBytes: 1 << 20,
  }, nowUs);
}

function responseOf(decision: ProduceDecision): { error: ErrorCode; baseOffset: number } {
  if (decision.kind !== 'respond') throw new Error(`expected a response, got ${decision.kind}`);
  return { error: decision.response.error, baseOffset: decision.response.baseOffset };
}

describe('produce checks before the append (ReplicaManager.appendRecords)', () => {
  it('answers NOT_LEADER_OR_FOLLOWER on a follower and UNKNOWN_TOPIC_OR_PARTITION without a replica', () => {
    const follower = leader();
    follower.applyLeaderAndIsr(followerState, 0);
    expect(responseOf(handleProduce(follower, request(1), 0)).error).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(responseOf(handleProduce(undefined, request(1), 0)).error).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('refuses acks=all with NOT_ENOUGH_REPLICAS when the ISR is below min.insync.replicas, appending nothing', () => {
    const partition = leader(3);
    const decision = handleProduce(partition, request(-1), 0);
    expect(responseOf(decision).error).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
    expect(decision.appended).toBeUndefined();
    expect(partition.logEndOffset).toBe(0);
    expect(responseOf(handleProduce(partition, request(1), 0))).toEqual({ error: ErrorCode.NONE, baseOffset: 0 });
  });
});

describe('acknowledgement by acks', () => {
  it('acks=1 answers at once with the base offset; acks=0 answers nothing', () => {
    const partition = leader();
    expect(responseOf(handleProduce(partition, request(1, { recordCount: 3 }), 0))).toEqual({ error: ErrorCode.NONE, baseOffset: 0 });
    const silent = handleProduce(partition, request(0), 0);
    expect(silent).toMatchObject({ kind: 'no-response', closeConnection: false });
    expect(silent.appended?.baseOffset).toBe(3);
  });

  it('acks=0 closes the connection instead of answering an error', () => {
    const follower = leader();
    follower.applyLeaderAndIsr(followerState, 0);
    expect(handleProduce(follower, request(0), 0)).toMatchObject({ kind: 'no-response', closeConnection: true });
  });

  it('acks=all waits until the high watermark passes the batch', () => {
    const partition = leader();
    const decision = handleProduce(partition, request(-1, { recordCount: 2 }), 0);
    if (decision.kind !== 'wait') throw new Error('expected a purgatory entry');
    expect(decision.delayed).toMatchObject({ baseOffset: 0, requiredOffset: 2, deadlineUs: 30_000 * MS });
    followerFetches(partition, 1);
    expect(checkCompletion(decision.delayed, partition)).toBeUndefined();
    followerFetches(partition, 2);
    expect(checkCompletion(decision.delayed, partition)).toMatchObject({ error: ErrorCode.NONE, baseOffset: 0 });
  });

  it('acks=all answers NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank below min.insync.replicas (A11)', () => {
    const partition = leader();
    const decision = handleProduce(partition, request(-1), 0);
    if (decision.kind !== 'wait') throw new Error('expected a purgatory entry');
    const shrink = partition.maybeShrinkIsr(10_001 * MS);
    expect(shrink?.newIsr).toEqual([1]);
    partition.completeIsrChange(shrink!.proposalId, { leaderEpoch: 0, isr: [1], zkVersion: 1 }, 10_001 * MS);
    expect(checkCompletion(decision.delayed, partition)).toMatchObject({
      error: ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
      baseOffset: 0,
    });
    expect(partition.highWatermark).toBe(1);
    expect(responseOf(handleProduce(partition, request(-1), 10_001 * MS)).error).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
    expect(partition.logEndOffset).toBe(1);
  });

  it('acks=all answers NOT_LEADER_OR_FOLLOWER once the replica stops leading', () => {
    const partition = leader();
    const decision = handleProduce(partition, request(-1), 0);
    if (decision.kind !== 'wait') throw new Error('expected a purgatory entry');
    partition.applyLeaderAndIsr(followerState, 0);
    expect(checkCompletion(decision.delayed, partition)?.error).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });
});

describe('idempotent producers', () => {
  const idempotent = (baseSequence: number, recordCount = 1): Partial<PartitionProduce['batch']> =>
    ({ producerId: 42, producerEpoch: 0, baseSequence, recordCount });

  it('answers a retried batch with its original offset and appends nothing', () => {
    const partition = leader();
    handleProduce(partition, request(1, idempotent(0, 2)), 0);
    handleProduce(partition, request(1, idempotent(2)), 0);
    const retry = handleProduce(partition, request(1, idempotent(0, 2)), 0);
    expect(responseOf(retry)).toEqual({ error: ErrorCode.NONE, baseOffset: 0 });
    expect(retry.appended).toBeUndefined();
    expect(partition.logEndOffset).toBe(3);
  });

  it('rejects a sequence gap with OUT_OF_ORDER_SEQUENCE_NUMBER and appends nothing', () => {
    const partition = leader();
    handleProduce(partition, request(1, idempotent(0)), 0);
    expect(responseOf(handleProduce(partition, request(1, idempotent(2)), 0)).error).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(partition.logEndOffset).toBe(1);
  });

  it('makes an acks=all retry wait for the original batch to commit', () => {
    const partition = leader();
    handleProduce(partition, request(-1, idempotent(0)), 0);
    const retry = handleProduce(partition, request(-1, idempotent(0)), 0);
    expect(retry).toMatchObject({ kind: 'wait', appended: undefined, delayed: { baseOffset: 0, requiredOffset: 1 } });
  });
});
