// The viewer's entry point: opens a trace (file picker, drag and drop, `?trace=URL`, which is how
// `sim view` hands one over), builds the views on one cursor, and renders them together whenever
// the cursor moves. `?t=20s` opens the trace at that moment, so a teacher can share a link to the
// crash itself. The "Run a scenario" lab (lab-view.ts) runs bundled scenarios in a worker and
// opens their traces here.
//
// `window.kafkaSimViewer` is the page's small scripting API (open a URL, seek, read the state at
// the cursor); the browser tests drive the viewer through it, and it is handy from the console.

import { parseDuration } from '../sim/core/time.ts';
import { describeEvent } from '../sim/trace/describe.ts';
import type { ClusterState } from '../sim/trace/state.ts';
import { ChartsView } from './charts-view.ts';
import { CheckerView } from './checker-view.ts';
import { ClusterView } from './cluster-view.ts';
import { Cursor } from './cursor.ts';
import { el } from './dom.ts';
import { formatBytes, formatCount, formatTime } from './format.ts';
import { installShortcuts, shortcutList, type KeyTargets } from './keyboard.ts';
import { loadTrace, sourceName, type LoadProgress, type TraceSource } from './loader.ts';
import { LabView } from './lab-view.ts';
import { LogView } from './log-view.ts';
import { PartitionsView } from './partitions-view.ts';
import { TimeWindow } from './time-window.ts';
import { TimelineView } from './timeline-view.ts';
import type { TraceModel } from './trace-model.ts';
import { TransportView } from './transport-view.ts';

interface Mounted {
  model: TraceModel;
  cursor: Cursor;
  window: TimeWindow;
  log: LogView;
  state: ClusterState;
}

const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

let mounted: Mounted | null = null;
let loading: AbortController | null = null;

async function open(source: TraceSource, atUs: number | null = null): Promise<void> {
  loading?.abort();
  const controller = new AbortController();
  loading = controller;
  showLoading(sourceName(source));
  try {
    const model = await loadTrace(source, showProgress, controller.signal);
    if (loading !== controller) return;
    mount(model, atUs);
  } catch (error) {
    if (loading === controller) showError(error instanceof Error ? error.message : String(error));
  } finally {
    if (loading === controller) {
      loading = null;
      byId('loading').hidden = true;
    }
  }
}

function mount(model: TraceModel, atUs: number | null): void {
  const panels = ['player', 'timeline', 'cluster', 'partitions', 'charts', 'log', 'checker'].map((id) => byId(id));
  for (const panel of panels) panel.replaceChildren(...[...panel.children].filter((child) => child.classList.contains('panel-title')));
  byId('welcome').hidden = true;
  byId('viewer').hidden = false;
  const [playerHost, timelineHost, clusterHost, partitionsHost, chartsHost, logHost, checkerHost] = panels as [HTMLElement, HTMLElement, HTMLElement, HTMLElement, HTMLElement, HTMLElement, HTMLElement];
  const cursor = new Cursor(model);
  const timeWindow = new TimeWindow(model.durationUs);
  const transport = new TransportView(playerHost, model, cursor, timeWindow);
  const timeline = new TimelineView(timelineHost, model, cursor, timeWindow);
  const cluster = new ClusterView(clusterHost, model);
  const partitions = new PartitionsView(partitionsHost);
  const charts = new ChartsView(chartsHost, model, cursor, timeWindow);
  const log = new LogView(logHost, model, cursor);
  const checker = new CheckerView(checkerHost, model, cursor);
  const current: Mounted = { model, cursor, window: timeWindow, log, state: model.stateAt(0) };
  mounted = current;
  showRunInfo(model);
  const announcer = byId('announcer');
  cursor.subscribe(() => {
    current.state = model.stateAt(cursor.position);
    if (cursor.playing) timeWindow.follow(cursor.timeUs);
    transport.update();
    timeline.update();
    cluster.update(current.state, cursor);
    partitions.update(current.state, cursor);
    charts.update();
    log.update();
    checker.update();
    const event = model.eventBefore(cursor.position);
    if (!cursor.playing && event !== null) announcer.textContent = `${formatTime(event.t)}: ${describeEvent(event)}`;
  });
  cursor.seekTime(atUs ?? 0);
}

function showRunInfo(model: TraceModel): void {
  const { header } = model;
  const scenario = header.scenario;
  byId('run-info').replaceChildren(
    el('span', { class: 'scenario-name', text: scenario.name, title: scenario.description ?? '' }),
    el('span', { class: 'run-facts', text: `seed ${header.seed} · kafka-sim ${header.sim} · ${formatCount(model.length)} events · ${formatBytes(model.bytes)} · ${model.sourceName}` }),
    scenario.description ? el('span', { class: 'scenario-description', text: scenario.description }) : '',
  );
  document.title = `${scenario.name} — kafka-sim viewer`;
}

