// `sim explore <scenario>` (DESIGN §12, issue 11): runs many seeds of a scenario, each with a
// swarm fault plan drawn from the seed (sim/faults/swarm.ts) on top of the scenario's own faults,
// finds the seeds whose run fails, shrinks one seed per distinct failure to a small plan that
// still fails the same way, and writes it as `explore/<scenario>-<seed>.yaml` with the one-line
// replay command. Exit 1 when anything failed, 3 when the simulator itself threw, else 0.
//
// Seeds run on node:worker_threads workers (explore-worker.ts), handed out one at a time so a
// slow seed does not hold up a batch; results are kept by seed, so the output does not depend on
// the worker count or on timing. `--shard i/n` takes every n-th seed of [from, from+N) starting
// at the i-th, so n shards on n machines partition the range exactly (a CI matrix, a batch
// scheduler). Workers load TypeScript through tsx, resolved from this package rather than from
// the current folder, so `npx sim explore` works wherever it is run.
//
// Simplified: the seed rate is measured over the seed phase only (shrinking comes after it);
// failures are grouped by their exact set of kinds, and only the lowest seed of a group is shrunk.

import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import cliProgress from 'cli-progress';
import { SWARM_KINDS, parseSwarmKinds, type SwarmKind } from '../faults/swarm.ts';
import { EXIT_SIMULATOR_BUG } from '../core/assert.ts';
import type { ScenarioSpec } from '../scenario/spec.ts';
import { writeFileAtomic } from './atomic-file.ts';
import { WORKER_MARKER, type ExploreReply, type ExploreTask, type ExploreWorkerData, type SeedOutcome, type ShrinkOutcome } from './explore-worker.ts';
import { loadScenarioFile } from './scenario-file.ts';
import { UsageError } from './usage.ts';

export interface ExploreCommandOptions {
  seeds: string;
  from: string;
  workers?: string;
  shard?: string;
  nemesis?: string;
  json?: boolean;
}

export interface Shard {
  index: number;
  of: number;
}

export const EXPLORE_DIR = 'explore';
const MAX_SEEDS = 100_000_000;

/** The seeds of [from, from+count) that shard `index` of `of` runs: (seed − from) mod of = index − 1. */
export function shardSeeds(from: number, count: number, shard: Shard | null): number[] {
  const seeds: number[] = [];
  const start = shard === null ? 0 : shard.index - 1;
  const step = shard === null ? 1 : shard.of;
  for (let offset = start; offset < count; offset += step) seeds.push(from + offset);
  return seeds;
}

export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const of = Number(match?.[2]);
  if (match === null || of < 1 || index < 1 || index > of) throw new UsageError(`--shard must be i/n with 1 ≤ i ≤ n (e.g. 1/4), not "${text}"`);
  return { index, of };
}

function parseCount(option: string, text: string, min: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > MAX_SEEDS) {
    throw new UsageError(`${option} must be an integer from ${min} to ${MAX_SEEDS}, not "${text}"`);
  }
  return value;
}

function parseKinds(text: string | undefined): SwarmKind[] {
  if (text === undefined) return [...SWARM_KINDS];
  const parsed = parseSwarmKinds(text);
  if ('kinds' in parsed) return parsed.kinds;
  const named = parsed.unknown.length > 0 ? `unknown fault kind ${parsed.unknown.map((k) => `"${k}"`).join(', ')}` : 'no fault kind given';
  throw new UsageError(`--nemesis: ${named}; choose from ${SWARM_KINDS.join(', ')}`);
}

/**
 * A worker entry that registers tsx, then loads explore-worker.ts. tsx's own `--import tsx` entry
 * registers its hooks on the main thread only (Node 20 has no `isInternalThread`), so a worker
 * started with `execArgv: ['--import', 'tsx']` cannot load TypeScript; registering through
 * tsx's API inside the worker can. tsx is resolved from this package, not from the current folder.
 */
