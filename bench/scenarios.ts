// The full-scenario section of `npm run bench` (DESIGN §15, issue 14): how fast whole scenarios
// run, from the quick-start one to a 100-broker, 10,000-partition failover. Each scenario runs in
// a child process of its own, so its peak memory (the child's maxRSS) is its own and not the
// largest seen so far in this process, and a heap grown by one run cannot slow the next.
//
// A child loads the scenario, runs it as `sim run` does (runScenario: simulation, history check,
// figures, expectations; no trace file), and prints one JSON line: simulated time, wall time
// around the run, CPU time (user + system, which on a shared machine says more than wall time),
// events, peak RSS and the verdict. Figures: × real time = simulated s / wall s; events/s =
// events / wall s.
//
// The children run with a larger young generation (NODE_FLAGS): the simulator allocates many
// short-lived objects (messages, fetch answers), and 64 MiB semi-spaces instead of V8's default
// 16 MiB let most of them die young; it saves about a fifth of the time of the big runs.
//
// `--quick` keeps leader-failover, shortens the 12-broker run to its first simulated minute (load
// only), and runs the 1,000-partition copy of the 100-broker failover instead of the full one.

import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { loadScenarioFile } from '../sim/cli/scenario-file.ts';
import { runScenario } from '../sim/scenario/run.ts';

/** V8 flags of the child processes (see the header). */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];

interface ScenarioCase {
  readonly file: string;
  /** `--set` overrides, e.g. a shorter duration. */
  readonly overrides: readonly string[];
}

const FULL: readonly ScenarioCase[] = [
  { file: 'scenarios/leader-failover.yaml', overrides: [] },
  { file: 'scenarios/bench-scale-12-brokers.yaml', overrides: [] },
  { file: 'scenarios/bench-scale-100-brokers.yaml', overrides: [] },
];

/** The 12-broker load without its crash (which comes later) or its expectations (made for 10 minutes). */
const QUICK: readonly ScenarioCase[] = [
  { file: 'scenarios/leader-failover.yaml', overrides: [] },
  { file: 'scenarios/bench-scale-12-brokers.yaml', overrides: ['duration=60s', 'faults=[]', 'expect={}'] },
  { file: 'scenarios/failover-cost-1000-partitions.yaml', overrides: [] },
];

/** What a child reports. */
export interface ScenarioBenchRow {
  scenario: string;
  brokers: number;
  partitions: number;
  simulatedSeconds: number;
  wallSeconds: number;
  cpuSeconds: number;
  events: number;
  /** Simulated seconds per wall-clock second. */
  timesRealTime: number;
  eventsPerSecond: number;
  peakRssBytes: number;
  /** The run's verdict: expectations met, no unexpected anomaly. */
  ok: boolean;
  /** Set when the child failed; the figures are then zero. */
  error?: string;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
/** Longest a child may run before it is stopped (the 12-broker run takes minutes). */
const CHILD_TIMEOUT_MS = 30 * 60 * 1000;

/** Runs every case in its own child process, one after another. */
export function benchScenarios(options: { quick?: boolean } = {}): ScenarioBenchRow[] {
  return (options.quick ? QUICK : FULL).map(runChild);
}

function runChild(entry: ScenarioCase): ScenarioBenchRow {
  const args = [...NODE_FLAGS, 'bin/run-ts.js', SELF, '--child', entry.file, ...entry.overrides];
  const child = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: CHILD_TIMEOUT_MS, maxBuffer: 1024 * 1024 });
  const line = child.stdout.trim().split('\n').pop() ?? '';
  if (child.status === 0 && line.startsWith('{')) return JSON.parse(line) as ScenarioBenchRow;
  const detail = child.error?.message ?? (child.stderr.trim().split('\n').pop() || `exit ${String(child.status)}`);
  return failedRow(entry.file, detail);
}

function failedRow(file: string, error: string): ScenarioBenchRow {
  const scenario = file.replace(/^.*\//, '').replace(/\.yaml$/, '');
  return { scenario, brokers: 0, partitions: 0, simulatedSeconds: 0, wallSeconds: 0, cpuSeconds: 0, events: 0, timesRealTime: 0, eventsPerSecond: 0, peakRssBytes: 0, ok: false, error };
}

/** The child's side: one run, measured, printed as one JSON line. */
function childMain(file: string, overrides: readonly string[]): void {
  const spec = loadScenarioFile(file, overrides);
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const { summary } = runScenario(spec, { story: false });
  const wallSeconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const simulatedSeconds = summary.simulatedMs / 1000;
  const row: ScenarioBenchRow = {
    scenario: spec.name,
    brokers: spec.cluster.brokers.length,
    partitions: spec.topics.reduce((sum, topic) => sum + topic.partitions, 0),
    simulatedSeconds,
    wallSeconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    events: summary.events,
    timesRealTime: simulatedSeconds / wallSeconds,
    eventsPerSecond: summary.events / wallSeconds,
    // resourceUsage().maxRSS is in KiB.
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    ok: summary.ok,
  };
  console.log(JSON.stringify(row));
}

/** The report's lines, for `npm run bench`. */
export function scenarioLines(rows: readonly ScenarioBenchRow[]): string[] {
  const lines = [`Scenarios: whole runs, each in its own process (node ${NODE_FLAGS.join(' ')}), no trace file`, ''];
  const header = ['scenario', 'brokers', 'partitions', 'simulated', 'wall', 'cpu', '× real time', 'events', 'events/s', 'peak RSS', 'verdict'];
  const table = rows.map((r) =>
    r.error !== undefined
      ? [r.scenario, '', '', '', '', '', '', '', '', '', `failed: ${r.error.slice(0, 60)}`]
      : [
          r.scenario,
          String(r.brokers),
          r.partitions.toLocaleString('en-US'),
          `${r.simulatedSeconds.toFixed(0)} s`,
          `${r.wallSeconds.toFixed(1)} s`,
          `${r.cpuSeconds.toFixed(1)} s`,
          `${r.timesRealTime.toFixed(1)}×`,
          `${(r.events / 1e6).toFixed(2)} M`,
          `${(r.eventsPerSecond / 1e3).toFixed(0)} k/s`,
          `${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
          r.ok ? 'ok' : 'not ok',
        ],
  );
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  lines.push(line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...table.map(line));
  return lines;
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) {
  const file = process.argv[childAt + 1];
  if (file === undefined) throw new Error('bench/scenarios.ts --child needs a scenario file');
  childMain(file, process.argv.slice(childAt + 2));
}