function showLoading(name: string): void {
  byId('loading').hidden = false;
  byId('loading-title').textContent = `Opening ${name}…`;
  byId('progress-bar').style.width = '0%';
  byId('loading-detail').textContent = '';
  byId('load-error').hidden = true;
  document.querySelector('.viewer-error')?.remove();
}

function showProgress(progress: LoadProgress): void {
  const share = progress.totalBytes === null ? null : progress.bytes / progress.totalBytes;
  byId('progress-bar').style.width = share === null ? '100%' : `${Math.round(share * 100)}%`;
  byId('progress-bar').classList.toggle('indeterminate', share === null);
  const size = progress.totalBytes === null ? formatBytes(progress.bytes) : `${formatBytes(progress.bytes)} of ${formatBytes(progress.totalBytes)}`;
  byId('loading-detail').textContent = `${size} · ${formatCount(progress.events)} events`;
}

function showError(message: string): void {
  if (mounted === null) {
    const box = byId('load-error');
    box.replaceChildren(el('strong', { text: 'This trace could not be opened. ' }), message);
    box.hidden = false;
    return;
  }
  document.querySelector('.viewer-error')?.remove();
  const banner = el('div', { class: 'viewer-error', attrs: { role: 'alert' } }, [
    el('strong', { text: 'This trace could not be opened. ' }),
    message,
    el('button', { class: 'button small', text: 'Dismiss', attrs: { type: 'button' }, on: { click: () => banner.remove() } }),
  ]);
  byId('viewer').prepend(banner);
}

let lab: LabView | null = null;

/** Shows or hides the "what if" lab, building it the first time. */
function toggleLab(show: boolean): void {
  const section = byId('lab');
  if (show && lab === null) {
    lab = new LabView(section, (file) => {
      toggleLab(false);
      void open({ kind: 'file', file });
    });
  }
  section.hidden = !show;
  byId('lab-button').setAttribute('aria-expanded', String(show));
  byId('welcome').hidden = show || mounted !== null;
  if (show) section.scrollIntoView({ block: 'start' });
}

function installDropZone(): void {
  const overlay = byId('drop-overlay');
  let depth = 0;
  const hasFiles = (event: DragEvent): boolean => [...(event.dataTransfer?.types ?? [])].includes('Files');
  document.addEventListener('dragenter', (event) => {
    if (!hasFiles(event)) return;
    depth++;
    overlay.hidden = false;
  });
  document.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) overlay.hidden = true;
  });
  document.addEventListener('dragover', (event) => {
    if (hasFiles(event)) event.preventDefault();
  });
  document.addEventListener('drop', (event) => {
    event.preventDefault();
    depth = 0;
    overlay.hidden = true;
    const file = event.dataTransfer?.files[0];
    if (file) void open({ kind: 'file', file });
  });
}

function start(): void {
  const input = byId<HTMLInputElement>('file-input');
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (file) void open({ kind: 'file', file });
    input.value = '';
  });
  for (const button of document.querySelectorAll('.open-trace')) button.addEventListener('click', () => input.click());
  byId('loading-cancel').addEventListener('click', () => loading?.abort());
  const help = byId<HTMLDialogElement>('help');
  byId('shortcuts').replaceChildren(...shortcutList());
  byId('help-button').addEventListener('click', () => help.showModal());
  byId('lab-button').addEventListener('click', () => toggleLab(byId('lab').hidden));
  byId('welcome-lab').addEventListener('click', () => toggleLab(true));
  installDropZone();
  installShortcuts((): KeyTargets | null =>
    mounted === null
      ? null
      : { cursor: mounted.cursor, window: mounted.window, openFile: () => input.click(), focusLogFilter: () => mounted?.log.focusFilter(), showHelp: () => help.showModal() },
  );
  const params = new URLSearchParams(location.search);
  const trace = params.get('trace');
  if (trace !== null && trace !== '') void open({ kind: 'url', url: trace }, momentFrom(params.get('t')));
  exposeApi();
}

/** `?t=20s` (or milliseconds) as microseconds; an unreadable value is ignored. */
function momentFrom(text: string | null): number | null {
  if (text === null || text === '') return null;
  try {
    return parseDuration(/^\d+(\.\d+)?$/.test(text) ? Number(text) : text);
  } catch {
    return null;
  }
}

function exposeApi(): void {
  const api = {
    open: (url: string) => open({ kind: 'url', url }),
    /** Seeks and renders every view; returns how long that took, in milliseconds. */
    seekTime: (timeUs: number): number => {
      const started = performance.now();
      mounted?.cursor.seekTime(timeUs);
      return performance.now() - started;
    },
    get state(): ClusterState | null {
      return mounted?.state ?? null;
    },
    get cursor(): { position: number; timeUs: number } | null {
      return mounted === null ? null : { position: mounted.cursor.position, timeUs: mounted.cursor.timeUs };
    },
    get durationUs(): number | null {
      return mounted?.model.durationUs ?? null;
    },
  };
  Object.assign(window, { kafkaSimViewer: api });
}

start();
