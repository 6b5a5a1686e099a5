import { describe, expect, it } from 'vitest';
import { readTraceText } from '../../sim/trace/reader.ts';
import { ClusterFold } from '../../sim/trace/reduce.ts';
import { TraceSeries } from '../../sim/trace/series.ts';
import { categoryOf, describeEvent, nodeName } from '../../sim/trace/describe.ts';
import { EVENT_FIELDS, INFORMATIONAL_KINDS, type TraceEvent, type TraceHeader } from '../../sim/trace/format.ts';
import { failoverTraceText } from './failover-trace.ts';

function seriesOf(text: string): { series: TraceSeries; events: TraceEvent[] } {
  let series: TraceSeries | null = null;
  let fold: ClusterFold | null = null;
  const events: TraceEvent[] = [];
  readTraceText(text, {
    header: (header: TraceHeader) => {
      series = new TraceSeries(header);
      fold = new ClusterFold(header);
    },
    event: (event) => {
      fold?.apply(event);
      series?.observe(event, events.length, (fold as ClusterFold).live);
      events.push(event);
    },
  });
  (series as unknown as TraceSeries).finish(60_000_000);
  return { series: series as unknown as TraceSeries, events };
}

describe('series for the charts and the timeline', () => {
  const { series, events } = seriesOf(failoverTraceText({ lostWrite: true }));

  it('marks the crash, the session expiry, the shrinks, the elections, the restart, the truncation and the anomaly, but not the start-up', () => {
    const kinds = series.markers.map((marker) => marker.kind);
    expect(kinds.filter((kind) => kind === 'leader-election')).toHaveLength(2);
    expect(kinds.filter((kind) => kind === 'zk-session')).toHaveLength(1);
    expect(kinds.filter((kind) => kind === 'node-up')).toHaveLength(1);
    expect(kinds).toContain('node-down');
    expect(kinds).toContain('truncation');
    expect(kinds.at(-1)).toBe('anomaly');
    const crash = series.markers.find((marker) => marker.kind === 'node-down');
    expect(events[crash?.position ?? -1]?.k).toBe('node-down');
    expect(crash?.text).toBe('broker 2 crashed');
  });

  it("draws broker 2's time down as one span from the crash to the restart", () => {
    expect(series.processSpans).toEqual([{ lane: 'broker-2', label: 'crashed', fromUs: 20_000_000, toUs: 45_000_000, seq: expect.any(Number) }]);
  });

  it('draws faults without a `for:` as instants', () => {
    expect(series.faultSpans.map((span) => span.toUs === span.fromUs)).toEqual([true, true]);
  });

  it('steps the under-replicated count up at the shrink and the elections, and back to 0 when broker 2 rejoins', () => {
    const at = (timeUs: number): number => {
      const index = series.health.timeUs.upperBound(timeUs) - 1;
      return series.health.underReplicated.at(index);
    };
    expect(at(29_000_000)).toBe(0);
    expect(at(31_000_000)).toBe(4);
    expect(at(39_000_000)).toBe(6);
    expect(at(50_000_000)).toBe(0);
  });

  it('turns producer samples into rates per second', () => {
    const p1 = series.producers.get('p1');
    expect(p1?.timeUs.length).toBe(60);
    expect(p1?.sentPerSecond.at(10)).toBeCloseTo(4980, 0);
    expect(p1?.p99Ms.at(25)).toBe(9800);
  });
});

describe('consumer lag', () => {
  it('samples each group once a second: the committed offsets behind the high watermark, and their progress', () => {
    const { series } = seriesOf(failoverTraceText({ consumers: true }));
    const billing = series.groups.get('billing');
    expect(billing?.timeUs.at(0)).toBe(1_000_000);
    const index = billing?.timeUs.upperBound(12_000_000) ?? 0;
    expect(billing?.lag.at(index - 1)).toBeGreaterThanOrEqual(6 * 200);
    expect(billing?.committedPerSecond.at(10)).toBeGreaterThan(0);
  });
});

describe('events in plain words', () => {
  it('names machines as people say them', () => {
    expect(nodeName('broker-2')).toBe('broker 2');
    expect(nodeName('zk-1')).toBe('ZooKeeper 1');
    expect(nodeName('consumer-billing-0')).toBe('consumer billing-0');
  });

  it('tells an election with the ISR it came from', () => {
    const text = describeEvent({ i: 1, t: 0, k: 'leader-election', controller: 1, partition: 'orders/0', oldLeader: 2, newLeader: 3, leaderEpoch: 1, isr: [3], fromIsr: [2, 3], kind: 'clean', reason: 'broker-failure' });
    expect(text).toBe('controller 1 elected broker 3 leader of orders/0 from ISR [2, 3], replacing broker 2 (leader epoch 1, broker-failure)');
  });

  it('says an unclean election loses what the new leader never fetched', () => {
    const text = describeEvent({ i: 1, t: 0, k: 'leader-election', partition: 'orders/0', oldLeader: 2, newLeader: 3, leaderEpoch: 1, isr: [3], fromIsr: [2], kind: 'unclean', reason: 'broker-failure' });
    expect(text).toMatch(/UNCLEANLY: it was not in the ISR \[2\]/);
  });

  it('shows an unknown kind as its name and fields, cut short', () => {
    const text = describeEvent({ i: 1, t: 0, k: 'quantum-flux', level: 'x'.repeat(500) });
    expect(text.startsWith('quantum-flux {"level":"xxx')).toBe(true);
    expect(text.length).toBeLessThan(200);
  });

  it('gives every kind the reducer knows a category of its own family', () => {
    for (const kind of [...Object.keys(EVENT_FIELDS), ...INFORMATIONAL_KINDS]) expect(categoryOf(kind), kind).not.toBe('other');
  });
});
