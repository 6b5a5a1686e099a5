// Linked charts (DESIGN §13): throughput (records acknowledged, failed or unknown per second,
// and what consumer groups committed), p99 acknowledgement latency, consumer lag, partitions
// under-replicated or offline, and the smallest ISR against min.insync.replicas — the line an acks=all producer falls off. All share the
// timeline's window and cursor: a click seeks, and each chart reads out its value at the cursor.
//
// Series come from sim/trace/series.ts. Each line is thinned to about two points per pixel,
// keeping each bucket's largest value so spikes (a p99 during a failover) survive — or, for the
// smallest ISR, its least, so a dip does.

import * as d3 from 'd3';
import type { Float64Column } from '../sim/trace/column.ts';
import type { Cursor } from './cursor.ts';
import { el } from './dom.ts';
import { formatRate, formatTime, formatTimeCompact } from './format.ts';
import type { TimeWindow } from './time-window.ts';
import type { TraceModel } from './trace-model.ts';

const HEIGHT = 150;
const MARGIN = { top: 26, right: 12, bottom: 22, left: 46 };

interface Line {
  label: string;
  kind: string;
  times: Float64Column;
  values: Float64Column;
  step: boolean;
  /** Which value of a thinned bucket survives: the largest (spikes) or, for the smallest ISR, the least. */
  keep?: 'max' | 'min';
}

interface ChartSpec {
  title: string;
  unit: string;
  lines: Line[];
  /** A horizontal reference, e.g. min.insync.replicas. */
  reference?: { value: number; label: string };
  integer?: boolean;
}

export class ChartsView {
  private readonly charts: { spec: ChartSpec; svg: d3.Selection<SVGSVGElement, unknown, null, undefined>; readout: HTMLElement; host: HTMLElement }[] = [];

  constructor(
    container: HTMLElement,
    model: TraceModel,
    private readonly cursor: Cursor,
    private readonly window: TimeWindow,
  ) {
    const grid = el('div', { class: 'charts-grid' });
    container.append(grid);
    for (const spec of chartSpecs(model)) {
      const readout = el('span', { class: 'chart-readout', attrs: { 'aria-live': 'off' } });
      const legend = el('ul', { class: 'chart-legend' }, spec.lines.map((line) => el('li', {}, [el('span', { class: `key line-${line.kind}`, attrs: { 'aria-hidden': 'true' } }), line.label])));
      const host = el('figure', { class: 'chart' }, [el('figcaption', {}, [el('span', { class: 'chart-title', text: spec.title }), readout]), legend]);
      grid.append(host);
      const svg = d3.select(host).append('svg').attr('role', 'img').attr('aria-label', `${spec.title} over time`);
      this.charts.push({ spec, svg, readout, host });
    }
    if (this.charts.length === 0) grid.append(el('p', { class: 'panel-note', text: 'This trace has no metric samples to chart.' }));
    window.subscribe(() => this.draw());
    new ResizeObserver(() => this.draw()).observe(container);
  }

  private draw(): void {
    this.charts.forEach((chart, chartIndex) => {
      const width = Math.max(200, chart.host.clientWidth);
      const x = d3.scaleLinear().domain([this.window.startUs, this.window.endUs]).range([MARGIN.left, width - MARGIN.right]);
      const visible = chart.spec.lines.map((line) => thin(line, this.window.startUs, this.window.endUs, width));
      const maxValue = d3.max(visible.flat(), (point) => point[1]) ?? 0;
      const top = Math.max(maxValue, chart.spec.reference?.value ?? 0, chart.spec.integer ? 3 : 1) * 1.1;
      const y = d3.scaleLinear().domain([0, top]).nice().range([HEIGHT - MARGIN.bottom, MARGIN.top]);
      const svg = chart.svg.attr('width', width).attr('height', HEIGHT);
      svg.selectAll('*').remove();
      svg.append('g').attr('class', 'axis').attr('transform', `translate(0,${HEIGHT - MARGIN.bottom})`)
        .call(d3.axisBottom(x).ticks(Math.max(2, Math.floor(width / 100))).tickFormat((value) => formatTimeCompact(Number(value))));
      svg.append('g').attr('class', 'axis').attr('transform', `translate(${MARGIN.left},0)`)
        .call(d3.axisLeft(y).ticks(4).tickFormat((value) => (chart.spec.integer ? d3.format('d')(Number(value)) : formatRate(Number(value)))));
      if (chart.spec.reference) {
        const ref = chart.spec.reference;
        svg.append('line').attr('class', 'reference').attr('x1', MARGIN.left).attr('x2', width - MARGIN.right).attr('y1', y(ref.value)).attr('y2', y(ref.value));
        svg.append('text').attr('class', 'reference-label').attr('x', width - MARGIN.right - 4).attr('y', y(ref.value) - 4).text(ref.label);
      }
      // Lines are clipped to the plot: the points just outside the window keep their edges right.
      const clipId = `chart-clip-${chartIndex}`;
      svg.append('clipPath').attr('id', clipId).append('rect').attr('x', MARGIN.left).attr('y', 0).attr('width', Math.max(0, width - MARGIN.left - MARGIN.right)).attr('height', HEIGHT);
      chart.spec.lines.forEach((line, index) => {
        const path = d3.line<[number, number]>().defined((point) => Number.isFinite(point[1])).x((point) => x(point[0])).y((point) => y(point[1]));
        if (line.step) path.curve(d3.curveStepAfter);
        svg.append('path').attr('class', `series line-${line.kind}`).attr('clip-path', `url(#${clipId})`).attr('d', path(visible[index] ?? []) ?? '');
      });
      svg.append('line').attr('class', 'cursor-line').attr('y1', MARGIN.top - 6).attr('y2', HEIGHT - MARGIN.bottom);
      svg.append('rect').attr('class', 'chart-hit').attr('x', MARGIN.left).attr('y', 0).attr('width', Math.max(0, width - MARGIN.left - MARGIN.right)).attr('height', HEIGHT)
        .on('click', (event: MouseEvent) => {
          this.cursor.pause();
          this.cursor.seekTime(x.invert(d3.pointer(event)[0]));
        });
    });
    this.update();
  }

