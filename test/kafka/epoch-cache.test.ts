import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  LeaderEpochCache,
  UNDEFINED_EPOCH,
  UNDEFINED_EPOCH_OFFSET,
  type EpochEntry,
} from '../../sim/kafka/epoch-cache.ts';
import { SimAssertionError } from '../../sim/core/assert.ts';

function cacheOf(entries: readonly (readonly [number, number])[]): LeaderEpochCache {
  const cache = new LeaderEpochCache();
  for (const [epoch, startOffset] of entries) cache.assign(epoch, startOffset);
  return cache;
}

const pairs = (cache: LeaderEpochCache): [number, number][] =>
  cache.epochEntries().map((entry) => [entry.epoch, entry.startOffset]);

const UNDEFINED = { leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };

describe('LeaderEpochCache.endOffsetFor (OffsetsForLeaderEpoch since KIP-279)', () => {
  const cache = cacheOf([[0, 0], [1, 5], [3, 9]]);
  const logEndOffset = 12;

  it('answers an epoch with the start offset of the next known epoch', () => {
    expect(cache.endOffsetFor(0, logEndOffset)).toEqual({ leaderEpoch: 0, endOffset: 5 });
    expect(cache.endOffsetFor(1, logEndOffset)).toEqual({ leaderEpoch: 1, endOffset: 9 });
  });

  it('answers an epoch the leader never had with the largest epoch below it', () => {
    expect(cache.endOffsetFor(2, logEndOffset)).toEqual({ leaderEpoch: 1, endOffset: 9 });
  });

  it('answers the latest epoch with the log end offset', () => {
    expect(cache.endOffsetFor(3, logEndOffset)).toEqual({ leaderEpoch: 3, endOffset: 12 });
  });

  it('answers an epoch above the latest, or the undefined epoch, with UNDEFINED', () => {
    expect(cache.endOffsetFor(4, logEndOffset)).toEqual(UNDEFINED);
    expect(cache.endOffsetFor(UNDEFINED_EPOCH, logEndOffset)).toEqual(UNDEFINED);
    expect(new LeaderEpochCache().endOffsetFor(0, 0)).toEqual(UNDEFINED);
  });

  it('answers an epoch below the first known one with the first start offset', () => {
    const trimmed = cacheOf([[2, 10], [4, 20]]);
    expect(trimmed.endOffsetFor(1, 25)).toEqual({ leaderEpoch: 1, endOffset: 10 });
  });
});

describe('LeaderEpochCache.endOffsetForKip101 (Kafka 1.0, offset only)', () => {
  const cache = cacheOf([[0, 0], [1, 5], [3, 9]]);

  it('gives the same offsets as KIP-279 for known epochs and gaps', () => {
    expect([0, 1, 2, 3].map((epoch) => cache.endOffsetForKip101(epoch, 12))).toEqual([5, 9, 9, 12]);
  });

  it('is UNDEFINED above the latest epoch and below the first, where the follower uses its HW', () => {
    expect(cache.endOffsetForKip101(4, 12)).toBe(UNDEFINED_EPOCH_OFFSET);
    expect(cacheOf([[2, 10], [4, 20]]).endOffsetForKip101(1, 25)).toBe(UNDEFINED_EPOCH_OFFSET);
  });
});

describe('KAFKA-6361: a follower with an epoch the leader never had', () => {
  // Leader: epoch 0 wrote offsets 0-4, then epoch 2 from 5. Follower: epoch 0 wrote 0-2, then it
  // led epoch 1 alone and wrote 3-7, which the leader never saw.
  const leader = cacheOf([[0, 0], [2, 5]]);
  const follower = cacheOf([[0, 0], [1, 3]]);

  it('KIP-101 truncates to the next epoch start and keeps divergent offsets 3 and 4', () => {
    expect(leader.endOffsetForKip101(follower.latestEpoch, 9)).toBe(5);
  });

  it('KIP-279 walks back to the largest common epoch and truncates to offset 3', () => {
    const answer = leader.endOffsetFor(follower.latestEpoch, 9);
    expect(answer).toEqual({ leaderEpoch: 0, endOffset: 5 });
    const own = follower.endOffsetFor(answer.leaderEpoch, 8);
    expect(Math.min(answer.endOffset, own.endOffset)).toBe(3);
  });
});

