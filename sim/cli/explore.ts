// `sim explore <scenario>` (DESIGN §12, issue 11): runs many seeds of a scenario, each with a
// swarm fault plan drawn from the seed (sim/faults/swarm.ts) on top of the scenario's own faults,
// finds the seeds whose run fails, shrinks one seed per distinct failure to a small plan that
// still fails the same way, and writes it as `explore/<scenario>-<seed>.yaml` with the one-line
// replay command. Exit 1 when anything failed, 3 when the simulator itself threw, else 0.
//
// Seeds run on a pool of worker threads (explore-pool.ts) started once, fed chunks of seeds and
// streaming each outcome back; results are kept by seed, so the output does not depend on the
// worker count or on timing. `--shard i/n` takes every n-th seed of [from, from+N) starting at
// the i-th, so n shards on n machines partition the range exactly (a CI matrix, a batch
// scheduler). Shrinking (explore-shrink.ts) runs on the same pool, one failure per worker.
//
// Simplified: the seed rate is measured over the seed phase only (shrinking comes after it);
// failures are grouped by their exact set of kinds, and only the lowest seed of a group is shrunk.

import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import cliProgress from 'cli-progress';
import { SWARM_KINDS, parseSwarmKinds, type SwarmKind } from '../faults/swarm.ts';
import { EXIT_SIMULATOR_BUG } from '../core/assert.ts';
import type { ScenarioSpec } from '../scenario/spec.ts';
import { writeFileAtomic } from './atomic-file.ts';
import { ExplorePool, seedChunks } from './explore-pool.ts';
import { SHRINK_RUN_BUDGET } from './explore-shrink.ts';
import { WORKER_MARKER, type ExploreWorkerData, type ScenarioSize, type SeedOutcome, type ShrinkOutcome } from './explore-worker.ts';
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

function groupFailures(failing: readonly SeedOutcome[], scenario: string): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (const outcome of failing) {
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
    'Shrunk by sim explore (fewer faults, brokers and partitions, a shorter run, a lower rate, shorter and earlier faults) while it fails the same way.',
    `Replay: npx sim run ${file.split('\\').join('/')}`,
  ];
}

/** What `sim explore --json` prints. */
export interface ExploreReport {
  scenario: string;
  /** How many seeds this run (this shard) covered, and which: every outcome came back. */
  seeds: number;
  seedRanges: SeedRange[];
  from: number;
  shard: string | null;
  workers: number;
  /** Wall time of the seed phase (worker start-up included, shrinking not) and its rate. */
  seedSeconds: number;
  seedsPerSecond: number;
  /**
   * CPU time of every thread during the seed phase: seeds per CPU-second stays flat across worker
   * counts when parallelism costs nothing, even on a machine other work is competing for.
   */
  seedCpuSeconds: number;
  shrinkSeconds: number;
  failures: ExploreFailure[];
}

/** The seeds first, first + step, …, first + (count − 1)·step. */
export interface SeedRange {
  first: number;
  step: number;
  count: number;
}

export interface ExploreFailure {
  seed: number;
  kinds: string[];
  /** The first line of the simulator's error when the run threw (an assertion or an exception). */
  error: string | null;
  /** Faults of the written (shrunk) scenario, else of the seed's plan. */
  faults: number;
  file: string | null;
  shrink: Omit<ShrinkOutcome, 'type' | 'seed' | 'yaml'> | null;
}

function failuresOf(failing: readonly SeedOutcome[], groups: readonly FailureGroup[]): ExploreFailure[] {
  const written = new Map(groups.map((group) => [group.seeds[0], group]));
  return failing.map((outcome) => {
    const group = written.get(outcome.seed);
    const shrunk = group?.shrunk ?? null;
    const shrink = shrunk === null ? null : { before: shrunk.before, after: shrunk.after, runs: shrunk.runs, budget: shrunk.budget, fixedPoint: shrunk.fixedPoint };
    const error = outcome.error?.split('\n')[0] ?? null;
    return { seed: outcome.seed, kinds: outcome.kinds, error, faults: shrunk?.after.faults ?? outcome.faults, file: group === undefined ? null : group.file, shrink };
  });
}

function describeSize(size: ScenarioSize): string {
  return `${plural(size.faults, 'fault')}, ${plural(size.brokers, 'broker')}, ${plural(size.partitions, 'partition')}, ${size.durationMs / 1000} s, ${size.recordsPerSecond} records/s`;
}

