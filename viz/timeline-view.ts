// The timeline (DESIGN §13): the run as swimlanes against time — the scenario's faults, network
// partitions and slow-downs, each machine's time down or paused, and three rows of markers for
// the events worth stopping at (crashes, faults and anomalies; elections; ISR changes and
// truncations), each shaped by its family so colour is never the only cue. A cursor line crosses every lane;
// clicking or dragging anywhere seeks. Below, an overview of the whole run (event density, faults,
// anomalies) carries a brush that chooses the window the lanes and the charts show.
//
// Lanes are drawn again only when the window or the size changes; moving the cursor moves one
// line, which keeps scrubbing smooth on long traces.

import * as d3 from 'd3';
import type { Category } from '../sim/trace/describe.ts';
import { nodeName } from '../sim/trace/describe.ts';
import type { Marker, Span } from '../sim/trace/series.ts';
import type { Cursor } from './cursor.ts';
import { el, measureText } from './dom.ts';
import { formatTime, formatTimeCompact } from './format.ts';
import type { TimeWindow } from './time-window.ts';
import type { TraceModel } from './trace-model.ts';

const LABEL_WIDTH = 136;
const LANE_HEIGHT = 22;
const AXIS_HEIGHT = 22;
const OVERVIEW_HEIGHT = 40;
/** Machine lanes drawn; more machines than this are summarised in the last lane. */
const MAX_NODE_LANES = 14;
/** Below this many brokers, every broker gets a lane even when it never went down. */
const ALWAYS_SHOWN_BROKERS = 6;
/** Markers drawn in the visible window; the most important are kept first. */
const MAX_DRAWN_MARKERS = 1500;

interface Lane {
  id: string;
  label: string;
  spans: readonly Span[];
}

const SYMBOLS: Partial<Record<Category, d3.SymbolType>> = {
  fault: d3.symbolTriangle,
  process: d3.symbolCross,
  network: d3.symbolWye,
  leadership: d3.symbolDiamond,
  isr: d3.symbolCircle,
  log: d3.symbolSquare,
  checker: d3.symbolStar,
  controller: d3.symbolDiamond,
  zookeeper: d3.symbolCircle,
};

/** The marker rows: what broke, who leads, and what the replicas did. */
const MARKER_LANES: readonly { label: string; categories: readonly Category[] }[] = [
  { label: 'Crashes, faults', categories: ['fault', 'process', 'network', 'checker', 'other'] },
  { label: 'Leaders, groups', categories: ['leadership', 'controller', 'zookeeper', 'group', 'client', 'message', 'offsets'] },
  { label: 'ISR, truncation', categories: ['isr', 'log'] },
];

const PRIORITY: Partial<Record<Category, number>> = { checker: 0, fault: 1, process: 2, leadership: 3, log: 4, network: 5, controller: 6, isr: 7 };

export class TimelineView {
  private readonly lanesSvg: d3.Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly overviewSvg: d3.Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly lanes: Lane[];
  private width = 800;
  private brush: { move: (range: [number, number] | null) => void } | null = null;

  constructor(
    private readonly container: HTMLElement,
    private readonly model: TraceModel,
    private readonly cursor: Cursor,
    private readonly window: TimeWindow,
  ) {
    this.lanes = buildLanes(model);
    const lanesHost = el('div', { class: 'lanes' });
    const overviewHost = el('div', { class: 'overview' });
    container.append(lanesHost, overviewHost);
    this.lanesSvg = d3
      .select(lanesHost)
      .append('svg')
      .attr('class', 'lanes-svg')
      .attr('role', 'slider')
      .attr('tabindex', 0)
      .attr('aria-label', 'Timeline: click or drag to move the cursor; arrow keys step through events')
      .attr('aria-valuemin', 0)
      .attr('aria-valuemax', Math.round(model.durationUs / 1000));
    this.overviewSvg = d3.select(overviewHost).append('svg').attr('class', 'overview-svg').attr('aria-label', 'Overview of the whole run: drag to choose the window shown above');
    this.window.subscribe(() => {
      this.draw();
      this.brush?.move(this.window.zoomed ? [this.window.startUs, this.window.endUs] : null);
    });
    new ResizeObserver(() => this.resize()).observe(container);
    this.resize();
  }

