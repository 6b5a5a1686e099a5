import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { RecordAccumulator, type AppendRecord } from '../../sim/clients/accumulator.ts';
import { ProducerHistory } from '../../sim/clients/history.ts';
import { CompressionRatioEstimator, recordSizeBytes, varintSizeBytes } from '../../sim/clients/producer-batch.ts';
import { producerConfig, producerSettings, type ProducerConfig } from '../../sim/clients/producer-config.ts';
import { ProducerMetadata, type PartitionRef } from '../../sim/clients/producer-metadata.ts';
import { ErrorCode } from '../../sim/kafka/protocol.ts';

const RECORD: AppendRecord = { keyBytes: -1, valueBytes: 100, keyIndex: -1, invokeUs: 0 };
const P0: PartitionRef = { name: 'orders/0', topic: 'orders', partition: 0 };
const P1: PartitionRef = { name: 'orders/1', topic: 'orders', partition: 1 };

function accumulator(config: Partial<ProducerConfig> = {}): RecordAccumulator {
  return new RecordAccumulator(producerSettings(producerConfig(config)), new ProducerHistory('p1'));
}

/** Metadata where broker 1 leads both partitions of `orders`. */
function metadata(): ProducerMetadata {
  const cache = new ProducerMetadata(300_000_000, 100_000, (id) => `broker-${id}`);
  cache.addTopic('orders');
  const partition = (p: number) => ({ partition: p, error: ErrorCode.NONE, leader: 1, leaderEpoch: 0, replicas: [1], isr: [1] });
  cache.update({ type: 'metadata-response', correlationId: 0, brokers: [{ id: 1, rack: 'r1' }], controllerId: 1, topics: [{ name: 'orders', error: ErrorCode.NONE, partitions: [partition(0), partition(1)] }] }, 0);
  return cache;
}

/** Metadata where broker 1 leads the even partitions of `orders` and broker 2 the odd ones. */
function metadataOf(count: number): ProducerMetadata {
  const cache = new ProducerMetadata(300_000_000, 100_000, (id) => `broker-${id}`);
  cache.addTopic('orders');
  const partitions = [...Array(count).keys()].map((p) => ({ partition: p, error: ErrorCode.NONE, leader: 1 + (p % 2), leaderEpoch: 0, replicas: [1 + (p % 2)], isr: [1 + (p % 2)] }));
  const brokers = [{ id: 1, rack: 'r1' }, { id: 2, rack: 'r1' }];
  cache.update({ type: 'metadata-response', correlationId: 0, brokers, controllerId: 1, topics: [{ name: 'orders', error: ErrorCode.NONE, partitions }] }, 0);
  return cache;
}

/** The i-th append's batch as (its record's index in its partition) + 1000 × partition. */
function firstRecordOf(id: number, operations: readonly ({ append: number } | { drain: true })[], count: number): number {
  const appends = operations.flatMap((op) => ('append' in op ? [op.append % count] : []));
  const partition = appends[id]!;
  return appends.slice(0, id).filter((p) => p === partition).length + 1000 * partition;
}

describe('record and batch sizes (v2 format)', () => {
  it('sizes varints as Kafka zig-zag encodes them', () => {
    expect([0, 63, 64, 8191, 8192, -1].map(varintSizeBytes)).toEqual([1, 1, 2, 2, 3, 1]);
  });

  it('sizes a record as DefaultRecord.sizeInBytes does', () => {
    // attributes 1, timestamp delta 1, offset delta 1, null key 1, value length 2 + 100, headers 1.
    expect(recordSizeBytes(0, 0, -1, 100)).toBe(109);
    expect(recordSizeBytes(0, 0, 5, 100)).toBe(114);
    expect(recordSizeBytes(64, 0, -1, 100)).toBe(110);
  });

  it('fills a batch up to batch.size: the header plus records, and the next record starts another', () => {
    const fresh = accumulator();
    let records = 0;
    let result = fresh.append(P0, RECORD, 0, false);
    while (result.kind === 'appended' && !result.batchIsFull) {
      records++;
      result = fresh.append(P0, RECORD, 0, false);
    }
    const [full] = fresh.takeAll();
    expect(full?.sizeBytes).toBeLessThanOrEqual(16384);
    expect((full?.sizeBytes as number) + 110).toBeGreaterThan(16384);
    expect(full?.recordCount).toBe(records);
  });

  it('learns the compression ratio as CompressionRatioEstimator does: 0.005 better per batch, at least 0.05 worse', () => {
    const estimator = new CompressionRatioEstimator();
    expect(estimator.estimate('t')).toBe(1);
    for (let i = 0; i < 10; i++) estimator.update('t', 0.4);
    expect(estimator.estimate('t')).toBeCloseTo(0.95, 10);
    estimator.update('t', 0.96);
    expect(estimator.estimate('t')).toBeCloseTo(1.0, 10);
    estimator.update('t', 1.5);
    expect(estimator.estimate('t')).toBe(1.5);
  });

  it('writes compressed batches smaller by the codec ratio', () => {
    const none = accumulator();
    const gzip = accumulator({ 'compression.type': 'gzip' });
    for (let i = 0; i < 10; i++) {
      none.append(P0, RECORD, 0, false);
      gzip.append(P0, RECORD, 0, false);
    }
    const [plain] = none.takeAll();
    const [compressed] = gzip.takeAll();
    expect(compressed?.sizeBytes).toBe(61 + Math.ceil(((plain?.sizeBytes as number) - 61) / 2.743));
  });
});

