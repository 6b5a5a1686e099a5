// What a trace looks like over time, gathered in one pass while it is read: the figures the
// charts plot (producer send/ack/fail rates and p99 ack latency per metrics interval; under-
// replicated and offline partitions and the smallest ISR, as steps), the spans the timeline draws
// (each machine's time down, paused, restarting or with a slow disk or network; each network
// partition; each scenario fault with a `for:`), markers for the events worth jumping to (faults,
// crashes, elections, ISR changes, truncations, session expiries, rebalances, anomalies), and
// each consumer group's lag (committed offsets behind the high watermark) once a second.
//
// It reads the fold's live state after each event (reduce.ts `live`), so the health figures are
// exactly the reducer's. Rates come from producer-metrics samples, which count what happened in
// the interval since the previous sample (sim/clients/producer-metrics.ts); the first interval of
// a producer starts at its producer-start.

import { Float64Column } from './column.ts';
import { categoryOf, describeEvent, type Category } from './describe.ts';
import type { TraceEvent, TraceHeader } from './format.ts';
import { lastingFaultIndexes, type LiveView } from './reduce.ts';
import { smallestIsr, type ProcessStatus } from './state.ts';

/** Markers kept for the timeline; a trace with more (a very long flaky run) keeps the first ones. */
export const MAX_MARKERS = 50_000;
/** Spans kept per family, for the same reason. */
export const MAX_SPANS = 50_000;

export interface Marker {
  readonly position: number;
  readonly seq: number;
  readonly timeUs: number;
  readonly kind: string;
  readonly category: Category;
  readonly text: string;
}

export interface Span {
  readonly lane: string;
  readonly label: string;
  readonly fromUs: number;
  /** Null while it has not ended by the end of the trace. */
  toUs: number | null;
  readonly seq: number;
}

export interface ProducerSeries {
  readonly timeUs: Float64Column;
  readonly sentPerSecond: Float64Column;
  readonly ackedPerSecond: Float64Column;
  /** Failed plus unknown outcomes per second. */
  readonly failedPerSecond: Float64Column;
  /** NaN for an interval with no acknowledgement. */
  readonly p99Ms: Float64Column;
}

/** A consumer group, sampled every LAG_SAMPLE_US of simulated time. */
export interface GroupSeries {
  readonly timeUs: Float64Column;
  /** Records between each committed offset and its partition's high watermark, summed. */
  readonly lag: Float64Column;
  /**
   * Committed offsets' advance per second, summed and averaged over COMMITTED_RATE_WINDOW samples:
   * the group's consumption as committed (commits come every few seconds, so a per-sample rate
   * would be a row of spikes).
   */
  readonly committedPerSecond: Float64Column;
}

/** How often consumer lag is sampled. */
export const LAG_SAMPLE_US = 1_000_000;
/** Samples the committed rate is averaged over. */
export const COMMITTED_RATE_WINDOW = 10;

export interface HealthSeries {
  readonly timeUs: Float64Column;
  readonly underReplicated: Float64Column;
  readonly offline: Float64Column;
  /** NaN while no partition is online. */
  readonly smallestIsr: Float64Column;
}

const MARKED_KINDS: ReadonlySet<string> = new Set([
  'fault', 'fault-skipped', 'node-down', 'node-paused', 'partition-start', 'partition-heal', 'leader-election',
  'partition-offline', 'isr-change', 'truncation', 'log-recovered', 'controller', 'anomaly', 'zk-session', 'node-up',
  'group-state', 'consumer-partitions-lost',
]);

/** Worth a marker: not the first elections of new partitions, only expired sessions, only restarts. */
function isMarked(event: TraceEvent): boolean {
  if (!MARKED_KINDS.has(event.k)) return false;
  if (event.k === 'leader-election') return event.reason !== 'new-partition';
  if (event.k === 'zk-session') return event.op === 'expired';
  if (event.k === 'node-up') return typeof event.incarnation === 'number' && event.incarnation > 1;
  if (event.k === 'group-state') return event.state === 'PreparingRebalance';
  return true;
}

