import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ErrorCode } from '../../sim/kafka/protocol.ts';
import {
  BATCHES_TO_RETAIN,
  ProducerStateManager,
  incrementSequence,
  isNextSequence,
  type AppendedProducerBatch,
} from '../../sim/kafka/producer-state.ts';

const INT_MAX = 2_147_483_647;

/** Appends batches of `counts` records for producer 7, epoch 0, in sequence, from offset 0. */
function stateWith(counts: readonly number[], producerEpoch = 0): { state: ProducerStateManager; batches: AppendedProducerBatch[] } {
  const state = new ProducerStateManager();
  const batches: AppendedProducerBatch[] = [];
  let sequence = 0;
  let offset = 0;
  for (const recordCount of counts) {
    const batch = { producerId: 7, producerEpoch, baseSequence: sequence, recordCount, baseOffset: offset, lastOffset: offset + recordCount - 1 };
    state.update(batch);
    batches.push(batch);
    sequence += recordCount;
    offset += recordCount;
  }
  return { state, batches };
}

describe('ProducerStateManager.check (KIP-98 idempotence)', () => {
  it('lets a non-idempotent batch through without looking', () => {
    const { state } = stateWith([1]);
    expect(state.check({ producerId: -1, producerEpoch: -1, baseSequence: -1, recordCount: 3 })).toEqual({ kind: 'append' });
  });

  it('accepts the next sequence and answers a retried batch with the original offsets', () => {
    const { state } = stateWith([2, 3]);
    expect(state.check({ producerId: 7, producerEpoch: 0, baseSequence: 5, recordCount: 1 })).toEqual({ kind: 'append' });
    expect(state.check({ producerId: 7, producerEpoch: 0, baseSequence: 2, recordCount: 3 })).toEqual({
      kind: 'duplicate',
      original: { baseSequence: 2, lastSequence: 4, baseOffset: 2, lastOffset: 4 },
    });
  });

  it('remembers only the last five batches: an older retry is out of order', () => {
    const { state } = stateWith([1, 1, 1, 1, 1, 1]);
    expect(state.entry(7)?.batches).toHaveLength(BATCHES_TO_RETAIN);
    expect(state.check({ producerId: 7, producerEpoch: 0, baseSequence: 1, recordCount: 1 }).kind).toBe('duplicate');
    expect(state.check({ producerId: 7, producerEpoch: 0, baseSequence: 0, recordCount: 1 }))
      .toMatchObject({ kind: 'rejected', error: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
  });

  it('rejects a gap and a partial overlap as out of order', () => {
    const { state } = stateWith([2]);
    expect(state.check({ producerId: 7, producerEpoch: 0, baseSequence: 3, recordCount: 1 }))
      .toMatchObject({ kind: 'rejected', error: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    expect(state.check({ producerId: 7, producerEpoch: 0, baseSequence: 1, recordCount: 2 }))
      .toMatchObject({ kind: 'rejected', error: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
  });

  it('fences an older producer epoch and requires a new epoch to start at sequence 0', () => {
    const { state } = stateWith([1], 3);
    expect(state.check({ producerId: 7, producerEpoch: 2, baseSequence: 1, recordCount: 1 }))
      .toMatchObject({ kind: 'rejected', error: ErrorCode.INVALID_PRODUCER_EPOCH });
    expect(state.check({ producerId: 7, producerEpoch: 4, baseSequence: 5, recordCount: 1 }))
      .toMatchObject({ kind: 'rejected', error: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    expect(state.check({ producerId: 7, producerEpoch: 4, baseSequence: 0, recordCount: 1 })).toEqual({ kind: 'append' });
  });

  it('accepts any first sequence from a producer it does not know (KIP-360)', () => {
    expect(new ProducerStateManager().check({ producerId: 9, producerEpoch: 0, baseSequence: 40, recordCount: 1 }))
      .toEqual({ kind: 'append' });
  });

  it('clears the retained batches when the producer epoch changes', () => {
    const { state } = stateWith([1, 1]);
    state.update({ producerId: 7, producerEpoch: 1, baseSequence: 0, recordCount: 1, baseOffset: 2, lastOffset: 2 });
    expect(state.entry(7)).toEqual({
      producerId: 7,
      producerEpoch: 1,
      batches: [{ baseSequence: 0, lastSequence: 0, baseOffset: 2, lastOffset: 2 }],
    });
  });

  it('rebuilds exactly the state of the batches left after a truncation', () => {
    const { state, batches } = stateWith([1, 2, 1]);
    state.rebuild(batches.slice(0, 2));
    expect(state.check({ producerId: 7, producerEpoch: 0, baseSequence: 3, recordCount: 1 })).toEqual({ kind: 'append' });
    expect(state.check({ producerId: 7, producerEpoch: 0, baseSequence: 1, recordCount: 2 }).kind).toBe('duplicate');
  });
});

describe('sequence arithmetic (DefaultRecordBatch)', () => {
  it('wraps after Int.MAX_VALUE', () => {
    expect(incrementSequence(INT_MAX, 1)).toBe(0);
    expect(incrementSequence(INT_MAX - 1, 3)).toBe(1);
    expect(isNextSequence(INT_MAX, 0)).toBe(true);
    expect(isNextSequence(4, 6)).toBe(false);
  });

  it('finds every one of the last five batches as a duplicate, whatever their sizes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 12 }), (counts) => {
        const { state, batches } = stateWith(counts);
        batches.forEach((batch, i) => {
          const kind = state.check(batch).kind;
          expect(kind).toBe(i >= batches.length - BATCHES_TO_RETAIN ? 'duplicate' : 'rejected');
        });
      }),
    );
  });
});
