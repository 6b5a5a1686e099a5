import { describe, it, expect } from 'vitest';
import { PartitionLog, DEFAULT_LOG_CONFIG, type BatchInput, type LogConfig } from '../../sim/kafka/log.ts';
import { SimAssertionError } from '../../sim/core/assert.ts';

const SECOND_US = 1_000_000;

function batch(overrides: Partial<BatchInput<string>> = {}): BatchInput<string> {
  return {
    recordCount: 1,
    leaderEpoch: 0,
    producerId: -1,
    producerEpoch: -1,
    baseSequence: -1,
    sizeBytes: 100,
    appendTimeUs: 0,
    maxTimestampUs: 0,
    payload: 'p',
    ...overrides,
  };
}

function logWith(config: Partial<LogConfig>, sizes: readonly number[], timeStepUs = 0): PartitionLog<string> {
  const log = new PartitionLog<string>({ config });
  sizes.forEach((sizeBytes, i) =>
    log.append(batch({ sizeBytes, appendTimeUs: i * timeStepUs, maxTimestampUs: i * timeStepUs, payload: `b${i}` })),
  );
  return log;
}

const baseOffsets = (log: PartitionLog<string>): number[] => [...log.batches()].map((b) => b.baseOffset);
const segmentBases = (log: PartitionLog<string>): number[] => log.segmentInfos().map((s) => s.baseOffset);

describe('PartitionLog appends', () => {
  it('assigns contiguous offsets from the log end offset on the leader', () => {
    const log = new PartitionLog<string>();
    const stored = [3, 1, 5].map((recordCount) => log.append(batch({ recordCount })));
    expect(stored.map((b) => [b.baseOffset, b.lastOffset])).toEqual([[0, 2], [3, 3], [4, 8]]);
    expect(log.logEndOffset).toBe(9);
    expect(log.recordCount).toBe(9);
    expect(stored.map((b) => b.endBytePosition)).toEqual([100, 200, 300]);
  });

  it('keeps the leader offsets on a follower and refuses a batch that does not continue its log', () => {
    const leader = logWith({}, [100, 100, 100]);
    const follower = new PartitionLog<string>();
    const [first, second, third] = [...leader.batches()];
    follower.appendAsFollower(first!);
    expect(() => follower.appendAsFollower(third!)).toThrow(SimAssertionError);
    follower.appendAsFollower(second!, 77);
    expect(baseOffsets(follower)).toEqual([0, 1]);
    expect(follower.lastBatch?.appendTimeUs).toBe(77);
  });

  it('records every batch epoch in the epoch cache, at the epoch first offset', () => {
    const log = new PartitionLog<string>();
    for (const leaderEpoch of [0, 0, 1, 1, 3]) log.append(batch({ leaderEpoch, recordCount: 2 }));
    expect(log.epochCache.epochEntries()).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 1, startOffset: 4 },
      { epoch: 3, startOffset: 8 },
    ]);
    expect(log.endOffsetForEpoch(1)).toEqual({ leaderEpoch: 1, endOffset: 8 });
    expect(log.endOffsetForEpoch(3)).toEqual({ leaderEpoch: 3, endOffset: 10 });
  });

  it('refuses a batch larger than segment.bytes and stops at the batch cap', () => {
    expect(() => logWith({ segmentBytes: 500 }, [501])).toThrow(/segment.bytes/);
    const capped = new PartitionLog<string>({ maxBatches: 3 });
    for (let i = 0; i < 3; i++) capped.append(batch());
    expect(() => capped.append(batch())).toThrow(/more than 3 batches/);
  });
});