const STATUS_WORDS: Partial<Record<ProcessStatus, string>> = {
  crashed: 'crashed', stopped: 'stopped', 'powered-off': 'powered off', paused: 'paused', restarting: 'restarting',
};

export class TraceSeries {
  readonly markers: Marker[] = [];
  readonly processSpans: Span[] = [];
  readonly networkSpans: Span[] = [];
  readonly faultSpans: Span[] = [];
  readonly producers = new Map<string, ProducerSeries>();
  readonly groups = new Map<string, GroupSeries>();
  readonly health: HealthSeries = { timeUs: new Float64Column(), underReplicated: new Float64Column(), offline: new Float64Column(), smallestIsr: new Float64Column() };
  /** Markers and spans not kept because of the limits. */
  dropped = 0;
  private readonly producerSince = new Map<string, number>();
  private readonly openProcess = new Map<string, Span>();
  private readonly openNetwork = new Map<number, Span>();
  private readonly openFaults = new Map<number, Span>();
  private readonly statusOf = new Map<string, ProcessStatus>();
  private readonly lastingFaults: ReadonlySet<number>;
  private nextLagSampleUs = LAG_SAMPLE_US;
  /** Each group's recent committed totals, newest last, at most COMMITTED_RATE_WINDOW + 1. */
  private readonly committedTotals = new Map<string, { timeUs: number; total: number }[]>();

  /** A fault with a `for:` (per the header's scenario) is a span; others are instants. */
  constructor(header: TraceHeader | null) {
    this.lastingFaults = lastingFaultIndexes(header);
  }

  /** Records what event `position` changed; `live` is the fold just after it. */
  observe(event: TraceEvent, position: number, live: LiveView): void {
    if (isMarked(event)) {
      this.keep(this.markers, { position, seq: event.i, timeUs: event.t, kind: event.k, category: categoryOf(event.k), text: describeEvent(event) });
    }
    if (event.k.startsWith('node-')) this.trackProcess(event, live);
    else if (event.k === 'producer-start' && typeof event.producer === 'string') this.producerSince.set(event.producer, event.t);
    else if (event.k === 'producer-metrics') this.sampleProducer(event);
    this.trackSpans(event);
    this.sampleHealth(event.t, live);
    if (event.t >= this.nextLagSampleUs) this.sampleGroups(event.t, live);
  }

  /** Each group's lag and committed progress since the last sample. */
  private sampleGroups(timeUs: number, live: LiveView): void {
    this.nextLagSampleUs = timeUs - (timeUs % LAG_SAMPLE_US) + LAG_SAMPLE_US;
    for (const group of live.groups.values()) {
      let lag = 0;
      let total = 0;
      for (const { partition, offset } of group.committed) {
        total += offset;
        const state = live.partitions.get(partition);
        const leader = state?.replicaStates.find((replica) => replica.broker === state.leader);
        if (leader !== undefined) lag += Math.max(0, leader.highWatermark - offset);
      }
      let series = this.groups.get(group.group);
      if (series === undefined) {
        series = { timeUs: new Float64Column(), lag: new Float64Column(), committedPerSecond: new Float64Column() };
        this.groups.set(group.group, series);
      }
      const recent = this.committedTotals.get(group.group) ?? [];
      recent.push({ timeUs, total });
      if (recent.length > COMMITTED_RATE_WINDOW + 1) recent.shift();
      this.committedTotals.set(group.group, recent);
      const oldest = recent[0] as { timeUs: number; total: number };
      series.timeUs.push(timeUs);
      series.lag.push(lag);
      series.committedPerSecond.push(Math.max(0, total - oldest.total) / (Math.max(1, timeUs - oldest.timeUs) / 1_000_000));
    }
  }

  private trackProcess(event: TraceEvent, live: LiveView): void {
    if (typeof event.node !== 'string') return;
    const status = live.nodes.get(event.node)?.status ?? 'up';
    if (this.statusOf.get(event.node) === status) return;
    this.statusOf.set(event.node, status);
    const open = this.openProcess.get(event.node);
    if (open !== undefined) {
      open.toUs = event.t;
      this.openProcess.delete(event.node);
    }
    const label = STATUS_WORDS[status];
    if (label === undefined) return;
    const span: Span = { lane: event.node, label, fromUs: event.t, toUs: null, seq: event.i };
    if (this.keep(this.processSpans, span)) this.openProcess.set(event.node, span);
  }