  private resize(): void {
    const width = Math.max(320, Math.floor(this.container.clientWidth - 24));
    if (width === this.width && this.lanesSvg.select('g').size() > 0) return;
    this.width = width;
    this.draw();
    this.drawOverview();
  }

  private get plotWidth(): number {
    return this.width - LABEL_WIDTH - 28;
  }

  private scale(): d3.ScaleLinear<number, number> {
    return d3.scaleLinear().domain([this.window.startUs, this.window.endUs]).range([0, this.plotWidth]);
  }

  /** Everything in the lanes that depends on the window. */
  private draw(): void {
    const x = this.scale();
    const height = AXIS_HEIGHT + (this.lanes.length + MARKER_LANES.length) * LANE_HEIGHT + 4;
    const svg = this.lanesSvg.attr('width', this.width).attr('height', height);
    svg.selectAll('*').remove();
    const labels = svg.append('g').attr('class', 'lane-labels');
    const plot = svg.append('g').attr('class', 'plot').attr('transform', `translate(${LABEL_WIDTH},0)`);
    plot.append('rect').attr('class', 'plot-bg').attr('width', this.plotWidth).attr('height', height);
    plot.append('g').attr('class', 'axis').attr('transform', `translate(0,${AXIS_HEIGHT - 2})`)
      .call(d3.axisTop(x).ticks(Math.max(2, Math.floor(this.plotWidth / 90))).tickFormat((value) => formatTimeCompact(Number(value))));
    this.lanes.forEach((lane, index) => this.drawLane(plot, labels, lane, AXIS_HEIGHT + index * LANE_HEIGHT, x));
    const inWindow = this.model.markers.filter((marker) => marker.timeUs >= this.window.startUs && marker.timeUs <= this.window.endUs);
    MARKER_LANES.forEach((lane, index) => {
      const markers = inWindow.filter((marker) => lane.categories.includes(marker.category));
      this.drawMarkers(plot, labels, lane.label, markers, AXIS_HEIGHT + (this.lanes.length + index) * LANE_HEIGHT, x);
    });
    plot.append('line').attr('class', 'cursor-line').attr('y1', 0).attr('y2', height);
    plot.on('pointerdown', (event: PointerEvent) => this.scrub(event, plot.node() as SVGGElement));
    svg.on('wheel', (event: WheelEvent) => this.wheel(event, x), { passive: false } as never);
    this.update();
  }

  private drawLane(plot: PlotGroup, labels: PlotGroup, lane: Lane, top: number, x: d3.ScaleLinear<number, number>): void {
    labels.append('text').attr('class', 'lane-label').attr('x', LABEL_WIDTH - 10).attr('y', top + LANE_HEIGHT / 2).text(lane.label);
    plot.append('line').attr('class', 'lane-rule').attr('x1', 0).attr('x2', this.plotWidth).attr('y1', top + LANE_HEIGHT).attr('y2', top + LANE_HEIGHT);
    const visible = lane.spans.filter((span) => (span.toUs ?? span.fromUs) >= this.window.startUs && span.fromUs <= this.window.endUs).sort((a, b) => a.fromUs - b.fromUs);
    const groups = plot.append('g').selectAll('g').data(visible).join('g').attr('class', (span) => `span span-${slug(span.label)} lane-${lane.id}`);
    groups.append('title').text((span) => `${span.label}: ${formatTime(span.fromUs)} – ${formatTime(span.toUs ?? span.fromUs)}`);
    const left = (span: Span): number => Math.max(0, x(span.fromUs));
    const right = (span: Span): number => Math.min(this.plotWidth, x(span.toUs ?? span.fromUs));
    const instant = (span: Span): boolean => right(span) - left(span) < 3;
    groups.filter((span) => !instant(span)).append('rect')
      .attr('x', left).attr('y', top + 4).attr('height', LANE_HEIGHT - 8).attr('rx', 3)
      .attr('width', (span) => Math.max(2, right(span) - left(span)));
    groups.filter(instant).append('path')
      .attr('d', d3.symbol(d3.symbolTriangle, 60)() ?? '')
      .attr('transform', (span) => `translate(${x(span.fromUs)},${top + LANE_HEIGHT / 2}) rotate(180)`);
    // Labels go left to right and are dropped where they would not fit or would overlap the last one.
    let freeFromPx = -Infinity;
    groups.append('text')
      .attr('class', 'span-text')
      .attr('x', (span) => (instant(span) ? x(span.fromUs) + 8 : left(span) + 6))
      .attr('y', top + LANE_HEIGHT / 2)
      .text((span) => shortLabel(span.label))
      .each(function (this: SVGTextElement, span, index) {
        const start = Number(this.getAttribute('x'));
        const next = visible[index + 1];
        const room = instant(span) ? Math.min(320, (next === undefined ? Infinity : x(next.fromUs)) - start - 6) : right(span) - left(span) - 10;
        const length = measureText(this.textContent ?? '', '400 11px');
        if (start < freeFromPx || length > room) this.textContent = '';
        else freeFromPx = start + length + 10;
      });
  }

