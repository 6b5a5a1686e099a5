import { describe, it, expect } from 'vitest';
import { LeaderEpochCache, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from '../../sim/kafka/epoch-cache.ts';
import { ErrorCode } from '../../sim/kafka/protocol.ts';
import {
  FollowerFetcher,
  truncationPoint,
  type FollowerLogView,
  type ReplicaFetchPartitionResponse,
  type ReplicationProtocol,
} from '../../sim/kafka/truncation.ts';

const LEADER = 1;

/** A follower log described by its epoch entries, LEO and HW. */
function logView(entries: readonly (readonly [number, number])[], logEndOffset: number, highWatermark = 0): FollowerLogView {
  const cache = new LeaderEpochCache();
  for (const [epoch, startOffset] of entries) cache.assign(epoch, startOffset);
  return {
    logEndOffset,
    logStartOffset: 0,
    highWatermark,
    latestEpoch: cache.latestEpoch,
    endOffsetForEpoch: (epoch) => cache.endOffsetFor(epoch, logEndOffset),
  };
}

function answer(overrides: Partial<ReplicaFetchPartitionResponse> = {}): ReplicaFetchPartitionResponse {
  return { partition: 't/0', error: ErrorCode.NONE, highWatermark: 0, logStartOffset: 0, batches: [], ...overrides };
}

function fetcher(protocol: ReplicationProtocol, log: FollowerLogView, epoch = 3): FollowerFetcher {
  const f = new FollowerFetcher(protocol);
  f.follow(LEADER, epoch, log);
  return f;
}

describe('truncationPoint (AbstractFetcherThread.getOffsetTruncationState, KIP-279)', () => {
  const log = logView([[0, 0], [2, 5]], 8, 4);

  it('falls back to the high watermark when the leader cannot answer', () => {
    expect(truncationPoint({ leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET }, log))
      .toEqual({ offset: 4, completed: true, reason: 'high-watermark' });
  });

  it('takes a KIP-101 answer (an offset alone) as the truncation point', () => {
    expect(truncationPoint({ leaderEpoch: UNDEFINED_EPOCH, endOffset: 6 }, log)).toMatchObject({ offset: 6, completed: true });
    expect(truncationPoint({ leaderEpoch: UNDEFINED_EPOCH, endOffset: 12 }, log)).toMatchObject({ offset: 8, completed: true });
  });

  it('truncates to the smaller end of an epoch both replicas know', () => {
    expect(truncationPoint({ leaderEpoch: 2, endOffset: 7 }, log)).toMatchObject({ offset: 7, completed: true });
    expect(truncationPoint({ leaderEpoch: 0, endOffset: 9 }, log)).toMatchObject({ offset: 5, completed: true });
  });

  it('walks back when the follower never had the epoch the leader answered with', () => {
    expect(truncationPoint({ leaderEpoch: 1, endOffset: 7 }, log)).toMatchObject({ offset: 5, completed: false });
  });
});

describe('FollowerFetcher: what a new follower does first', () => {
  const log = logView([[0, 0], [2, 5]], 8, 4);

  it('hw-truncation truncates to its own high watermark, then fetches', () => {
    const f = new FollowerFetcher('hw-truncation');
    expect(f.follow(LEADER, 3, log)).toEqual({ restarted: true, truncateTo: { offset: 4, reason: 'high-watermark', fully: false } });
    expect(f.phase).toBe('fetching');
    expect(f.fetchPosition(log)).toEqual({ fetchOffset: 8, currentLeaderEpoch: -1, lastFetchedEpoch: -1 });
  });

  it('kip-101 and kip-279 ask for the end of their latest epoch before fetching', () => {
    for (const protocol of ['kip-101', 'kip-279'] as const) {
      const f = new FollowerFetcher(protocol);
      expect(f.follow(LEADER, 3, log)).toEqual({ restarted: true });
      expect(f.fetchPosition(log)).toBeUndefined();
      expect(f.epochQuery(log)).toEqual({ currentLeaderEpoch: -1, leaderEpoch: 2 });
    }
  });

  it('kip-320 fetches at once, with its leader epoch and last fetched epoch', () => {
    const f = fetcher('kip-320', log);
    expect(f.epochQuery(log)).toBeUndefined();
    expect(f.fetchPosition(log)).toEqual({ fetchOffset: 8, currentLeaderEpoch: 3, lastFetchedEpoch: 2 });
  });

  it('a replica with no epochs truncates to its high watermark in every mode', () => {
    const empty = logView([], 3, 2);
    for (const protocol of ['kip-101', 'kip-279', 'kip-320'] as const) {
      expect(new FollowerFetcher(protocol).follow(LEADER, 3, empty).truncateTo?.offset).toBe(2);
    }
  });

  it('before KAFKA-7164 a new epoch under the same leader changes nothing; kip-320 restarts', () => {
    for (const protocol of ['hw-truncation', 'kip-101', 'kip-279'] as const) {
      expect(fetcher(protocol, log, 3).follow(LEADER, 5, log)).toEqual({ restarted: false });
    }
    expect(fetcher('kip-320', log, 3).follow(LEADER, 5, log)).toEqual({ restarted: true });
    expect(fetcher('kip-279', log, 3).follow(2, 5, log)).toEqual({ restarted: true });
  });

  it('without a leader the fetcher idles', () => {
    const f = fetcher('kip-320', log);
    expect(f.follow(-1, 4, log)).toEqual({ restarted: false });
    expect(f.phase).toBe('idle');
  });
});

describe('FollowerFetcher: answers', () => {
  it('kip-279 keeps asking until the answer is complete; kip-101 trusts one answer', () => {
    const log = logView([[0, 0], [2, 5]], 8);
    const walk = fetcher('kip-279', log);
    const sent = walk.epochQuery(log)!;
    const step = walk.onEpochAnswer(LEADER, sent, { error: ErrorCode.NONE, leaderEpoch: 1, endOffset: 7 }, log);
    expect(step).toEqual({ kind: 'truncate', truncateTo: { offset: 5, reason: 'leader-epoch', fully: false } });
    expect(walk.phase).toBe('needs-epoch-query');
    const trust = fetcher('kip-101', log);
    trust.onEpochAnswer(LEADER, trust.epochQuery(log)!, { error: ErrorCode.NONE, leaderEpoch: -1, endOffset: 7 }, log);
    expect(trust.phase).toBe('fetching');
  });

  it('ignores answers from a former leader or to an outdated request', () => {
    const log = logView([[0, 0]], 4);
    const f = fetcher('kip-320', log, 3);
    const sent = f.fetchPosition(log)!;
    expect(f.onFetchAnswer(2, sent, answer(), log)).toEqual({ kind: 'ignore' });
    expect(f.onFetchAnswer(LEADER, { ...sent, fetchOffset: 3 }, answer(), log)).toEqual({ kind: 'ignore' });
    expect(f.onFetchAnswer(LEADER, { ...sent, currentLeaderEpoch: 2 }, answer(), log)).toEqual({ kind: 'ignore' });
    expect(f.onFetchAnswer(LEADER, sent, answer(), log)).toEqual({ kind: 'append' });
  });

  it('truncates by a diverging epoch with the KIP-279 rule (kip-320)', () => {
    const log = logView([[0, 0], [2, 5]], 8);
    const f = fetcher('kip-320', log);
    const step = f.onFetchAnswer(LEADER, f.fetchPosition(log)!, answer({ divergingEpoch: { epoch: 0, endOffset: 3 } }), log);
    expect(step).toEqual({ kind: 'truncate', truncateTo: { offset: 3, reason: 'diverging-epoch', fully: false } });
    expect(f.phase).toBe('fetching');
  });

  it('stops on FENCED_LEADER_EPOCH until the next LeaderAndIsr, and retries other errors', () => {
    const log = logView([[0, 0]], 4);
    const f = fetcher('kip-320', log);
    const sent = f.fetchPosition(log)!;
    expect(f.onFetchAnswer(LEADER, sent, answer({ error: ErrorCode.UNKNOWN_LEADER_EPOCH }), log))
      .toEqual({ kind: 'retry', error: ErrorCode.UNKNOWN_LEADER_EPOCH });
    expect(f.onFetchAnswer(LEADER, sent, answer({ error: ErrorCode.FENCED_LEADER_EPOCH }), log)).toEqual({ kind: 'fenced' });
    expect(f.fetchPosition(log)).toBeUndefined();
    f.follow(LEADER, 4, log);
    expect(f.phase).toBe('fetching');
  });

  it('handles OFFSET_OUT_OF_RANGE by the leader LEO below its own, or the leader start above it', () => {
    const log = logView([[0, 0]], 4);
    const f = fetcher('hw-truncation', log);
    const sent = f.fetchPosition(log)!;
    expect(f.onFetchAnswer(LEADER, sent, answer({ error: ErrorCode.OFFSET_OUT_OF_RANGE, leaderLogEndOffset: 2 }), log))
      .toEqual({ kind: 'truncate', truncateTo: { offset: 2, reason: 'leader-log-end', fully: false } });
    expect(f.onFetchAnswer(LEADER, sent, answer({ error: ErrorCode.OFFSET_OUT_OF_RANGE, leaderLogEndOffset: 9, logStartOffset: 6 }), log))
      .toEqual({ kind: 'truncate', truncateTo: { offset: 6, reason: 'leader-log-start', fully: true } });
  });

  it('fails the partition when fetched data does not continue its log', () => {
    const log = logView([[0, 0]], 4);
    const f = fetcher('hw-truncation', log);
    const batch = { baseOffset: 3, recordCount: 2, leaderEpoch: 0, producerId: -1, producerEpoch: -1, baseSequence: -1, sizeBytes: 1, createTimeUs: 0, payload: { kind: 'records' as const, producer: 'p', firstRecord: 0, count: 2 } };
    expect(f.onFetchAnswer(LEADER, f.fetchPosition(log)!, answer({ batches: [batch] }), log).kind).toBe('failed');
    expect(f.phase).toBe('failed');
  });
});
