import { describe, it, expect } from 'vitest';
import { ClusterWorld } from './cluster-builder.ts';
import { brokerNodeId } from '../../sim/kafka/broker-config.ts';
import type { FetchRequest, FetchResponse, ProduceRequest, ProduceResponse } from '../../sim/kafka/protocol.ts';

function produceRequest(partitions: readonly string[], nowUs: number): ProduceRequest {
  return {
    type: 'produce',
    correlationId: 100,
    acks: 1,
    timeoutMs: 30_000,
    partitions: partitions.map((partition, index) => ({
      partition,
      batch: { baseOffset: -1, recordCount: 10, leaderEpoch: -1, producerId: -1, producerEpoch: -1, baseSequence: -1, sizeBytes: 1_000, createTimeUs: nowUs, payload: { kind: 'records', producer: 'p', firstRecord: index * 10, count: 10 } },
    })),
  };
}

/** One broker leading both partitions of topic t (one replica each). */
function oneBrokerTwoPartitions(): ClusterWorld {
  const world = ClusterWorld.build({ brokers: 1 });
  world.runFor('3s');
  world.createTopic({ name: 't', partitions: 2, replicationFactor: 1, assignment: [[1], [1]] });
  world.runFor('1s');
  return world;
}

describe('completing what waits on a produce request (ReplicaManager ActionQueue)', () => {
  it('wakes a fetch waiting on two partitions only after the request appended both, so one response carries both', () => {
    const world = oneBrokerTwoPartitions();
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
    writer.send(brokerNodeId(1), produceRequest(['t/0', 't/1'], world.nowUs), 2_128);
    world.runFor('10ms');
    const response = reader.response<FetchResponse>(7);
    expect(response?.partitions.map((entry) => [entry.partition, entry.batches.length])).toEqual([
      ['t/0', 1],
      ['t/1', 1],
    ]);
  });

  it('answers a request for two partitions with one response, in the request\'s order', () => {
    const world = oneBrokerTwoPartitions();
    const writer = world.probe('writer');
    writer.send(brokerNodeId(1), produceRequest(['t/1', 't/0'], world.nowUs), 2_128);
    world.runFor('10ms');
    const response = writer.response<ProduceResponse>(100);
    expect(response?.partitions.map((answer) => [answer.partition, answer.error, answer.baseOffset])).toEqual([
      ['t/1', 'NONE', 0],
      ['t/0', 'NONE', 0],
    ]);
  });

  it('holds the whole response until its slowest partition is replicated (acks=all)', () => {
    const world = ClusterWorld.build({ brokers: 2 });
    world.runFor('3s');
    world.createTopic({ name: 'a', partitions: 1, replicationFactor: 2, assignment: [[1, 2]] });
    world.createTopic({ name: 'b', partitions: 1, replicationFactor: 1, assignment: [[1]] });
    world.runFor('2s');
    const writer = world.probe('writer');
    const request = { ...produceRequest(['a/0', 'b/0'], world.nowUs), acks: -1 as const };
    world.broker(2).pause('300ms');
    writer.send(brokerNodeId(1), request, 2_128);
    world.runFor('200ms');
    // b/0 (one replica) is settled at once; a/0 waits for broker 2, and so does the response.
    expect(writer.response(100)).toBeUndefined();
    world.runFor('300ms');
    const response = writer.response<ProduceResponse>(100);
    expect(response?.partitions.map((answer) => [answer.partition, answer.error])).toEqual([
      ['a/0', 'NONE'],
      ['b/0', 'NONE'],
    ]);
  });
});