describe('PartitionLog segments', () => {
  it('rolls when the next batch would take the active segment past segment.bytes', () => {
    expect(segmentBases(logWith({ segmentBytes: 1000 }, [250, 250, 250, 250, 250]))).toEqual([0, 4]);
    expect(segmentBases(logWith({ segmentBytes: 1000 }, [300, 300, 300, 300]))).toEqual([0, 3]);
  });

  it('rolls when the batch is more than segment.ms younger than the segment first batch', () => {
    const log = new PartitionLog<string>({ config: { segmentMs: 1000 } });
    log.append(batch({ maxTimestampUs: 0 }));
    log.append(batch({ maxTimestampUs: SECOND_US }));
    expect(log.segmentCount).toBe(1);
    log.append(batch({ maxTimestampUs: SECOND_US + 1 }));
    expect(segmentBases(log)).toEqual([0, 2]);
  });

  it('never rolls an empty active segment, however old the log is', () => {
    const log = new PartitionLog<string>({ config: { segmentMs: 1 } });
    log.append(batch({ maxTimestampUs: 100 * SECOND_US }));
    expect(log.segmentCount).toBe(1);
  });

  it('indexes a batch after more than index.interval.bytes since the last entry', () => {
    const log = logWith({ indexIntervalBytes: 4096 }, new Array<number>(20).fill(1000));
    expect(log.segmentInfos()[0]?.indexEntryCount).toBe(3);
    const noIndex = logWith({ indexIntervalBytes: 1 << 30 }, new Array<number>(20).fill(1000));
    expect(noIndex.segmentInfos()[0]?.indexEntryCount).toBe(0);
  });

  it('finds the batch containing any offset across segments and index entries', () => {
    const log = new PartitionLog<string>({ config: { segmentBytes: 1000, indexIntervalBytes: 150 } });
    for (let i = 0; i < 40; i++) log.append(batch({ recordCount: 1 + (i % 3), payload: `b${i}` }));
    for (let offset = 0; offset < log.logEndOffset; offset++) {
      const found = log.batchContaining(offset);
      expect(found && found.baseOffset <= offset && offset <= found.lastOffset).toBe(true);
    }
    expect(log.batchContaining(log.logEndOffset)).toBeUndefined();
    expect(log.batchAt(2)).toBeUndefined();
    expect(log.batchAt(3)?.payload).toBe('b2');
  });
});

describe('PartitionLog.read', () => {
  const log = logWith({ segmentBytes: 1000 }, [300, 300, 300, 300, 300]);

  it('returns whole batches within maxBytes from the batch containing the offset', () => {
    expect(log.read(0, 650).batches.map((b) => b.baseOffset)).toEqual([0, 1]);
    expect(log.read(1, 600).sizeBytes).toBe(600);
  });

  it('returns one oversized batch rather than nothing, unless minOneBatch is off', () => {
    expect(log.read(0, 10).batches.map((b) => b.baseOffset)).toEqual([0]);
    expect(log.read(0, 10, log.logEndOffset, false).batches).toEqual([]);
  });

  it('stops at the end of the segment holding the fetch offset', () => {
    expect(log.read(1, 1 << 20).batches.map((b) => b.baseOffset)).toEqual([1, 2]);
    expect(log.read(3, 1 << 20).batches.map((b) => b.baseOffset)).toEqual([3, 4]);
  });

  it('returns only batches entirely below the offset bound (the HW for consumers)', () => {
    expect(log.read(0, 1 << 20, 2).batches.map((b) => b.baseOffset)).toEqual([0, 1]);
    expect(log.read(2, 1 << 20, 2).batches).toEqual([]);
  });

  it('returns nothing at the log end offset and refuses offsets outside the log', () => {
    expect(log.read(5, 1000).batches).toEqual([]);
    expect(() => log.read(6, 1000)).toThrow(SimAssertionError);
  });
});

