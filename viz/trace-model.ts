// A trace as the viewer holds it: the header and end line, every event's line of text (parsed
// again on demand, which keeps a 100 MB trace near 100 MB in memory instead of several times that
// as objects), the seek index with its keyframes (sim/trace/keyframes.ts), the series the charts
// and timeline draw (sim/trace/series.ts), the messages in flight at `full` detail, and where each
// family of events is (for the event log).
//
// Everything is filled in one pass as the reader hands over events; views read it afterwards.

import type { TraceEnd, TraceEvent, TraceHeader } from '../sim/trace/format.ts';
import { SeekIndex } from '../sim/trace/keyframes.ts';
import { TraceSeries, type Marker } from '../sim/trace/series.ts';
import type { ClusterState } from '../sim/trace/state.ts';
import { categoryOf } from '../sim/trace/describe.ts';
import { CategoryIndex } from './category-index.ts';
import { MessageIndex } from './message-index.ts';

/** Parsed events kept for re-use (the log and the checker ask for the same ones repeatedly). */
const PARSED_CACHE_SIZE = 4096;

export class TraceModel {
  readonly lines: string[] = [];
  readonly index: SeekIndex;
  readonly series: TraceSeries;
  readonly messages = new MessageIndex();
  readonly categories = new CategoryIndex();
  end: TraceEnd | null = null;
  complete = false;
  bytes = 0;
  private readonly parsed = new Map<number, TraceEvent>();
  private finalCache: ClusterState | null = null;

  constructor(
    readonly header: TraceHeader,
    readonly sourceName: string,
  ) {
    this.index = new SeekIndex(header, { event: (position) => this.event(position) });
    this.series = new TraceSeries(header);
  }

  /** Takes the next event of the file. */
  append(event: TraceEvent, line: string): void {
    const position = this.lines.length;
    this.lines.push(line);
    this.index.append(event);
    this.series.observe(event, position, this.index.live);
    this.messages.observe(event);
    this.categories.add(position, categoryOf(event.k));
  }

  /** Called once the whole file is read. */
  finish(complete: boolean, bytes: number): void {
    this.complete = complete;
    this.bytes = bytes;
    this.series.finish(this.durationUs);
  }

  get length(): number {
    return this.lines.length;
  }

  /** The end of the timeline: the end line, the scenario's duration, or the last event. */
  get durationUs(): number {
    const last = this.length > 0 ? this.index.timeAt(this.length - 1) : 0;
    return Math.max(this.end?.t ?? 0, this.complete ? (this.header.scenario.durationUs ?? 0) : 0, last, 1);
  }

  /** The event at `position`, parsed from its line. */
  event(position: number): TraceEvent {
    const cached = this.parsed.get(position);
    if (cached !== undefined) return cached;
    const event = JSON.parse(this.lines[position] as string) as TraceEvent;
    if (this.parsed.size >= PARSED_CACHE_SIZE) this.parsed.clear();
    this.parsed.set(position, event);
    return event;
  }

  stateAt(position: number): ClusterState {
    return this.index.stateAt(position);
  }

  finalState(): ClusterState {
    this.finalCache ??= this.index.finalState();
    return this.finalCache;
  }

  get markers(): readonly Marker[] {
    return this.series.markers;
  }

  /** The last marked event applied at `position` (markers are in position order). */
  markerBefore(position: number): Marker | null {
    const markers = this.series.markers;
    let low = 0;
    let high = markers.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((markers[middle] as Marker).position < position) low = middle + 1;
      else high = middle;
    }
    return markers[low - 1] ?? null;
  }

  /** The event that made the state at `position` what it is (the last applied), if any. */
  eventBefore(position: number): TraceEvent | null {
    return position > 0 && position <= this.length ? this.event(position - 1) : null;
  }
}