  private drawMarkers(plot: PlotGroup, labels: PlotGroup, label: string, inWindow: readonly Marker[], top: number, x: d3.ScaleLinear<number, number>): void {
    labels.append('text').attr('class', 'lane-label').attr('x', LABEL_WIDTH - 10).attr('y', top + LANE_HEIGHT / 2).text(label);
    plot.append('line').attr('class', 'lane-rule').attr('x1', 0).attr('x2', this.plotWidth).attr('y1', top + LANE_HEIGHT).attr('y2', top + LANE_HEIGHT);
    const drawn = inWindow.length <= MAX_DRAWN_MARKERS ? inWindow : [...inWindow].sort((a, b) => (PRIORITY[a.category] ?? 9) - (PRIORITY[b.category] ?? 9)).slice(0, MAX_DRAWN_MARKERS);
    plot.append('g').selectAll('path').data(drawn).join('path')
      .attr('class', (marker) => `marker cat-${marker.category}`)
      .attr('d', (marker) => d3.symbol(SYMBOLS[marker.category] ?? d3.symbolCircle, marker.category === 'checker' ? 110 : 55)() ?? '')
      .attr('transform', (marker) => `translate(${x(marker.timeUs)},${top + LANE_HEIGHT / 2})`)
      .on('click', (event: MouseEvent, marker: Marker) => {
        event.stopPropagation();
        this.cursor.pause();
        this.cursor.seekPosition(marker.position + 1);
      })
      .append('title')
      .text((marker) => `${formatTime(marker.timeUs)} — ${marker.text}`);
  }

  /** Density of events, faults and anomalies over the whole run, with the window's brush. */
  private drawOverview(): void {
    const width = this.plotWidth;
    const x = d3.scaleLinear().domain([0, this.model.durationUs]).range([0, width]);
    const svg = this.overviewSvg.attr('width', this.width).attr('height', OVERVIEW_HEIGHT);
    svg.selectAll('*').remove();
    svg.append('text').attr('class', 'lane-label').attr('x', LABEL_WIDTH - 10).attr('y', OVERVIEW_HEIGHT / 2).text('Whole run');
    const plot = svg.append('g').attr('transform', `translate(${LABEL_WIDTH},0)`);
    const bins = densityBins(this.model, Math.max(10, Math.floor(width / 3)));
    const y = d3.scaleLinear().domain([0, d3.max(bins) ?? 1]).range([OVERVIEW_HEIGHT - 2, 4]);
    const area = d3.area<number>().x((_, index) => (index + 0.5) * (width / bins.length)).y0(OVERVIEW_HEIGHT - 2).y1((count) => y(count)).curve(d3.curveStepAfter);
    plot.append('path').attr('class', 'density').attr('d', area(bins) ?? '');
    const ticks = this.model.markers.filter((marker) => marker.category === 'fault' || marker.category === 'checker');
    plot.append('g').selectAll('line').data(ticks.slice(0, 2000)).join('line')
      .attr('class', (marker) => `overview-tick cat-${marker.category}`)
      .attr('x1', (marker) => x(marker.timeUs)).attr('x2', (marker) => x(marker.timeUs)).attr('y1', 2).attr('y2', OVERVIEW_HEIGHT - 2);
    plot.append('line').attr('class', 'cursor-line overview-cursor').attr('y1', 0).attr('y2', OVERVIEW_HEIGHT);
    const brush = d3.brushX().extent([[0, 1], [width, OVERVIEW_HEIGHT - 1]]).on('end', (event: d3.D3BrushEvent<unknown>) => {
      if (!event.sourceEvent) return;
      const selection = event.selection as [number, number] | null;
      if (selection === null || selection[1] - selection[0] < 2) this.window.fit();
      else this.window.set(x.invert(selection[0]), x.invert(selection[1]));
    });
    const brushGroup = plot.append('g').attr('class', 'brush').call(brush);
    // Moving the brush from code (zoom buttons, keys) has no sourceEvent, so it does not loop back.
    this.brush = { move: (range) => brushGroup.call(brush.move, range === null ? null : [x(range[0]), x(range[1])]) };
    this.brush.move(this.window.zoomed ? [this.window.startUs, this.window.endUs] : null);
    this.update();
  }

