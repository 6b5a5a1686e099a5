import { describe, it, expect } from 'vitest';
import { ClusterWorld } from './cluster-builder.ts';
import { brokerNodeId } from '../../sim/kafka/broker-config.ts';
import type { FetchRequest, FetchResponse, ProduceRequest } from '../../sim/kafka/protocol.ts';

function producePart(partition: string, part: number, parts: number, nowUs: number): ProduceRequest {
  return {
    type: 'produce',
    correlationId: 100,
    acks: 1,
    timeoutMs: 30_000,
    partition,
    part,
    parts,
    batch: { baseOffset: -1, recordCount: 10, leaderEpoch: -1, producerId: -1, producerEpoch: -1, baseSequence: -1, sizeBytes: 1_000, createTimeUs: nowUs, payload: { kind: 'records', producer: 'p', firstRecord: part * 10, count: 10 } },
  };
}

describe('completing what waits on a produce request (ReplicaManager ActionQueue)', () => {
  it('wakes a fetch waiting on two partitions only after the request appended both, so one response carries both', () => {
    const world = ClusterWorld.build({ brokers: 1 });
    world.runFor('3s');
    world.createTopic({ name: 't', partitions: 2, replicationFactor: 1, assignment: [[1], [1]] });
    world.runFor('1s');
    const reader = world.probe('reader');
    const fetch: FetchRequest = {
      type: 'fetch',
      correlationId: 7,
      replicaId: -1,
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 1_048_576,
      partitions: ['t/0', 't/1'].map((partition) => ({ partition, fetchOffset: 0, currentLeaderEpoch: -1, lastFetchedEpoch: -1, maxBytes: 1_048_576 })),
    };
    reader.send(brokerNodeId(1), fetch);
    world.runFor('10ms');
    expect(reader.response(7)).toBeUndefined();
    const writer = world.probe('writer');
    writer.send(brokerNodeId(1), producePart('t/0', 0, 2, world.nowUs), 1_064);
    writer.send(brokerNodeId(1), producePart('t/1', 1, 2, world.nowUs), 1_064);
    world.runFor('10ms');
    const response = reader.response<FetchResponse>(7);
    expect(response?.partitions.map((entry) => [entry.partition, entry.batches.length])).toEqual([
      ['t/0', 1],
      ['t/1', 1],
    ]);
  });
});
