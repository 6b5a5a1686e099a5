// Swarm fault plans (DESIGN §8): random fault timelines over a scenario's own targets, drawn
// from a seed, for `sim explore` and the property tests.
//
// Follows swarm testing (Groce et al., "Swarm Testing", ISSTA 2012, as TigerBeetle's VOPR uses
// it): each seed first enables a random subset of the allowed fault kinds and only then draws
// faults from that subset, so some seeds hammer one mechanism (only partitions) while others mix
// several. A plan is built from `FaultDraw`s — small integer records (kind, when, how long, which
// target, which shape) — so the fast-check arbitraries shrink the very same records that the
// seeded generator draws, and both map to `FaultSpec`s through `faultFromDraw`.
//
// Every fault is undone before `healByUs` (crashes restart, partitions heal, pauses end), so the
// run ends with a fault-free liveness phase. Faults of one kind family on one target never
// overlap in time, because undoing the first would cut the second short (the same rule the
// scenario loader enforces). Dynamic targets (`leader: T/P`, `controller`) share one family key,
// since which broker they hit is only known when they fire.
//
// Simplified: partitions are one at a time; `restart` is a bounce (kill and start at once, what
// `kafka-server-stop && start` does), so it needs no window.

import type { Rng } from '../core/rng.ts';
import { US_PER_MS } from '../core/time.ts';
import type { FaultSpec, PartitionShape, ScenarioSpec, TargetSpec } from '../scenario/spec.ts';

export const SWARM_KINDS = ['crash', 'restart', 'power-loss', 'pause', 'partition', 'slow-disk', 'zk-crash'] as const;
export type SwarmKind = (typeof SWARM_KINDS)[number];

/** Kinds that do not lose page-cache data; power loss is what breaks the "safe" configuration. */
export const SAFE_SWARM_KINDS: readonly SwarmKind[] = SWARM_KINDS.filter((kind) => kind !== 'power-loss');

/** One fault as small integers: what fast-check shrinks and what the seeded generator draws. */
export interface FaultDraw {
  kind: SwarmKind;
  atMs: number;
  forMs: number;
  /** Chooses the target among the scenario's candidates (modulo their count). */
  target: number;
  /** Chooses the partition shape or the slow-disk factor. */
  shape: number;
}

export interface SwarmOptions {
  kinds: readonly SwarmKind[];
  maxFaults: number;
  /** No fault fires before this (the cluster forms first). */
  startUs: number;
  /** Every fault is undone by then; the rest of the run is the liveness phase. */
  healByUs: number;
  /** Longest window of one fault. */
  maxWindowUs: number;
}

const MIN_WINDOW_MS = 500;
const SLOW_DISK_FACTORS = [5, 20, 100] as const;

/** Default plan bounds for a scenario: faults in the middle, the last third left to heal. */
export function defaultSwarmOptions(spec: ScenarioSpec, kinds: readonly SwarmKind[] = SWARM_KINDS): SwarmOptions {
  const durationUs = spec.durationUs;
  return {
    kinds,
    maxFaults: 6,
    startUs: Math.min(5_000 * US_PER_MS, Math.floor(durationUs / 6)),
    healByUs: Math.floor((durationUs * 2) / 3),
    maxWindowUs: Math.max(MIN_WINDOW_MS * US_PER_MS, Math.floor(durationUs / 4)),
  };
}

/** Parses `--nemesis crash,partition`; returns the unknown names instead when there are any. */
export function parseSwarmKinds(text: string): { kinds: SwarmKind[] } | { unknown: string[] } {
  const names = text.split(',').map((name) => name.trim()).filter((name) => name.length > 0);
  const unknown = names.filter((name) => !(SWARM_KINDS as readonly string[]).includes(name));
  return unknown.length > 0 || names.length === 0 ? { unknown } : { kinds: [...new Set(names)] as SwarmKind[] };
}

/** Draws a swarm plan: a random subset of `options.kinds`, then up to `maxFaults` draws from it. */
export function drawSwarmPlan(rng: Rng, options: SwarmOptions): FaultDraw[] {
  const enabled = options.kinds.filter(() => rng.chance(0.5));
  const kinds = enabled.length > 0 ? enabled : [rng.pick(options.kinds)];
  const count = rng.intBetween(1, Math.max(1, options.maxFaults));
  const startMs = Math.floor(options.startUs / US_PER_MS);
  const lastMs = Math.max(startMs, Math.floor(options.healByUs / US_PER_MS) - MIN_WINDOW_MS);
  const draws: FaultDraw[] = [];
  for (let i = 0; i < count; i++) {
    draws.push({
      kind: rng.pick(kinds),
      atMs: rng.intBetween(startMs, lastMs),
      forMs: rng.intBetween(MIN_WINDOW_MS, Math.max(MIN_WINDOW_MS, Math.floor(options.maxWindowUs / US_PER_MS))),
      target: rng.int(1_000),
      shape: rng.int(1_000),
    });
  }
  return draws;
}

/**
 * The scenario with `draws` appended to its own faults, clipped to `healByUs`, overlapping
 * windows dropped, and indices continuing after the scenario's own (the nemesis keys by index).
 */
