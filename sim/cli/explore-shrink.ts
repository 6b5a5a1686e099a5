// Shrinking a failing `sim explore` scenario to a small one that still fails the same way
// (DESIGN §12, issue 11), as delta debugging does it (Zeller and Hildebrandt, "Simplifying and
// Isolating Failure-Inducing Input", TSE 2002) and as Hypothesis and fast-check shrink: propose
// smaller candidates, keep the first that still fails, and repeat until a whole round of every
// step finds nothing smaller (a fixed point) or the run budget is spent.
//
// Steps, biggest first: remove swarm faults (all, then halves, quarters, … single ones, like
// ddmin's complements); drop the highest broker when no topic needs it; fewer partitions; a
// shorter run (down to one second after the last fault ends); a lower producer rate; shorter
// `for` windows; earlier faults. A candidate "still fails" when its run fails with every kind the
// original failed with. Every candidate goes through `scenarioToYaml` and `loadScenario` first,
// so what is kept is exactly what the written file replays; a candidate the loader refuses costs
// no run. Candidates already judged are remembered by their YAML text, so the fixed-point round
// that proves nothing helps re-runs nothing. The scenario's own faults (indices below
// `ownFaults`) are never changed, and a change that would break one of them is not proposed.
//
// Simplified: brokers are removed from the highest id down only; times move in 100 ms steps.

import { US_PER_MS, US_PER_SECOND } from '../core/time.ts';
import { loadScenario } from '../scenario/load.ts';
import type { FaultSpec, PartitionShape, ScenarioSpec, TargetSpec } from '../scenario/spec.ts';
import { scenarioToYaml } from '../scenario/to-yaml.ts';

/** Re-runs allowed per shrunk failure. */
export const SHRINK_RUN_BUDGET = 120;
/** Shortest `for` window proposed (the swarm's own minimum). */
export const MIN_WINDOW_US = 500 * US_PER_MS;
/** Lowest producer rate proposed. */
export const MIN_RATE_PER_SECOND = 10;
/** Run time kept after the last fault ends, so the loss can show. */
const TAIL_US = US_PER_SECOND;
/** Granularity of moved times and shortened windows. */
const STEP_US = 100 * US_PER_MS;

/** How a spec fails: the sorted kinds, empty when it passes. */
export type Judge = (spec: ScenarioSpec) => readonly string[];

export interface ShrinkBounds {
  /** Faults with an index below this are the scenario's own and stay as they are. */
  ownFaults: number;
  /** No fault is moved earlier than this (the cluster forms first). */
  floorUs: number;
}

export interface ShrinkResult {
  spec: ScenarioSpec;
  /** Candidate runs spent. */
  runs: number;
  budget: number;
  /** True when a whole round of every step found nothing smaller that still fails. */
  fixedPoint: boolean;
}

type Step = (spec: ScenarioSpec, bounds: ShrinkBounds) => ScenarioSpec[];

/** The steps in the order each round tries them: the biggest reductions first. */
const STEPS: readonly Step[] = [fewerFaults, fewerBrokers, fewerPartitions, shorterRun, lowerRate, shorterWindows, earlierFaults];

/** Fixed-point shrink of `spec`, which fails with `kinds` according to `judge`. */
export function shrinkScenario(spec: ScenarioSpec, kinds: readonly string[], bounds: ShrinkBounds, judge: Judge, budget = SHRINK_RUN_BUDGET): ShrinkResult {
  let best = throughYaml(spec) ?? spec;
  const judged = new Set<string>([scenarioToYaml(best)]);
  let runs = 0;
  let attempts = 0;
  const exhausted = (): boolean => runs >= budget || attempts >= budget * 20;
  const stillFails = (candidate: ScenarioSpec): ScenarioSpec | null => {
    attempts++;
    const loaded = throughYaml(candidate);
    if (loaded === null) return null;
    const text = scenarioToYaml(loaded);
    if (judged.has(text)) return null;
    judged.add(text);
    runs++;
    const found = judge(loaded);
    return kinds.every((kind) => found.includes(kind)) ? loaded : null;
  };
  for (let round = 0; round < budget && !exhausted(); round++) {
    let improved = false;
    for (const step of STEPS) {
      for (const candidate of step(best, bounds)) {
        if (exhausted()) return { spec: best, runs, budget, fixedPoint: false };
        const kept = stillFails(candidate);
        if (kept === null) continue;
        best = kept;
        improved = true;
        break;
      }
    }
    if (!improved) return { spec: best, runs, budget, fixedPoint: true };
  }
  return { spec: best, runs, budget, fixedPoint: false };
}