describe('PartitionLog retention', () => {
  const hour = 3_600_000;

  it('deletes closed segments whose newest record is older than retention.ms', () => {
    const log = logWith({ segmentBytes: 250, retentionMs: hour }, [100, 100, 100, 100, 100], 1_000_000);
    const deleted = log.applyRetention(2 * 3600 * SECOND_US + 1, log.logEndOffset);
    expect(deleted.map((s) => [s.baseOffset, s.endOffset, s.reason])).toEqual([
      [0, 2, 'retention-ms'], [2, 4, 'retention-ms'], [4, 5, 'retention-ms'],
    ]);
    expect(log.logStartOffset).toBe(5);
    expect(log.batchCount).toBe(0);
    expect(log.segmentInfos()).toMatchObject([{ baseOffset: 5, batchCount: 0 }]);
  });

  it('deletes a segment only once its newest record is strictly older than retention.ms', () => {
    const log = logWith({ segmentBytes: 150, retentionMs: 1000 }, [100, 100]);
    expect(log.applyRetention(SECOND_US, log.logEndOffset)).toEqual([]);
    expect(log.applyRetention(SECOND_US + 1, log.logEndOffset).map((s) => s.baseOffset)).toEqual([0, 1]);
  });

  it('keeps a record far past retention.ms while a newer record shares its segment', () => {
    const log = new PartitionLog<string>({ config: { retentionMs: hour } });
    log.append(batch({ maxTimestampUs: 0, payload: 'old' }));
    log.append(batch({ maxTimestampUs: 10 * 3600 * SECOND_US, payload: 'new' }));
    expect(log.applyRetention(10 * 3600 * SECOND_US + 1, log.logEndOffset)).toEqual([]);
    expect(log.batchAt(0)?.payload).toBe('old');
  });

  it('deletes an expired active segment only after rolling, and only once the HW reaches the LEO', () => {
    const log = logWith({ retentionMs: hour }, [100, 100]);
    const later = 2 * 3600 * SECOND_US;
    expect(log.applyRetention(later, 1)).toEqual([]);
    expect(log.applyRetention(later, 2).map((s) => s.baseOffset)).toEqual([0]);
    expect(segmentBases(log)).toEqual([2]);
    expect(log.read(2, 1000).batches).toEqual([]);
    expect(log.append(batch()).baseOffset).toBe(2);
  });

  it('never deletes a segment that reaches the high watermark', () => {
    const log = logWith({ segmentBytes: 250, retentionMs: hour }, [100, 100, 100, 100, 100]);
    const deleted = log.applyRetention(10 * 3600 * SECOND_US, 3);
    expect(deleted.map((s) => s.baseOffset)).toEqual([0]);
    expect(log.logStartOffset).toBe(2);
  });

  it('deletes the oldest segments while the log exceeds retention.bytes by a whole segment', () => {
    const log = logWith({ segmentBytes: 250, retentionBytes: 250 }, [100, 100, 100, 100, 100]);
    const deleted = log.applyRetention(0, log.logEndOffset);
    expect(deleted.map((s) => [s.baseOffset, s.reason])).toEqual([[0, 'retention-bytes']]);
    expect(log.sizeBytes).toBe(300);
    expect(log.applyRetention(0, log.logEndOffset)).toEqual([]);
  });

  it('keeps everything with retention.ms and retention.bytes at -1', () => {
    const log = logWith({ segmentBytes: 250, retentionMs: -1, retentionBytes: -1 }, [100, 100, 100, 100]);
    expect(log.applyRetention(1e15, log.logEndOffset)).toEqual([]);
    expect(log.batchCount).toBe(4);
  });

  it('deletes segments wholly below an advanced log start offset, and trims the epoch cache', () => {
    const log = new PartitionLog<string>({ config: { segmentBytes: 250, retentionMs: -1 } });
    for (const leaderEpoch of [0, 0, 1, 1, 2]) log.append(batch({ leaderEpoch }));
    expect(log.advanceLogStartOffset(3)).toBe(true);
    expect(log.advanceLogStartOffset(2)).toBe(false);
    const deleted = log.applyRetention(0, log.logEndOffset);
    expect(deleted.map((s) => [s.baseOffset, s.reason])).toEqual([[0, 'log-start-offset']]);
    expect(log.firstBatch?.baseOffset).toBe(2);
    expect(log.epochCache.epochEntries()).toEqual([{ epoch: 1, startOffset: 3 }, { epoch: 2, startOffset: 4 }]);
    expect(() => log.read(2, 1000)).toThrow(SimAssertionError);
  });

  it('keeps lookups working after many old batches are deleted', () => {
    const log = new PartitionLog<string>({ config: { segmentBytes: 200, retentionBytes: 1000, indexIntervalBytes: 50 } });
    for (let i = 0; i < 500; i++) {
      log.append(batch({ payload: `b${i}` }));
      log.applyRetention(0, log.logEndOffset);
    }
    expect(log.logStartOffset).toBe(490);
    expect(log.batchAt(499)?.payload).toBe('b499');
    expect(log.read(490, 1 << 20).batches.map((b) => b.payload)).toEqual(['b490', 'b491']);
  });
});

