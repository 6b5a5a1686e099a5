import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readTraceText } from '../../sim/trace/reader.ts';
import { reduceEvents } from '../../sim/trace/reduce.ts';
import { SeekIndex } from '../../sim/trace/keyframes.ts';
import type { TraceEvent, TraceHeader } from '../../sim/trace/format.ts';
import { failoverTraceText } from './failover-trace.ts';

let header: TraceHeader | null = null;
const events: TraceEvent[] = [];
readTraceText(failoverTraceText({ lostWrite: true }), { header: (h) => (header = h), event: (e) => events.push(e) });

function indexed(keyframeEvery: number): SeekIndex {
  const index = new SeekIndex(header, { event: (position) => events[position] as TraceEvent }, { keyframeEvery });
  for (const event of events) index.append(event);
  return index;
}

describe('seeking with keyframes', () => {
  const index = indexed(500);

  it('takes keyframes as it reads, about one per interval', () => {
    expect(index.length).toBe(events.length);
    expect(index.keyframeCount).toBeGreaterThan(events.length / 1000);
    expect(index.keyframeCount).toBeLessThanOrEqual(Math.ceil(events.length / 500) + 1);
  });

  it('gives at any position exactly the state of folding every event before it, in any seek order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: events.length }), { minLength: 1, maxLength: 8 }), (positions) => {
        for (const position of positions) {
          expect(index.stateAt(position)).toEqual(reduceEvents(header, events.slice(0, position)));
        }
      }),
      { numRuns: 20, seed: 7 },
    );
  });

  it('steps forward and back one event at a time consistently', () => {
    const middle = Math.floor(events.length / 2);
    const forward = [middle, middle + 1, middle + 2].map((position) => index.stateAt(position));
    expect(forward[2]?.position).toBe(middle + 2);
    expect(index.stateAt(middle + 1)).toEqual(forward[1]);
    expect(index.stateAt(middle)).toEqual(forward[0]);
  });

  it('maps times to positions: a seek to a time applies every event at or before it', () => {
    const crash = events.find((event) => event.k === 'node-down') as TraceEvent;
    const position = index.positionAtTime(crash.t);
    expect(index.timeAt(position - 1)).toBe(crash.t);
    expect(index.timeAt(position)).toBeGreaterThan(crash.t);
    expect(index.stateAt(position).nodes.get('broker-2')?.status).toBe('crashed');
    expect(index.positionAtTime(-1)).toBe(0);
    expect(index.positionAtTime(Number.MAX_SAFE_INTEGER)).toBe(events.length);
  });

  it('finds an event by its sequence number, and says when the trace does not hold it', () => {
    const election = events.find((event) => event.k === 'leader-election' && event.reason === 'broker-failure') as TraceEvent;
    const position = index.positionOfSeq(election.i);
    expect(index.seqAt(position)).toBe(election.i);
    const missing = events.findIndex((event, at) => at > 0 && event.i !== (events[at - 1] as TraceEvent).i + 1);
    expect(missing).toBeGreaterThan(0);
    expect(index.positionOfSeq((events[missing] as TraceEvent).i - 1)).toBe(-1);
  });

  it('clamps positions outside the trace', () => {
    expect(index.stateAt(-5).position).toBe(0);
    expect(index.stateAt(events.length + 10).position).toBe(events.length);
  });

  it('spaces keyframes further apart as the cluster grows, bounding their memory', () => {
    const wide: TraceEvent[] = [{ i: 0, t: 0, k: 'topic-created', topic: 'wide', partitions: 3000, replicationFactor: 3, assignment: Array.from({ length: 3000 }, () => [1, 2, 3]) }];
    for (let i = 1; i < 20_000; i++) wide.push({ i, t: i, k: 'replica-offsets', broker: 1, partition: `wide/${i % 3000}`, role: 'leader', logStartOffset: 0, logEndOffset: i, highWatermark: i, leaderEpoch: 0 });
    const big = new SeekIndex(null, { event: (position) => wide[position] as TraceEvent }, { keyframeEvery: 100 });
    for (const event of wide) big.append(event);
    expect(big.keyframeCount).toBeLessThanOrEqual(2 + Math.ceil(20_000 / 12_000));
    expect(big.stateAt(15_000)).toEqual(reduceEvents(null, wide.slice(0, 15_000)));
  });
});