export function withFaultDraws(spec: ScenarioSpec, draws: readonly FaultDraw[], healByUs: number): ScenarioSpec {
  const faults = [...spec.faults];
  const busy = new Map<string, { fromUs: number; toUs: number }[]>();
  for (const own of spec.faults) {
    const key = familyKey(own);
    busy.set(key, [...(busy.get(key) ?? []), { fromUs: own.atUs, toUs: own.forUs === null ? spec.durationUs : own.atUs + own.forUs }]);
  }
  const sorted = [...draws].sort((a, b) => a.atMs - b.atMs);
  for (const draw of sorted) {
    const fault = faultFromDraw(spec, draw, faults.length, healByUs);
    if (fault === null) continue;
    const key = familyKey(fault);
    const window = { fromUs: fault.atUs, toUs: fault.atUs + (fault.forUs ?? 0) };
    const taken = busy.get(key) ?? [];
    if (taken.some((w) => window.fromUs <= w.toUs && w.fromUs <= window.toUs)) continue;
    busy.set(key, [...taken, window]);
    faults.push(fault);
  }
  faults.sort((a, b) => a.atUs - b.atUs || a.index - b.index);
  return { ...spec, faults };
}

/** One draw as a fault of `spec`, or null when the scenario has nothing it could target. */
export function faultFromDraw(spec: ScenarioSpec, draw: FaultDraw, index: number, healByUs: number): FaultSpec | null {
  const atUs = draw.atMs * US_PER_MS;
  const forUs = Math.min(Math.max(MIN_WINDOW_MS, draw.forMs) * US_PER_MS, healByUs - atUs);
  if (forUs < MIN_WINDOW_MS * US_PER_MS && draw.kind !== 'restart') return null;
  const brokers = brokerTargets(spec);
  const zk = spec.zookeeper.servers.map((s): TargetSpec => ({ type: 'zk', serverId: s.id }));
  switch (draw.kind) {
    case 'restart': {
      const bounced = spec.cluster.brokers[draw.target % spec.cluster.brokers.length];
      return bounced === undefined ? null : { kind: 'restart', target: { type: 'broker', brokerId: bounced.id }, atUs, forUs: null, index };
    }
    case 'zk-crash':
      return { kind: 'zk-crash', target: pickOf(zk, draw.target), atUs, forUs, index };
    case 'slow-disk':
      return { kind: 'slow-disk', target: pickOf(brokers, draw.target), factor: pickOf(SLOW_DISK_FACTORS, draw.shape), atUs, forUs, index };
    case 'partition': {
      const shape = partitionShape(spec, draw, [...brokers, ...zk]);
      return shape === null ? null : { kind: 'partition', shape, atUs, forUs, index };
    }
    default:
      return { kind: draw.kind, target: pickOf(brokers, draw.target), atUs, forUs, index };
  }
}

/** Static brokers first (so shrinking `target` toward 0 lands on broker 1), then dynamic ones. */
function brokerTargets(spec: ScenarioSpec): TargetSpec[] {
  const targets: TargetSpec[] = spec.cluster.brokers.map((b) => ({ type: 'broker', brokerId: b.id }));
  for (const topic of spec.topics) {
    for (let partition = 0; partition < Math.min(topic.partitions, 4); partition++) targets.push({ type: 'leader', topic: topic.name, partition });
  }
  targets.push({ type: 'controller' });
  return targets;
}

function partitionShape(spec: ScenarioSpec, draw: FaultDraw, nodes: readonly TargetSpec[]): PartitionShape | null {
  const ids = spec.cluster.brokers.map((b) => b.id);
  if (ids.length < 2 && draw.shape % 3 !== 0) return { type: 'isolate', target: pickOf(nodes, draw.target) };
  const split = 1 + (draw.target % Math.max(1, ids.length - 1));
  const rotated = [...ids.slice(draw.shape % ids.length), ...ids.slice(0, draw.shape % ids.length)];
  const side = (list: number[]): TargetSpec[] => list.map((brokerId) => ({ type: 'broker', brokerId }));
  switch (draw.shape % 3) {
    case 0:
      return { type: 'isolate', target: pickOf(nodes, draw.target) };
    case 1:
      return { type: 'between', groups: [side(rotated.slice(0, split)), side(rotated.slice(split))] };
    default:
      return { type: 'one-way', from: side(rotated.slice(0, 1)), to: side(rotated.slice(1)) };
  }
}

function pickOf<T>(xs: readonly T[], choice: number): T {
  return xs[choice % xs.length] as T;
}

/** Faults that must not overlap: one process fault per machine, one partition, one slow disk. */
function familyKey(fault: FaultSpec): string {
  if (fault.kind === 'partition') return 'partition';
  if (!('target' in fault)) return fault.kind;
  const target = fault.target;
  const machine = target.type === 'broker' ? `broker ${target.brokerId}` : target.type === 'zk' ? `zk ${target.serverId}` : 'dynamic';
  return fault.kind === 'slow-disk' ? `slow-disk ${machine}` : `process ${machine}`;
}

/** The swarm plan of one explore seed applied to the scenario, with that seed as the run seed. */
export function swarmScenario(spec: ScenarioSpec, seed: number, rng: Rng, options: SwarmOptions): ScenarioSpec {
  return { ...withFaultDraws(spec, drawSwarmPlan(rng, options), options.healByUs), seed };
}