describe('LeaderEpochCache.assign', () => {
  it('ignores the same epoch at a later offset, so every batch of an epoch can call it', () => {
    const cache = cacheOf([[0, 0], [1, 5]]);
    expect(cache.assign(1, 7)).toBe(false);
    expect(pairs(cache)).toEqual([[0, 0], [1, 5]]);
  });

  it('moves the latest epoch back when it is assigned at an earlier offset', () => {
    const cache = cacheOf([[0, 0], [1, 5]]);
    expect(cache.assign(1, 3)).toBe(true);
    expect(pairs(cache)).toEqual([[0, 0], [1, 3]]);
  });

  it('removes trailing entries that start at or after a new epoch', () => {
    const cache = cacheOf([[0, 0], [1, 5], [3, 9]]);
    cache.assign(4, 7);
    expect(pairs(cache)).toEqual([[0, 0], [1, 5], [4, 7]]);
  });

  it('removes trailing entries with a larger epoch when an older epoch is assigned later', () => {
    const cache = cacheOf([[0, 0], [3, 9]]);
    cache.assign(2, 12);
    expect(pairs(cache)).toEqual([[0, 0], [2, 12]]);
    expect(cache.latestEpoch).toBe(2);
  });

  it('rejects a negative epoch or offset as a simulator bug', () => {
    expect(() => new LeaderEpochCache().assign(-1, 0)).toThrow(SimAssertionError);
    expect(() => new LeaderEpochCache().assign(0, -3)).toThrow(SimAssertionError);
  });
});

describe('LeaderEpochCache truncation', () => {
  it('truncateFromEnd removes entries starting at or after the new log end', () => {
    const cache = cacheOf([[0, 0], [1, 5], [3, 9]]);
    expect(cache.truncateFromEnd(10)).toEqual([]);
    expect(cache.truncateFromEnd(5)).toEqual([{ epoch: 1, startOffset: 5 }, { epoch: 3, startOffset: 9 }]);
    expect(pairs(cache)).toEqual([[0, 0]]);
  });

  it('truncateFromStart keeps the epoch that covers the new start, moved up to it', () => {
    expect(pairs(withStart(7))).toEqual([[1, 7], [3, 9]]);
    expect(pairs(withStart(5))).toEqual([[1, 5], [3, 9]]);
    expect(pairs(withStart(3))).toEqual([[0, 3], [1, 5], [3, 9]]);
    expect(pairs(withStart(20))).toEqual([[3, 20]]);
  });

  it('clear empties the cache and the latest epoch becomes undefined', () => {
    const cache = cacheOf([[0, 0], [1, 5]]);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.latestEpoch).toBe(UNDEFINED_EPOCH);
    expect(cache.latestEntry).toBeUndefined();
  });
});

function withStart(startOffset: number): LeaderEpochCache {
  const cache = cacheOf([[0, 0], [1, 5], [3, 9]]);
  cache.truncateFromStart(startOffset);
  return cache;
}

/** Brute force over the entry list: Kafka's floorEntry/higherEntry reading of endOffsetFor. */
function referenceEndOffset(entries: readonly EpochEntry[], requested: number, logEndOffset: number) {
  const latest = entries[entries.length - 1];
  if (requested === UNDEFINED_EPOCH) return UNDEFINED;
  if (latest !== undefined && latest.epoch === requested) return { leaderEpoch: requested, endOffset: logEndOffset };
  const higher = entries.find((entry) => entry.epoch > requested);
  if (higher === undefined) return UNDEFINED;
  const floor = entries.filter((entry) => entry.epoch <= requested).pop();
  return { leaderEpoch: floor === undefined ? requested : floor.epoch, endOffset: higher.startOffset };
}

const operation = fc.oneof(
  fc.record({ kind: fc.constant('assign' as const), epoch: fc.nat(12), offset: fc.nat(60) }),
  fc.record({ kind: fc.constant('fromEnd' as const), offset: fc.nat(60) }),
  fc.record({ kind: fc.constant('fromStart' as const), offset: fc.nat(60) }),
);

describe('LeaderEpochCache properties', () => {
  it('stays strictly increasing in epoch and offset, and answers as the brute-force reference', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 40 }), fc.integer({ min: -1, max: 14 }), (ops, requested) => {
        const cache = new LeaderEpochCache();
        for (const op of ops) {
          if (op.kind === 'assign') cache.assign(op.epoch, op.offset);
          else if (op.kind === 'fromEnd') cache.truncateFromEnd(op.offset);
          else cache.truncateFromStart(op.offset);
          const entries = cache.epochEntries();
          for (let i = 1; i < entries.length; i++) {
            expect(entries[i]!.epoch).toBeGreaterThan(entries[i - 1]!.epoch);
            expect(entries[i]!.startOffset).toBeGreaterThan(entries[i - 1]!.startOffset);
          }
        }
        const logEndOffset = 61;
        expect(cache.endOffsetFor(requested, logEndOffset)).toEqual(
          referenceEndOffset(cache.epochEntries(), requested, logEndOffset),
        );
      }),
    );
  });

  it('ends with the assigned entry after any assign that changes the cache', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(8), fc.nat(40)), { maxLength: 30 }), (assignments) => {
        const cache = new LeaderEpochCache();
        for (const [epoch, offset] of assignments) {
          if (cache.assign(epoch, offset)) expect(cache.latestEntry).toEqual({ epoch, startOffset: offset });
        }
      }),
    );
  });
});