function workerEntryUrl(): URL {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve('tsx/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const api = pathToFileURL(join(dirname(manifestPath), manifest.exports['./esm/api']?.import.default ?? 'dist/esm/api/index.mjs')).href;
  const worker = new URL('./explore-worker.ts', import.meta.url).href;
  const code = `import { register } from ${JSON.stringify(api)};\nregister();\nawait import(${JSON.stringify(worker)});\n`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

/**
 * Runs `tasks` on `workerCount` threads, each taking the next task when it finishes one; calls
 * `onReply` as replies arrive and resolves with them in task order.
 */
function runOnWorkers(data: ExploreWorkerData, tasks: readonly ExploreTask[], workerCount: number, onReply: (reply: ExploreReply) => void): Promise<ExploreReply[]> {
  const replies: ExploreReply[] = new Array<ExploreReply>(tasks.length);
  if (tasks.length === 0) return Promise.resolve(replies);
  return new Promise((resolve, reject) => {
    const workers: Worker[] = [];
    let next = 0;
    let done = 0;
    let settled = false;
    const finish = (error: unknown): void => {
      if (settled) return;
      settled = true;
      for (const worker of workers) void worker.terminate();
      if (error === null) resolve(replies);
      else reject(error instanceof Error ? error : new Error(String(error)));
    };
    const handOut = (worker: Worker): void => {
      const slot = next++;
      if (slot >= tasks.length) return;
      worker.once('message', (reply: ExploreReply) => {
        replies[slot] = reply;
        done++;
        onReply(reply);
        if (done === tasks.length) finish(null);
        else handOut(worker);
      });
      worker.postMessage(tasks[slot]);
    };
    const url = workerEntryUrl();
    for (let i = 0; i < Math.min(workerCount, tasks.length); i++) {
      const worker = new Worker(url, { workerData: data });
      worker.on('error', finish);
      worker.on('exit', (code) => finish(new Error(`an explore worker stopped (exit code ${code}) before the seeds were done`)));
      workers.push(worker);
      handOut(worker);
    }
  });
}

interface Progress {
  tick(failures: number): void;
  stop(): void;
}

/** A seeds-done bar with rate, ETA and failures on stderr, or nothing when it is not a terminal. */
function progressBar(total: number, enabled: boolean): Progress {
  if (!enabled) return { tick: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { format: 'exploring [{bar}] {value}/{total} seeds | {rate} seeds/s | ETA {eta_formatted} | {failures} failing', stream: process.stderr, hideCursor: true, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  let done = 0;
  bar.start(total, 0, { rate: '0.0', failures: 0 });
  return {
    tick(failures) {
      done++;
      const seconds = (performance.now() - started) / 1000;
      bar.update(done, { rate: (seconds > 0 ? done / seconds : 0).toFixed(1), failures });
    },
    stop: () => bar.stop(),
  };
}

interface FailureGroup {
  kinds: string[];
  seeds: number[];
  file: string;
  shrunk: ShrinkOutcome | null;
}

function groupFailures(outcomes: readonly SeedOutcome[], scenario: string): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (const outcome of outcomes) {
    if (outcome.kinds.length === 0) continue;
    const key = outcome.kinds.join(',');
    const group = groups.get(key) ?? { kinds: outcome.kinds, seeds: [], file: join(EXPLORE_DIR, `${scenario}-${outcome.seed}.yaml`), shrunk: null };
    group.seeds.push(outcome.seed);
    groups.set(key, group);
  }
  return [...groups.values()];
}

function replayHeader(group: FailureGroup, file: string, command: string): string[] {
  return [
    `Found by \`${command}\`, seed ${group.seeds[0]}: ${group.kinds.join(', ')}.`,
    'Shrunk by sim explore: the fewest, shortest, earliest faults that still fail the same way.',
    `Replay: npx sim run ${file.split('\\').join('/')}`,
  ];
}

/** What `sim explore --json` prints. */
export interface ExploreReport {
  scenario: string;
  seeds: number;
  from: number;
  shard: string | null;
  workers: number;
  seedsPerSecond: number;
  failures: { seed: number; kinds: string[]; faults: number; file: string | null }[];
}

function jsonReport(base: Omit<ExploreReport, 'failures'>, outcomes: readonly SeedOutcome[], groups: readonly FailureGroup[]): ExploreReport {
  const written = new Map(groups.map((group) => [group.seeds[0], group]));
  const failures = outcomes
    .filter((outcome) => outcome.kinds.length > 0)
    .map((outcome) => {
      const group = written.get(outcome.seed);
      return { seed: outcome.seed, kinds: outcome.kinds, faults: group?.shrunk?.faultsAfter ?? outcome.faults, file: group === undefined ? null : group.file };
    });
  return { ...base, failures };
}

function textReport(report: ExploreReport, groups: readonly FailureGroup[], outcomes: readonly SeedOutcome[], seconds: number): string[] {
  const shard = report.shard === null ? '' : `, shard ${report.shard}`;
  const lines = [
    `${report.scenario}: ${report.seeds} seeds from ${report.from}${shard} on ${report.workers} workers in ${seconds.toFixed(1)} s (${report.seedsPerSecond} seeds/s)`,
  ];
  if (groups.length === 0) return [...lines, 'no failures'];
  lines.push(`${plural(report.failures.length, 'failing seed')}, ${plural(groups.length, 'distinct failure')}:`);
  for (const group of groups) {
    const shown = group.seeds.slice(0, 10).join(', ') + (group.seeds.length > 10 ? ', …' : '');
    lines.push(`  ${group.kinds.join(' + ')}: ${plural(group.seeds.length, 'seed')} (${shown})`);
    const error = outcomes.find((o) => o.seed === group.seeds[0])?.error ?? null;
    if (error !== null) lines.push(`    ${error.split('\n')[0]}`);
    const shrunk = group.shrunk;
    if (shrunk !== null) lines.push(`    wrote ${group.file}: ${shrunk.faultsAfter} faults (shrunk from ${shrunk.faultsBefore} in ${shrunk.runs} runs)`);
    lines.push(`    replay: npx sim run ${group.file.split('\\').join('/')}`);
  }
  return lines;
}

function exitCodeOf(groups: readonly FailureGroup[]): number {
  if (groups.some((g) => g.kinds.includes('assertion') || g.kinds.includes('exception'))) return EXIT_SIMULATOR_BUG;
  return groups.length > 0 ? 1 : 0;
}

export async function exploreCommand(file: string, options: ExploreCommandOptions): Promise<number> {
  const count = parseCount('--seeds', options.seeds, 1);
  const from = parseCount('--from', options.from, 0);
  const shard = options.shard === undefined ? null : parseShard(options.shard);
  const workerCount = options.workers === undefined ? availableParallelism() : parseCount('--workers', options.workers, 1);
  const kinds = parseKinds(options.nemesis);
  const spec: ScenarioSpec = loadScenarioFile(file);
  const seeds = shardSeeds(from, count, shard);
  const workers = Math.max(1, Math.min(workerCount, seeds.length));
  const data: ExploreWorkerData = { marker: WORKER_MARKER, spec, kinds };

  const progress = progressBar(seeds.length, !options.json && process.stderr.isTTY === true);
  let failing = 0;
  const started = performance.now();
  const outcomes = (await runOnWorkers(data, seeds.map((seed) => ({ type: 'run', seed })), workers, (reply) => {
    if (reply.type === 'ran' && reply.kinds.length > 0) failing++;
    progress.tick(failing);
  }).finally(() => progress.stop())) as SeedOutcome[];
  const seconds = (performance.now() - started) / 1000;

  const groups = groupFailures(outcomes, spec.name);
  const command = `sim explore ${file}${options.nemesis === undefined ? '' : ` --nemesis ${kinds.join(',')}`}`;
  if (groups.length > 0 && !options.json && process.stderr.isTTY === true) process.stderr.write(`shrinking ${groups.length} distinct failures…\n`);
  const shrinkTasks: ExploreTask[] = groups.map((group) => ({ type: 'shrink', seed: group.seeds[0] as number, kinds: group.kinds, header: replayHeader(group, group.file, command) }));
  const shrunk = (await runOnWorkers(data, shrinkTasks, workers, () => undefined)) as ShrinkOutcome[];
  groups.forEach((group, i) => {
    const outcome = shrunk[i] as ShrinkOutcome;
    writeFileAtomic(group.file, outcome.yaml);
    group.shrunk = outcome;
  });

  const base = { scenario: spec.name, seeds: seeds.length, from, shard: shard === null ? null : `${shard.index}/${shard.of}`, workers, seedsPerSecond: round2(seeds.length / Math.max(seconds, 1e-9)) };
  const report = jsonReport(base, outcomes, groups);
  const text = options.json ? JSON.stringify(report, null, 2) : textReport(report, groups, outcomes, seconds).join('\n');
  process.stdout.write(`${text}\n`);
  return exitCodeOf(groups);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
