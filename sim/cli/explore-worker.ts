// One `sim explore` worker thread (DESIGN §12, issue 11): runs the swarm scenario of each seed it
// is handed and reports how the run failed, and shrinks a failing seed's fault plan to a small
// scenario that still fails the same way. The main thread (explore.ts) hands out the seeds and
// keeps the results in seed order; this file holds no state between tasks but the scenario.
//
// Shrinking follows the greedy passes of QuickCheck-style shrinkers, on the resolved faults:
// drop one fault at a time, then halve each `for` window, then move each fault earlier, keeping
// a candidate only when it still fails with every kind the original failed with. Every
// candidate goes through `scenarioToYaml` and `loadScenario` before it runs, so a kept candidate
// is exactly what the written file replays (a candidate the loader refuses, such as two crashes
// of one broker overlapping after a move, is skipped). The scenario's own faults are kept; only
// the swarm's are shrunk.
//
// Simplified: one pass of each kind (no fixpoint), bounded by a run budget, not a time budget.

import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { SimAssertionError } from '../core/assert.ts';
import { createRng } from '../core/rng.ts';
import { US_PER_MS } from '../core/time.ts';
import { defaultSwarmOptions, swarmScenario, type SwarmKind } from '../faults/swarm.ts';
import { loadScenario } from '../scenario/load.ts';
import { runScenario } from '../scenario/run.ts';
import type { FaultSpec, ScenarioSpec } from '../scenario/spec.ts';
import { scenarioToYaml } from '../scenario/to-yaml.ts';

export const WORKER_MARKER = 'kafka-sim-explore';

export interface ExploreWorkerData {
  marker: typeof WORKER_MARKER;
  spec: ScenarioSpec;
  kinds: readonly SwarmKind[];
}

export type ExploreTask = { type: 'run'; seed: number } | { type: 'shrink'; seed: number; kinds: string[]; header: string[] };

export interface SeedOutcome {
  type: 'ran';
  seed: number;
  /** How the run failed: unexpected anomaly names, `expect <name>`, or `assertion`/`exception`; empty when ok. */
  kinds: string[];
  faults: number;
  /** The error message when the simulator threw. */
  error: string | null;
}

export interface ShrinkOutcome {
  type: 'shrunk';
  seed: number;
  yaml: string;
  faultsBefore: number;
  faultsAfter: number;
  runs: number;
}

export type ExploreReply = SeedOutcome | ShrinkOutcome;

/** Re-runs allowed per shrunk failure. */
export const SHRINK_RUN_BUDGET = 50;
/** Shortest `for` window the halving pass goes down to (the swarm's own minimum). */
const MIN_WINDOW_US = 500 * US_PER_MS;

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

/** The spec as its YAML file would load it, or null when the loader refuses it. */
function throughYaml(spec: ScenarioSpec): ScenarioSpec | null {
  const loaded = loadScenario(scenarioToYaml(spec), `${spec.name}.yaml`);
  return loaded.ok ? loaded.spec : null;
}

/** Faults renumbered by position (as the loader numbers them) and ordered by time. */
function withFaults(spec: ScenarioSpec, faults: readonly FaultSpec[]): ScenarioSpec {
  const renumbered = [...faults].sort((a, b) => a.index - b.index).map((fault, index) => ({ ...fault, index }));
  return { ...spec, faults: renumbered.sort((a, b) => a.atUs - b.atUs || a.index - b.index) };
}

function replaceFault(spec: ScenarioSpec, index: number, change: Partial<FaultSpec>): ScenarioSpec {
  return withFaults(spec, spec.faults.map((fault) => (fault.index === index ? ({ ...fault, ...change } as FaultSpec) : fault)));
}

class Shrinker {
  runs = 0;
  private attempts = 0;

  constructor(
    public best: ScenarioSpec,
    private readonly kinds: readonly string[],
    private readonly budget: number,
  ) {}

  get exhausted(): boolean {
    return this.runs >= this.budget || this.attempts >= this.budget * 4;
  }

  /** Runs the candidate and keeps it when it still fails with every original kind. */
  try(candidate: ScenarioSpec): boolean {
    if (this.exhausted) return false;
    this.attempts++;
    const loaded = throughYaml(candidate);
    if (loaded === null) return false;
    this.runs++;
    const found = failureKinds(loaded).kinds;
    if (!this.kinds.every((kind) => found.includes(kind))) return false;
    this.best = loaded;
    return true;
  }
}

/** Greedy shrink of `spec`'s faults with index ≥ `ownFaults`; returns the smallest failing spec found. */
export function shrinkFaults(spec: ScenarioSpec, ownFaults: number, kinds: readonly string[], floorUs: number, budget = SHRINK_RUN_BUDGET): { spec: ScenarioSpec; runs: number } {
  const shrinker = new Shrinker(throughYaml(spec) ?? spec, kinds, budget);
  const swarmIndices = (): number[] => shrinker.best.faults.map((f) => f.index).filter((i) => i >= ownFaults).sort((a, b) => b - a);
  for (const index of swarmIndices()) {
    shrinker.try(withFaults(shrinker.best, shrinker.best.faults.filter((f) => f.index !== index)));
  }
  for (const index of swarmIndices()) {
    for (let round = 0; round < 8 && !shrinker.exhausted; round++) {
      const forUs = shrinker.best.faults.find((f) => f.index === index)?.forUs ?? null;
      const halvedUs = forUs === null ? null : Math.max(MIN_WINDOW_US, Math.round(forUs / 2 / US_PER_MS) * US_PER_MS);
      if (forUs === null || halvedUs === null || halvedUs >= forUs || !shrinker.try(replaceFault(shrinker.best, index, { forUs: halvedUs }))) break;
    }
  }
  for (const index of swarmIndices()) {
    for (let round = 0; round < 8 && !shrinker.exhausted; round++) {
      const atUs = shrinker.best.faults.find((f) => f.index === index)?.atUs ?? floorUs;
      const earlierUs = floorUs + Math.floor((atUs - floorUs) / 2 / US_PER_MS) * US_PER_MS;
      if (earlierUs >= atUs || !shrinker.try(replaceFault(shrinker.best, index, { atUs: earlierUs }))) break;
    }
  }
  return { spec: shrinker.best, runs: shrinker.runs };
}

export function shrinkSeed(spec: ScenarioSpec, seed: number, swarmKinds: readonly SwarmKind[], kinds: readonly string[], header: readonly string[]): ShrinkOutcome {
  const explored = seedScenario(spec, seed, swarmKinds);
  const floorUs = defaultSwarmOptions(spec, swarmKinds).startUs;
  const shrunk = shrinkFaults(explored, spec.faults.length, kinds, floorUs);
  return {
    type: 'shrunk',
    seed,
    yaml: scenarioToYaml(shrunk.spec, header),
    faultsBefore: explored.faults.length,
    faultsAfter: shrunk.spec.faults.length,
    runs: shrunk.runs,
  };
}

function isExploreWorker(data: unknown): data is ExploreWorkerData {
  return typeof data === 'object' && data !== null && (data as { marker?: unknown }).marker === WORKER_MARKER;
}

if (!isMainThread && parentPort !== null && isExploreWorker(workerData)) {
  const { spec, kinds } = workerData;
  const port = parentPort;
  port.on('message', (task: ExploreTask) => {
    const reply: ExploreReply = task.type === 'run' ? runSeed(spec, task.seed, kinds) : shrinkSeed(spec, task.seed, kinds, task.kinds, task.header);
    port.postMessage(reply);
  });
}
