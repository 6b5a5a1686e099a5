import { describe, it, expect } from 'vitest';
import { ProducerBatch } from '../../sim/clients/producer-batch.ts';
import { TransactionManager } from '../../sim/clients/transaction-manager.ts';
import { ErrorCode } from '../../sim/kafka/protocol.ts';

const PARTITION = { name: 'orders/0', topic: 'orders', partition: 0 };

function batchOf(records: number): ProducerBatch {
  const batch = new ProducerBatch(PARTITION, 0, 0, 0, 0, 16384, 'none');
  for (let i = 0; i < records; i++) batch.append(0, 109);
  return batch;
}

/** A ready idempotent producer (id 7, epoch 0) with `sizes` batches drained in order. */
function drained(sizes: readonly number[]): { txn: TransactionManager; batches: ProducerBatch[] } {
  const txn = new TransactionManager();
  expect(txn.prepare()).toEqual({ needsProducerId: true, bumpedEpoch: false });
  txn.setProducerIdAndEpoch(7, 0);
  const batches = sizes.map((size) => {
    const batch = batchOf(size);
    expect(txn.shouldStopDrain(batch)).toBe(false);
    txn.assignSequence(batch);
    return batch;
  });
  return { txn, batches };
}

describe('idempotent producer bookkeeping (TransactionManager)', () => {
  it('asks for a producer id once, and drains nothing until it has one', () => {
    const txn = new TransactionManager();
    expect(txn.shouldStopDrain(batchOf(1))).toBe(true);
    expect(txn.prepare().needsProducerId).toBe(true);
    expect(txn.prepare().needsProducerId).toBe(false);
    txn.setProducerIdAndEpoch(3, 0);
    expect(txn.shouldStopDrain(batchOf(1))).toBe(false);
  });

  it('numbers batches by record from sequence 0', () => {
    const { batches } = drained([3, 2, 4]);
    expect(batches.map((b) => [b.producerId, b.producerEpoch, b.baseSequence])).toEqual([
      [7, 0, 0],
      [7, 0, 3],
      [7, 0, 5],
    ]);
  });

  it('lets a retried batch go only when it is the lowest sequence in flight', () => {
    const { txn, batches } = drained([1, 1, 1]);
    const [first, second] = batches as [ProducerBatch, ProducerBatch];
    expect(txn.shouldStopDrain(second)).toBe(true);
    expect(txn.shouldStopDrain(first)).toBe(false);
    txn.handleCompletedBatch(first);
    expect(txn.shouldStopDrain(second)).toBe(false);
  });

  it('retries OUT_OF_ORDER_SEQUENCE_NUMBER without a bump when an earlier batch is still unacknowledged', () => {
    const { txn, batches } = drained([1, 1]);
    expect(txn.canRetry(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, batches[1] as ProducerBatch)).toBe(true);
    expect(txn.prepare().bumpedEpoch).toBe(false);
  });

  it('bumps the epoch for a real sequence gap and renumbers the partition from 0 (KIP-360)', () => {
    const { txn, batches } = drained([2, 3, 4]);
    const [first, second, third] = batches as [ProducerBatch, ProducerBatch, ProducerBatch];
    txn.handleCompletedBatch(first);
    expect(txn.canRetry(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, second)).toBe(true);
    expect(txn.prepare()).toEqual({ needsProducerId: false, bumpedEpoch: true });
    expect([second, third].map((b) => [b.producerEpoch, b.baseSequence, b.sequenceReset])).toEqual([
      [1, 0, true],
      [1, 3, true],
    ]);
    const next = batchOf(1);
    txn.assignSequence(next);
    expect([next.producerEpoch, next.baseSequence]).toEqual([1, 7]);
  });

  it('holds new batches while an expired, retried batch leaves the sequence unresolved', () => {
    const { txn, batches } = drained([1, 1]);
    const [first, second] = batches as [ProducerBatch, ProducerBatch];
    first.retry = true;
    txn.handleFailedBatch(first, 'DELIVERY_TIMEOUT', false);
    txn.markSequenceUnresolved(first);
    const fresh = batchOf(1);
    expect(txn.shouldStopDrain(fresh)).toBe(true);
    // The later batch succeeds: the expired one must have been written, so all is resolved.
    txn.handleCompletedBatch(second);
    expect(txn.prepare().bumpedEpoch).toBe(false);
    expect(txn.shouldStopDrain(fresh)).toBe(false);
  });

  it('bumps the epoch when the unresolved batches all expired without a trace', () => {
    const { txn, batches } = drained([1]);
    const [only] = batches as [ProducerBatch];
    txn.handleFailedBatch(only, 'DELIVERY_TIMEOUT', false);
    txn.markSequenceUnresolved(only);
    expect(txn.prepare().bumpedEpoch).toBe(true);
    const next = batchOf(1);
    txn.assignSequence(next);
    expect([next.producerEpoch, next.baseSequence]).toEqual([1, 0]);
  });

  it('treats retriable errors as retriable and others as final', () => {
    const { txn, batches } = drained([1]);
    expect(txn.canRetry(ErrorCode.NOT_LEADER_OR_FOLLOWER, batches[0] as ProducerBatch)).toBe(true);
    expect(txn.canRetry('NETWORK_EXCEPTION', batches[0] as ProducerBatch)).toBe(true);
    expect(txn.canRetry(ErrorCode.INVALID_PRODUCER_EPOCH, batches[0] as ProducerBatch)).toBe(false);
  });
});