  /** Moves the cursor lines and the slider's reading. */
  update(): void {
    const x = this.scale();
    const time = this.cursor.timeUs;
    const inside = time >= this.window.startUs && time <= this.window.endUs;
    this.lanesSvg.select('.cursor-line').attr('x1', x(time)).attr('x2', x(time)).attr('visibility', inside ? 'visible' : 'hidden');
    const overviewX = (this.plotWidth * time) / this.model.durationUs;
    this.overviewSvg.select('.overview-cursor').attr('x1', overviewX).attr('x2', overviewX);
    this.lanesSvg.attr('aria-valuenow', Math.round(time / 1000)).attr('aria-valuetext', formatTime(time));
  }

  private scrub(event: PointerEvent, plot: SVGGElement): void {
    if (event.button !== 0) return;
    const x = this.scale();
    const seek = (pointer: PointerEvent): void => this.cursor.seekTime(x.invert(d3.pointer(pointer, plot)[0]));
    this.cursor.pause();
    seek(event);
    const target = event.target as Element;
    target.setPointerCapture?.(event.pointerId);
    const move = (pointer: PointerEvent): void => seek(pointer);
    const up = (): void => {
      target.removeEventListener('pointermove', move as EventListener);
      target.removeEventListener('pointerup', up);
    };
    target.addEventListener('pointermove', move as EventListener);
    target.addEventListener('pointerup', up);
  }

  private wheel(event: WheelEvent, x: d3.ScaleLinear<number, number>): void {
    if (!event.ctrlKey && !event.metaKey) return;
    event.preventDefault();
    const at = x.invert(d3.pointer(event, this.lanesSvg.select('.plot').node() as SVGGElement)[0]);
    this.window.zoom(event.deltaY > 0 ? 1.25 : 0.8, at);
  }
}

type PlotGroup = d3.Selection<SVGGElement, unknown, null, undefined>;

function buildLanes(model: TraceModel): Lane[] {
  const series = model.series;
  const byNode = d3.group(series.processSpans, (span) => span.lane);
  const nodes = [...model.finalState().nodes.values()];
  const fewBrokers = nodes.filter((node) => node.role === 'broker').length <= ALWAYS_SHOWN_BROKERS;
  const machines = nodes.filter((node) => byNode.has(node.id) || (fewBrokers && node.role === 'broker'));
  const shown = machines.slice(0, MAX_NODE_LANES);
  const rest = machines.slice(MAX_NODE_LANES).flatMap((node) => byNode.get(node.id) ?? []);
  const lanes: Lane[] = [
    { id: 'faults', label: 'Faults', spans: series.faultSpans },
    { id: 'network', label: 'Network', spans: series.networkSpans },
    ...shown.map((node) => ({ id: 'node', label: nodeName(node.id), spans: byNode.get(node.id) ?? [] })),
  ];
  if (rest.length > 0) lanes.push({ id: 'node', label: `${machines.length - MAX_NODE_LANES} more machines`, spans: rest });
  return lanes;
}

function densityBins(model: TraceModel, count: number): number[] {
  const bins: number[] = [];
  let previous = 0;
  for (let bin = 1; bin <= count; bin++) {
    const position = model.index.positionAtTime((model.durationUs * bin) / count);
    bins.push(position - previous);
    previous = position;
  }
  return bins;
}

function slug(text: string): string {
  return text.split(/[^a-z]+/i)[0]?.toLowerCase() ?? 'span';
}

function shortLabel(label: string): string {
  return label.replace(/^fault #\d+: /, '');
}