describe('PartitionLog truncation and recovery', () => {
  it('truncateTo reports the removed batches and records, and continues from the new end', () => {
    const log = new PartitionLog<string>({ config: { segmentBytes: 250 } });
    for (let i = 0; i < 4; i++) log.append(batch({ recordCount: 2, payload: `b${i}`, leaderEpoch: i }));
    const result = log.truncateTo(4);
    expect(result.removedBatches.map((b) => b.payload)).toEqual(['b2', 'b3']);
    expect(result.removedRecordCount).toBe(4);
    expect(result.logEndOffset).toBe(4);
    expect(log.sizeBytes).toBe(200);
    expect(log.epochCache.latestEpoch).toBe(1);
    expect(log.append(batch()).baseOffset).toBe(4);
  });

  it('removes a batch straddling the truncation offset whole', () => {
    const log = new PartitionLog<string>();
    log.append(batch({ recordCount: 5 }));
    expect(log.truncateTo(3).logEndOffset).toBe(0);
    expect(log.batchCount).toBe(0);
  });

  it('truncating at or above the LEO removes nothing but an epoch assigned at the LEO', () => {
    const log = logWith({}, [100, 100]);
    log.epochCache.assign(5, 2);
    expect(log.truncateTo(7).removedBatches).toEqual([]);
    expect(log.epochCache.latestEpoch).toBe(0);
  });

  it('truncateFullyAndStartAt empties the log, its epochs, and restarts at the offset', () => {
    const log = logWith({}, [100, 100, 100]);
    const result = log.truncateFullyAndStartAt(40);
    expect(result.removedBatches).toHaveLength(3);
    expect([log.logStartOffset, log.logEndOffset, log.sizeBytes, log.epochCache.size]).toEqual([40, 40, 0, 0]);
    expect(log.append(batch()).baseOffset).toBe(40);
    expect(log.truncateTo(10).logEndOffset).toBe(10);
    expect(log.logStartOffset).toBe(10);
  });

  it('recoverTo keeps exactly the whole batches below the durable position', () => {
    const log = logWith({}, [100, 120, 80]);
    const result = log.recoverTo(250);
    expect(result.removedBatches.map((b) => b.payload)).toEqual(['b2']);
    expect(log.logEndOffset).toBe(2);
    expect(log.recoverTo(220).removedBatches).toEqual([]);
    expect(log.recoverTo(219).removedBatches.map((b) => b.payload)).toEqual(['b1']);
  });

  it('never reuses byte positions, so a batch written after a truncation is not durable early', () => {
    const log = logWith({}, [100, 100]);
    log.truncateTo(1);
    const rewritten = log.append(batch({ payload: 'c' }));
    expect(rewritten.endBytePosition).toBe(300);
    expect(log.recoverTo(200).removedBatches.map((b) => b.payload)).toEqual(['c']);
  });
});

describe('PartitionLog config', () => {
  it('starts from Kafka defaults and applies dynamic changes', () => {
    const log = new PartitionLog<string>();
    expect(log.config).toEqual(DEFAULT_LOG_CONFIG);
    log.setConfig({ retentionMs: 1000 });
    expect(log.config.retentionMs).toBe(1000);
    expect(() => log.setConfig({ segmentBytes: 0 })).toThrow(SimAssertionError);
  });
});