function textReport(report: ExploreReport, groups: readonly FailureGroup[], failing: readonly SeedOutcome[]): string[] {
  const shard = report.shard === null ? '' : `, shard ${report.shard}`;
  const lines = [
    `${report.scenario}: ${report.seeds} seeds from ${report.from}${shard} on ${plural(report.workers, 'worker')}`,
    `rate: ${report.seedsPerSecond} seeds/s (${report.seedSeconds} s for the seeds, worker start-up included; ${report.seedCpuSeconds} CPU-seconds)`,
  ];
  if (groups.length === 0) return [...lines, 'no failures'];
  lines.push(`${plural(report.failures.length, 'failing seed')}, ${plural(groups.length, 'distinct failure')} (shrunk in ${report.shrinkSeconds} s):`);
  for (const group of groups) {
    const shown = group.seeds.slice(0, 10).join(', ') + (group.seeds.length > 10 ? ', …' : '');
    lines.push(`  ${group.kinds.join(' + ')}: ${plural(group.seeds.length, 'seed')} (${shown})`);
    const error = failing.find((o) => o.seed === group.seeds[0])?.error ?? null;
    if (error !== null) lines.push(`    ${error.split('\n')[0]}`);
    const shrunk = group.shrunk;
    if (shrunk !== null) {
      const stop = shrunk.fixedPoint ? 'nothing smaller still fails' : 'budget spent';
      lines.push(`    wrote ${group.file}: ${describeSize(shrunk.after)}`);
      lines.push(`    shrunk from ${describeSize(shrunk.before)} in ${shrunk.runs} of ${shrunk.budget} runs (${stop})`);
    }
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
  const data: ExploreWorkerData = { marker: WORKER_MARKER, spec, kinds };
  const interactive = !options.json && process.stderr.isTTY === true;

  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  const pool = new ExplorePool(data, Math.max(1, Math.min(workerCount, seeds.length)));
  try {
    const failing = await runSeeds(pool, seeds, interactive);
    const seedSeconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuAtStart);
    const groups = groupFailures(failing, spec.name);
    const command = `sim explore ${file}${options.nemesis === undefined ? '' : ` --nemesis ${kinds.join(',')}`}`;
    if (groups.length > 0 && interactive) process.stderr.write(`shrinking ${plural(groups.length, 'distinct failure')} (at most ${SHRINK_RUN_BUDGET} runs each)…\n`);
    await shrinkGroups(pool, groups, command);
    const report: ExploreReport = {
      scenario: spec.name,
      seeds: seeds.length,
      seedRanges: seedRanges(seeds),
      from,
      shard: shard === null ? null : `${shard.index}/${shard.of}`,
      workers: pool.size,
      seedSeconds: round2(seedSeconds),
      seedsPerSecond: round2(seeds.length / Math.max(seedSeconds, 1e-9)),
      seedCpuSeconds: round2((cpu.user + cpu.system) / 1e6),
      shrinkSeconds: round2((performance.now() - started) / 1000 - seedSeconds),
      failures: failuresOf(failing, groups),
    };
    const text = options.json ? JSON.stringify(report, null, 2) : textReport(report, groups, failing).join('\n');
    process.stdout.write(`${text}\n`);
    return exitCodeOf(groups);
  } finally {
    await pool.close();
  }
}

/**
 * Runs every seed in guided chunks, ticking the progress bar as outcomes stream back; returns the
 * failing outcomes in seed order (passing ones are only counted, so memory does not grow with N).
 */
async function runSeeds(pool: ExplorePool, seeds: readonly number[], interactive: boolean): Promise<SeedOutcome[]> {
  const progress = progressBar(seeds.length, interactive);
  const returned = new Set<number>();
  const failing = new Map<number, SeedOutcome>();
  const jobs = seedChunks(seeds, pool.size).map((chunk) => ({ task: { type: 'run' as const, seeds: chunk }, replies: chunk.length }));
  await pool
    .run(jobs, (reply) => {
      if (reply.type !== 'ran') return;
      returned.add(reply.seed);
      if (reply.kinds.length > 0) failing.set(reply.seed, reply);
      progress.tick(failing.size);
    })
    .finally(() => progress.stop());
  if (returned.size !== seeds.length) throw new Error(`sim explore: ${seeds.length} seeds handed out but ${returned.size} distinct outcomes came back`);
  return seeds.filter((seed) => failing.has(seed)).map((seed) => failing.get(seed) as SeedOutcome);
}

/** A sorted seed list as arithmetic runs (a shard is one run), so the report stays small for any N. */
export function seedRanges(seeds: readonly number[]): SeedRange[] {
  const ranges: SeedRange[] = [];
  for (const seed of seeds) {
    const last = ranges.at(-1);
    if (last !== undefined && (last.count === 1 || seed - last.first === last.step * last.count)) {
      if (last.count === 1) last.step = seed - last.first;
      last.count++;
    } else {
      ranges.push({ first: seed, step: 1, count: 1 });
    }
  }
  return ranges;
}

/** Shrinks the lowest seed of each group, one group per job, and writes its scenario file. */
async function shrinkGroups(pool: ExplorePool, groups: readonly FailureGroup[], command: string): Promise<void> {
  const bySeed = new Map<number, ShrinkOutcome>();
  const jobs = groups.map((group) => ({ task: { type: 'shrink' as const, seed: group.seeds[0] as number, kinds: group.kinds, header: replayHeader(group, group.file, command) }, replies: 1 }));
  await pool.run(jobs, (reply) => {
    if (reply.type === 'shrunk') bySeed.set(reply.seed, reply);
  });
  for (const group of groups) {
    const outcome = bySeed.get(group.seeds[0] as number) as ShrinkOutcome;
    writeFileAtomic(group.file, outcome.yaml);
    group.shrunk = outcome;
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