/** Every step's candidates for `spec`: what the fixed point is checked against. */
export function shrinkCandidates(spec: ScenarioSpec, bounds: ShrinkBounds): ScenarioSpec[] {
  return STEPS.flatMap((step) => step(spec, bounds));
}

/** The spec as its YAML file would load it, or null when the loader refuses it. */
export function throughYaml(spec: ScenarioSpec): ScenarioSpec | null {
  const loaded = loadScenario(scenarioToYaml(spec), `${spec.name}.yaml`);
  return loaded.ok ? loaded.spec : null;
}

/** Faults renumbered by position (as the loader numbers them) and ordered by time. */
function withFaults(spec: ScenarioSpec, faults: readonly FaultSpec[]): ScenarioSpec {
  const renumbered = [...faults].sort((a, b) => a.index - b.index).map((fault, index) => ({ ...fault, index }));
  return { ...spec, faults: renumbered.sort((a, b) => a.atUs - b.atUs || a.index - b.index) };
}

function swarmFaults(spec: ScenarioSpec, bounds: ShrinkBounds): FaultSpec[] {
  return spec.faults.filter((f) => f.index >= bounds.ownFaults).sort((a, b) => a.index - b.index);
}

/** ddmin's complements: without all swarm faults, then without each half, quarter, … single one. */
function fewerFaults(spec: ScenarioSpec, bounds: ShrinkBounds): ScenarioSpec[] {
  const swarm = swarmFaults(spec, bounds);
  if (swarm.length === 0) return [];
  const candidates = [withFaults(spec, spec.faults.filter((f) => f.index < bounds.ownFaults))];
  for (let size = Math.ceil(swarm.length / 2); size >= 1; size = size === 1 ? 0 : Math.ceil(size / 2)) {
    for (let from = 0; from < swarm.length && size < swarm.length; from += size) {
      const removed = new Set(swarm.slice(from, from + size).map((f) => f.index));
      candidates.push(withFaults(spec, spec.faults.filter((f) => !removed.has(f.index))));
    }
  }
  return candidates;
}

/** Without the highest broker, when every topic keeps enough brokers and no own fault names it. */
function fewerBrokers(spec: ScenarioSpec, bounds: ShrinkBounds): ScenarioSpec[] {
  const brokers = spec.cluster.brokers;
  const last = brokers.at(-1);
  const needed = Math.max(1, ...spec.topics.map((t) => t.replicationFactor));
  if (last === undefined || brokers.length <= needed) return [];
  const names = (target: TargetSpec): boolean => target.type === 'broker' && target.brokerId === last.id;
  if (spec.faults.some((f) => f.index < bounds.ownFaults && faultNames(f, names))) return [];
  if (spec.topics.some((t) => t.assignment?.some((replicas) => replicas.includes(last.id)) === true)) return [];
  const faults = spec.faults.flatMap((f) => (f.index < bounds.ownFaults ? [f] : withoutTargets(f, names)));
  return [withFaults({ ...spec, cluster: { ...spec.cluster, brokers: brokers.slice(0, -1) } }, faults)];
}

/** One partition per topic, then one fewer; swarm faults on a partition that goes are dropped. */
function fewerPartitions(spec: ScenarioSpec, bounds: ShrinkBounds): ScenarioSpec[] {
  const candidates: ScenarioSpec[] = [];
  for (const topic of spec.topics) {
    for (const count of new Set([1, topic.partitions - 1])) {
      if (count < 1 || count >= topic.partitions) continue;
      const gone = (target: TargetSpec): boolean => target.type === 'leader' && target.topic === topic.name && target.partition >= count;
      if (spec.faults.some((f) => f.index < bounds.ownFaults && faultNames(f, gone))) continue;
      const topics = spec.topics.map((t) => (t !== topic ? t : { ...t, partitions: count, assignment: t.assignment?.slice(0, count) ?? null }));
      const faults = spec.faults.flatMap((f) => (f.index < bounds.ownFaults ? [f] : withoutTargets(f, gone)));
      candidates.push(withFaults({ ...spec, topics }, faults));
    }
  }
  return candidates;
}