  private trackSpans(event: TraceEvent): void {
    const id = typeof event.fault === 'number' ? event.fault : null;
    if (id === null) return;
    if (event.k === 'partition-start') {
      const span: Span = { lane: 'network', label: describeEvent(event), fromUs: event.t, toUs: null, seq: event.i };
      if (this.keep(this.networkSpans, span)) this.openNetwork.set(id, span);
    } else if ((event.k === 'slow-network' || event.k === 'slow-disk') && typeof event.node === 'string') {
      // A slow disk or network belongs to one machine: it is drawn in that machine's lane.
      const label = event.k === 'slow-disk' ? `disk ${String(event.factor)}× slower` : 'network slowed';
      const span: Span = { lane: event.node, label, fromUs: event.t, toUs: null, seq: event.i };
      if (this.keep(this.processSpans, span)) this.openNetwork.set(id, span);
    } else if (event.k === 'partition-heal' || event.k === 'slow-network-end' || event.k === 'slow-disk-end') {
      close(this.openNetwork, id, event.t);
    } else if (event.k === 'fault') {
      const lasting = this.lastingFaults.has(id);
      const span: Span = { lane: 'faults', label: describeEvent(event), fromUs: event.t, toUs: lasting ? null : event.t, seq: event.i };
      if (this.keep(this.faultSpans, span) && lasting) this.openFaults.set(id, span);
    } else if (event.k === 'fault-end') {
      close(this.openFaults, id, event.t);
    }
  }

  /** Spans still open when the trace ends last until its end. */
  finish(endUs: number): void {
    for (const span of [...this.processSpans, ...this.networkSpans, ...this.faultSpans]) if (span.toUs === null) span.toUs = endUs;
  }

  private sampleProducer(event: TraceEvent): void {
    const name = String(event.producer);
    let series = this.producers.get(name);
    if (series === undefined) {
      series = { timeUs: new Float64Column(), sentPerSecond: new Float64Column(), ackedPerSecond: new Float64Column(), failedPerSecond: new Float64Column(), p99Ms: new Float64Column() };
      this.producers.set(name, series);
    }
    const sinceUs = this.producerSince.get(name) ?? (series.timeUs.length > 0 ? series.timeUs.at(series.timeUs.length - 1) : 0);
    this.producerSince.set(name, event.t);
    const seconds = Math.max(event.t - sinceUs, 1) / 1_000_000;
    const count = (value: unknown): number => (typeof value === 'number' ? value : 0);
    series.timeUs.push(event.t);
    series.sentPerSecond.push(count(event.sent) / seconds);
    series.ackedPerSecond.push(count(event.acked) / seconds);
    series.failedPerSecond.push((count(event.failed) + count(event.unknown)) / seconds);
    series.p99Ms.push(typeof event.p99Ms === 'number' ? event.p99Ms : Number.NaN);
  }

  private sampleHealth(timeUs: number, live: LiveView): void {
    const health = this.health;
    const smallest = smallestIsr(live) ?? Number.NaN;
    const last = health.timeUs.length - 1;
    if (
      last >= 0 &&
      health.underReplicated.at(last) === live.counters.underReplicated &&
      health.offline.at(last) === live.counters.offline &&
      Object.is(health.smallestIsr.at(last), smallest)
    ) {
      return;
    }
    health.timeUs.push(timeUs);
    health.underReplicated.push(live.counters.underReplicated);
    health.offline.push(live.counters.offline);
    health.smallestIsr.push(smallest);
  }

  private keep<T>(into: T[], item: T): boolean {
    if (into.length >= (into === (this.markers as unknown[]) ? MAX_MARKERS : MAX_SPANS)) {
      this.dropped++;
      return false;
    }
    into.push(item);
    return true;
  }
}

function close(open: Map<number, Span>, id: number, timeUs: number): void {
  const span = open.get(id);
  if (span === undefined) return;
  span.toUs = timeUs;
  open.delete(id);
}