  /** Moves the cursor lines and the readouts. */
  update(): void {
    const time = this.cursor.timeUs;
    for (const chart of this.charts) {
      const width = Number(chart.svg.attr('width')) || 200;
      const x = d3.scaleLinear().domain([this.window.startUs, this.window.endUs]).range([MARGIN.left, width - MARGIN.right]);
      const inside = time >= this.window.startUs && time <= this.window.endUs;
      chart.svg.select('.cursor-line').attr('x1', x(time)).attr('x2', x(time)).attr('visibility', inside ? 'visible' : 'hidden');
      const values = chart.spec.lines.map((line) => {
        const value = valueAt(line, time);
        return `${line.label} ${Number.isFinite(value) ? (chart.spec.integer ? String(value) : formatRate(value)) : '–'}${chart.spec.unit}`;
      });
      chart.readout.textContent = `at ${formatTime(time)}: ${values.join(' · ')}`;
    }
  }
}

function chartSpecs(model: TraceModel): ChartSpec[] {
  const specs: ChartSpec[] = [];
  const producers = [...model.series.producers.entries()];
  const many = producers.length > 1;
  if (producers.length > 0) {
    specs.push({
      title: 'Throughput',
      unit: '/s',
      lines: producers.flatMap(([name, series]) => [
        { label: many ? `${name} acked` : 'acked', kind: 'acked', times: series.timeUs, values: series.ackedPerSecond, step: false },
        { label: many ? `${name} failed or unknown` : 'failed or unknown', kind: 'failed', times: series.timeUs, values: series.failedPerSecond, step: false },
      ]),
    });
    specs.push({
      title: 'Acknowledgement latency, p99',
      unit: ' ms',
      lines: producers.map(([name, series]) => ({ label: many ? name : 'p99', kind: 'latency', times: series.timeUs, values: series.p99Ms, step: false })),
    });
  }
  const groups = [...model.series.groups.entries()];
  if (groups.length > 0) {
    const several = groups.length > 1;
    if (producers.length > 0) {
      (specs[0] as ChartSpec).lines.push(
        ...groups.map(([name, series]) => ({ label: several ? `${name} committed` : 'consumed (committed)', kind: 'consumed', times: series.timeUs, values: series.committedPerSecond, step: false })),
      );
    }
    specs.push({
      title: 'Consumer lag (records behind the high watermark)',
      unit: '',
      lines: groups.map(([name, series]) => ({ label: several ? name : 'lag', kind: 'lag', times: series.timeUs, values: series.lag, step: false })),
    });
  }
  const health = model.series.health;
  if (model.finalState().partitions.size > 0) {
    specs.push({
      title: 'Partitions in trouble',
      unit: '',
      integer: true,
      lines: [
        { label: 'under-replicated', kind: 'under', times: health.timeUs, values: health.underReplicated, step: true },
        { label: 'offline', kind: 'offline', times: health.timeUs, values: health.offline, step: true },
      ],
    });
    const minIsr = Number(model.header.scenario.cluster?.config?.['min.insync.replicas']);
    specs.push({
      title: 'Smallest ISR',
      unit: '',
      integer: true,
      lines: [{ label: 'smallest ISR', kind: 'isr', times: health.timeUs, values: health.smallestIsr, step: true, keep: 'min' }],
      ...(Number.isFinite(minIsr) ? { reference: { value: minIsr, label: `min.insync.replicas = ${minIsr}` } } : {}),
    });
  }
  return specs;
}

/** The points of `line` inside the window (plus the one before, for steps), thinned per pixel. */
function thin(line: Line, startUs: number, endUs: number, widthPx: number): [number, number][] {
  const first = Math.max(0, line.times.upperBound(startUs) - 1);
  const last = Math.min(line.times.length, line.times.upperBound(endUs) + 1);
  const count = last - first;
  const buckets = Math.max(1, widthPx * 2);
  const points: [number, number][] = [];
  if (count <= buckets * 2) {
    for (let index = first; index < last; index++) points.push([line.times.at(index), line.values.at(index)]);
  } else {
    const per = count / buckets;
    const better = line.keep === 'min' ? (a: number, b: number): boolean => a < b : (a: number, b: number): boolean => a > b;
    for (let bucket = 0; bucket < buckets; bucket++) {
      const from = first + Math.floor(bucket * per);
      const to = Math.min(last, first + Math.floor((bucket + 1) * per));
      let best = from;
      for (let index = from; index < to; index++) if (better(line.values.at(index), line.values.at(best))) best = index;
      points.push([line.times.at(best), line.values.at(best)]);
    }
  }
  if (line.step && points.length > 0) points.push([endUs, (points[points.length - 1] as [number, number])[1]]);
  return points;
}

/** For a step series, the value in force; for samples, the interval containing `timeUs`. */
function valueAt(line: Line, timeUs: number): number {
  if (line.step) return line.values.at(line.times.upperBound(timeUs) - 1);
  return line.values.at(line.times.lowerBound(timeUs));
}