/** The run cut to one second after the last fault ends, or halfway there; clients stop by then. */
function shorterRun(spec: ScenarioSpec): ScenarioSpec[] {
  const lastEndUs = Math.max(0, ...spec.faults.map((f) => f.atUs + (f.forUs ?? 0)));
  const shortestUs = Math.ceil((lastEndUs + TAIL_US) / US_PER_SECOND) * US_PER_SECOND;
  const halfwayUs = Math.ceil((shortestUs + spec.durationUs) / 2 / US_PER_SECOND) * US_PER_SECOND;
  return [...new Set([shortestUs, halfwayUs])]
    .filter((durationUs) => durationUs < spec.durationUs)
    .map((durationUs) => ({
      ...spec,
      durationUs,
      producers: spec.producers.map((p) => ({ ...p, stopUs: Math.min(p.stopUs, durationUs) })),
      consumers: spec.consumers.map((c) => ({ ...c, stopUs: Math.min(c.stopUs, durationUs) })),
    }));
}

/** Each fixed-rate producer at the lowest rate, or at half its rate. */
function lowerRate(spec: ScenarioSpec): ScenarioSpec[] {
  const candidates: ScenarioSpec[] = [];
  spec.producers.forEach((producer, i) => {
    if (producer.rate.kind !== 'fixed') return;
    const current = producer.rate.recordsPerSecond;
    for (const recordsPerSecond of new Set([MIN_RATE_PER_SECOND, Math.max(MIN_RATE_PER_SECOND, Math.floor(current / 2))])) {
      if (recordsPerSecond >= current) continue;
      const producers = spec.producers.map((p, j) => (j === i ? { ...p, rate: { kind: 'fixed' as const, recordsPerSecond } } : p));
      candidates.push({ ...spec, producers });
    }
  });
  return candidates;
}

/** Each swarm fault's `for` window at the minimum, or halved. */
function shorterWindows(spec: ScenarioSpec, bounds: ShrinkBounds): ScenarioSpec[] {
  return swarmFaults(spec, bounds).flatMap((fault) => {
    if (fault.forUs === null || fault.forUs <= MIN_WINDOW_US) return [];
    const halvedUs = Math.max(MIN_WINDOW_US, Math.floor(fault.forUs / 2 / STEP_US) * STEP_US);
    return [...new Set([MIN_WINDOW_US, halvedUs])].filter((forUs) => forUs < (fault.forUs ?? 0)).map((forUs) => replaceFault(spec, fault.index, { forUs }));
  });
}

/** Each swarm fault moved to the floor, or halfway there. */
function earlierFaults(spec: ScenarioSpec, bounds: ShrinkBounds): ScenarioSpec[] {
  return swarmFaults(spec, bounds).flatMap((fault) => {
    if (fault.atUs <= bounds.floorUs) return [];
    const halfwayUs = bounds.floorUs + Math.floor((fault.atUs - bounds.floorUs) / 2 / STEP_US) * STEP_US;
    return [...new Set([bounds.floorUs, halfwayUs])].filter((atUs) => atUs < fault.atUs).map((atUs) => replaceFault(spec, fault.index, { atUs }));
  });
}

function replaceFault(spec: ScenarioSpec, index: number, change: Partial<FaultSpec>): ScenarioSpec {
  return withFaults(spec, spec.faults.map((fault) => (fault.index === index ? ({ ...fault, ...change } as FaultSpec) : fault)));
}

function faultNames(fault: FaultSpec, names: (target: TargetSpec) => boolean): boolean {
  if ('target' in fault) return names(fault.target);
  if (fault.kind === 'partition') return shapeTargets(fault.shape).some(names);
  if (fault.kind === 'config') return fault.scope.type === 'broker' && names({ type: 'broker', brokerId: fault.scope.brokerId });
  return false;
}

/** The fault without the named targets: a partition loses them from its sides, anything else goes. */
function withoutTargets(fault: FaultSpec, names: (target: TargetSpec) => boolean): FaultSpec[] {
  if (!faultNames(fault, names)) return [fault];
  if (fault.kind !== 'partition' || fault.shape.type === 'isolate') return [];
  const keep = (side: TargetSpec[]): TargetSpec[] => side.filter((t) => !names(t));
  const shape: PartitionShape =
    fault.shape.type === 'between' ? { type: 'between', groups: fault.shape.groups.map(keep).filter((g) => g.length > 0) } : { type: 'one-way', from: keep(fault.shape.from), to: keep(fault.shape.to) };
  const sides = shape.type === 'between' ? shape.groups : [shape.from, shape.to];
  return sides.filter((side) => side.length > 0).length < 2 ? [] : [{ ...fault, shape }];
}

function shapeTargets(shape: PartitionShape): TargetSpec[] {
  if (shape.type === 'isolate') return [shape.target];
  if (shape.type === 'between') return shape.groups.flat();
  return [...shape.from, ...shape.to];
}
