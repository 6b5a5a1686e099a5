// One `sim explore` worker thread (DESIGN §12, issue 11): runs the swarm scenario of each seed it
// is handed and reports how the run failed, and shrinks a failing seed's scenario to a small one
// that still fails the same way (explore-shrink.ts). The pool (explore-pool.ts) gives it the
// scenario once, as workerData, then chunks of seeds; it posts each seed's outcome as soon as
// the run ends. It holds no state between tasks but the scenario, so the main thread can keep
// the results by seed and the output does not depend on which worker ran what.
//
// Simplified: a run that throws is reported by its error's kind and message, not its stack.

import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { SimAssertionError } from '../core/assert.ts';
import { createRng } from '../core/rng.ts';
import { US_PER_MS } from '../core/time.ts';
import { defaultSwarmOptions, swarmScenario, type SwarmKind } from '../faults/swarm.ts';
import { runScenario } from '../scenario/run.ts';
import type { ScenarioSpec } from '../scenario/spec.ts';
import { scenarioToYaml } from '../scenario/to-yaml.ts';
import { SHRINK_RUN_BUDGET, shrinkScenario } from './explore-shrink.ts';

export const WORKER_MARKER = 'kafka-sim-explore';

export interface ExploreWorkerData {
  marker: typeof WORKER_MARKER;
  spec: ScenarioSpec;
  kinds: readonly SwarmKind[];
}

export type ExploreTask = { type: 'run'; seeds: number[] } | { type: 'shrink'; seed: number; kinds: string[]; header: string[] };

export interface SeedOutcome {
  type: 'ran';
  seed: number;
  /** How the run failed: unexpected anomaly names, `expect <name>`, or `assertion`/`exception`; empty when ok. */
  kinds: string[];
  faults: number;
  /** The error message when the simulator threw. */
  error: string | null;
}

/** How big a scenario is, along every axis the shrink reduces. */
export interface ScenarioSize {
  faults: number;
  brokers: number;
  partitions: number;
  durationMs: number;
  /** Summed over fixed-rate producers. */
  recordsPerSecond: number;
}

export interface ShrinkOutcome {
  type: 'shrunk';
  seed: number;
  yaml: string;
  before: ScenarioSize;
  after: ScenarioSize;
  /** Candidate runs the shrink spent, out of `budget`. */
  runs: number;
  budget: number;
  /** True when no shrink step helped any more; false when the budget ran out first. */
  fixedPoint: boolean;
}

export type ExploreReply = SeedOutcome | ShrinkOutcome;

const ANOMALY_NAMES = ['lostAckedWrites', 'duplicates', 'reordered', 'divergentReplicas', 'invariantViolations'] as const;

/** The swarm scenario of one seed: the same spec on every thread and every machine. */
export function seedScenario(spec: ScenarioSpec, seed: number, kinds: readonly SwarmKind[]): ScenarioSpec {
  return swarmScenario(spec, seed, createRng(seed).fork('swarm'), defaultSwarmOptions(spec, kinds));
}

/** Runs a spec and names how it failed (sorted), or [] when its verdict is ok. */
export function failureKinds(spec: ScenarioSpec): { kinds: string[]; error: string | null } {
  try {
    const { summary } = runScenario(spec, { story: false });
    if (summary.ok) return { kinds: [], error: null };
    const expected = new Set(spec.expect.map((e) => e.figure));
    const kinds = ANOMALY_NAMES.filter((name) => summary.anomalies[name] > 0 && !expected.has(`anomalies.${name}`)) as string[];
    for (const failed of summary.expectations.filter((e) => !e.ok)) kinds.push(`expect ${failed.name}`);
    return { kinds: [...new Set(kinds)].sort(), error: null };
  } catch (error) {
    const kind = error instanceof SimAssertionError ? 'assertion' : 'exception';
    return { kinds: [kind], error: error instanceof Error ? error.message : String(error) };
  }
}

export function runSeed(spec: ScenarioSpec, seed: number, kinds: readonly SwarmKind[]): SeedOutcome {
  const explored = seedScenario(spec, seed, kinds);
  return { type: 'ran', seed, faults: explored.faults.length, ...failureKinds(explored) };
}

export function sizeOf(spec: ScenarioSpec): ScenarioSize {
  return {
    faults: spec.faults.length,
    brokers: spec.cluster.brokers.length,
    partitions: spec.topics.reduce((sum, t) => sum + t.partitions, 0),
    durationMs: spec.durationUs / US_PER_MS,
    recordsPerSecond: spec.producers.reduce((sum, p) => sum + (p.rate.kind === 'fixed' ? p.rate.recordsPerSecond : 0), 0),
  };
}

/** Shrinks a failing seed's scenario (explore-shrink.ts) and writes it as YAML under `header`. */
export function shrinkSeed(spec: ScenarioSpec, seed: number, swarmKinds: readonly SwarmKind[], kinds: readonly string[], header: readonly string[]): ShrinkOutcome {
  const explored = seedScenario(spec, seed, swarmKinds);
  const bounds = { ownFaults: spec.faults.length, floorUs: defaultSwarmOptions(spec, swarmKinds).startUs };
  const shrunk = shrinkScenario(explored, kinds, bounds, (candidate) => failureKinds(candidate).kinds, SHRINK_RUN_BUDGET);
  return {
    type: 'shrunk',
    seed,
    yaml: scenarioToYaml(shrunk.spec, header),
    before: sizeOf(explored),
    after: sizeOf(shrunk.spec),
    runs: shrunk.runs,
    budget: shrunk.budget,
    fixedPoint: shrunk.fixedPoint,
  };
}

function isExploreWorker(data: unknown): data is ExploreWorkerData {
  return typeof data === 'object' && data !== null && (data as { marker?: unknown }).marker === WORKER_MARKER;
}

if (!isMainThread && parentPort !== null && isExploreWorker(workerData)) {
  const { spec, kinds } = workerData;
  const port = parentPort;
  port.on('message', (task: ExploreTask) => {
    if (task.type === 'shrink') {
      port.postMessage(shrinkSeed(spec, task.seed, kinds, task.kinds, task.header));
      return;
    }
    // Each seed's outcome is posted as soon as it is known, so results stream while the chunk runs.
    for (const seed of task.seeds) port.postMessage(runSeed(spec, seed, kinds));
  });
}