describe('buffer.memory', () => {
  it('takes batch.size per batch and asks the caller to wait when it is spent', () => {
    const acc = accumulator({ 'buffer.memory': 2 * 16384 });
    expect(acc.append(P0, RECORD, 0, false)).toMatchObject({ kind: 'appended', newBatchCreated: true });
    expect(acc.append(P1, RECORD, 0, false)).toMatchObject({ kind: 'appended', newBatchCreated: true });
    expect(acc.bufferAvailableBytes).toBe(0);
    expect(acc.append(P0, RECORD, 0, false)).toMatchObject({ kind: 'appended', newBatchCreated: false });
    const [first] = acc.takeAll();
    expect(acc.append(P0, { ...RECORD }, 0, true)).toEqual({ kind: 'abort-for-new-batch' });
    expect(acc.append(P0, RECORD, 0, false)).toEqual({ kind: 'needs-memory' });
    acc.deallocate(first as NonNullable<typeof first>);
    expect(acc.append(P0, RECORD, 0, false)).toMatchObject({ kind: 'appended', newBatchCreated: true });
  });
});

describe('ready and drain', () => {
  it('holds a batch for linger.ms, sends a full one at once, and one in retry backoff not at all', () => {
    const acc = accumulator({ 'linger.ms': 5 });
    const cache = metadata();
    acc.append(P0, RECORD, 0, false);
    expect(acc.ready(cache, 1000)).toMatchObject({ nextReadyCheckDelayUs: 4000 });
    expect([...acc.ready(cache, 1000).readyNodes]).toEqual([]);
    expect([...acc.ready(cache, 5000).readyNodes]).toEqual([1]);
    const [batch] = acc.drain(cache, [1], 5000, null).get(1) ?? [];
    expect(batch?.closed).toBe(true);
    acc.reenqueue(batch as NonNullable<typeof batch>, 6000, false);
    expect([...acc.ready(cache, 6050).readyNodes]).toEqual([]);
    expect(acc.ready(cache, 6050).nextReadyCheckDelayUs).toBe(100_000 - 50);
    expect([...acc.ready(cache, 106_000).readyNodes]).toEqual([1]);
  });

  it('drains one batch per partition of the broker, round robin from where it stopped', () => {
    const acc = accumulator({ 'batch.size': 200 });
    const cache = metadata();
    for (let i = 0; i < 3; i++) {
      acc.append(P0, RECORD, 0, false);
      acc.append(P1, RECORD, 0, false);
    }
    const first = acc.drain(cache, [1], 0, null).get(1) ?? [];
    expect(first.map((b) => b.partition)).toEqual(['orders/0', 'orders/1']);
    const second = acc.drain(cache, [1], 0, null).get(1) ?? [];
    expect(second.map((b) => b.partition)).toEqual(['orders/1', 'orders/0']);
  });

  it('drains in Kafka\'s turn order and keeps its drainIndex, however few or many partitions hold batches', () => {
    // One record per batch (batch.size 200), three batches per request (max.request.size 520):
    // the reference below is drainBatchesForOneNode walking every partition of the node.
    const operation = fc.oneof(fc.record({ append: fc.nat(63) }), fc.constant({ drain: true as const }));
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 64 }), fc.array(operation, { maxLength: 120 }), (count, operations) => {
        const acc = accumulator({ 'batch.size': 200, 'max.request.size': 520 });
        const cache = metadataOf(count);
        const deques: number[][] = Array.from({ length: count }, () => []);
        const drainIndex = new Map<number, number>();
        let next = 0;
        for (const op of operations) {
          if ('append' in op) {
            const p = op.append % count;
            expect(acc.append({ name: `orders/${p}`, topic: 'orders', partition: p }, RECORD, 0, false)).toMatchObject({ newBatchCreated: true });
            deques[p]!.push(next++);
            continue;
          }
          const drained = acc.drain(cache, [1, 2], 0, null);
          for (const node of [1, 2]) {
            const parts = [...Array(count).keys()].filter((p) => p % 2 === node - 1);
            const expected: number[] = [];
            let index = (drainIndex.get(node) ?? 0) % parts.length;
            const start = index;
            do {
              drainIndex.set(node, index);
              const deque = deques[parts[index]!]!;
              index = (index + 1) % parts.length;
              if (deque.length === 0) continue;
              if (expected.length === 3) break;
              expected.push(deque.shift()!);
            } while (index !== start);
            expect((drained.get(node) ?? []).map((batch) => batch.firstRecord + 1000 * batch.partitionNumber)).toEqual(
              expected.map((id) => firstRecordOf(id, operations, count)),
            );
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('puts a retried batch back first without idempotence, and in sequence order with it', () => {
    const acc = accumulator({ 'batch.size': 200, 'linger.ms': 0 });
    const cache = metadata();
    for (let i = 0; i < 3; i++) acc.append(P0, RECORD, 0, false);
    const drained = [0, 1, 2].map(() => (acc.drain(cache, [1], 0, null).get(1) ?? [])[0]);
    drained.forEach((batch, i) => batch?.setProducerState(7, 0, i));
    for (const batch of drained) acc.reenqueue(batch as NonNullable<typeof batch>, 10, false);
    expect(acc.takeAll().map((b) => b.firstRecord)).toEqual([2, 1, 0]);
    for (const batch of drained) acc.reenqueue(batch as NonNullable<typeof batch>, 10, true);
    expect(acc.takeAll().map((b) => b.firstRecord)).toEqual([0, 1, 2]);
  });
});
