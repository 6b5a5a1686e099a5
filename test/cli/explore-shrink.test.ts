// The `sim explore` shrinker (issue 11) against a synthetic judge, so no run is simulated: it
// reaches a fixed point where no step of its own still fails, spends no more than its budget,
// shrinks every axis (faults, brokers, partitions, duration, rate, windows, times) and never
// touches or strands the scenario's own faults.

import { describe, it, expect } from 'vitest';
import { shrinkCandidates, shrinkScenario, throughYaml, MIN_RATE_PER_SECOND, type ShrinkBounds } from '../../sim/cli/explore-shrink.ts';
import { seedChunks } from '../../sim/cli/explore-pool.ts';
import { loadScenario } from '../../sim/scenario/load.ts';
import type { ScenarioSpec } from '../../sim/scenario/spec.ts';

const SECOND_US = 1_000_000;
const BOUNDS: ShrinkBounds = { ownFaults: 1, floorUs: 5 * SECOND_US };

/** Four brokers, three partitions, one own fault on `ownBroker`, then four swarm faults. */
function failingScenario(ownBroker: number): ScenarioSpec {
  const loaded = loadScenario(
    `name: shrink-me
description: A scenario whose failure needs only broker 2 down for a second.
duration: 20s
cluster: {brokers: 4}
zookeeper: {servers: 3}
topics:
  - {name: t, partitions: 3, replication.factor: 3}
producers:
  - {name: p1, topic: t, rate: 200/s}
faults:
  - {at: 2s, for: 1s, slow-disk: {broker: ${ownBroker}, factor: 5}}
  - {at: 6s, for: 2s, partition: {between: [[1, 4], [2, 3]]}}
  - {at: 7s, for: 1s, pause: {broker: 4}}
  - {at: 9s, for: 4s, crash: {broker: 2}}
  - {at: 10s, for: 1s, crash: {leader: t/2}}
`,
    'shrink-me.yaml',
  );
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
  return loaded.spec;
}

/** "Loses writes" when broker 2 is down for at least a second of a run of at least 8 s on 3+ brokers. */
function judge(spec: ScenarioSpec): string[] {
  const crashed = spec.faults.some((f) => f.kind === 'crash' && f.target.type === 'broker' && f.target.brokerId === 2 && (f.forUs ?? 0) >= SECOND_US);
  return crashed && spec.durationUs >= 8 * SECOND_US && spec.cluster.brokers.length >= 3 ? ['lostAckedWrites'] : [];
}

function stillFails(candidate: ScenarioSpec): boolean {
  const loaded = throughYaml(candidate);
  return loaded !== null && judge(loaded).includes('lostAckedWrites');
}

describe('the explore shrinker', () => {
  it('shrinks every axis down to a fixed point where no candidate of its own still fails', () => {
    const result = shrinkScenario(failingScenario(1), ['lostAckedWrites'], BOUNDS, judge);
    expect(result.fixedPoint).toBe(true);
    expect(result.runs).toBeLessThanOrEqual(result.budget);
    const spec = result.spec;
    expect(judge(spec)).toEqual(['lostAckedWrites']);
    expect(spec.faults.map((f) => [f.kind, f.atUs, f.forUs])).toEqual([
      ['slow-disk', 2 * SECOND_US, SECOND_US],
      ['crash', BOUNDS.floorUs, SECOND_US],
    ]);
    expect(spec.cluster.brokers.map((b) => b.id)).toEqual([1, 2, 3]);
    expect(spec.topics[0]?.partitions).toBe(1);
    expect(spec.durationUs).toBe(8 * SECOND_US);
    expect(spec.producers[0]?.rate).toEqual({ kind: 'fixed', recordsPerSecond: MIN_RATE_PER_SECOND });
    expect(shrinkCandidates(spec, BOUNDS).filter(stillFails)).toEqual([]);
  });

  it('keeps a broker that one of the scenario own faults names', () => {
    const result = shrinkScenario(failingScenario(4), ['lostAckedWrites'], BOUNDS, judge);
    expect(result.spec.cluster.brokers.map((b) => b.id)).toEqual([1, 2, 3, 4]);
    expect(result.spec.faults[0]).toMatchObject({ kind: 'slow-disk', index: 0, atUs: 2 * SECOND_US, target: { type: 'broker', brokerId: 4 } });
  });

  it('stops when its run budget is spent, with a scenario that still fails', () => {
    const result = shrinkScenario(failingScenario(1), ['lostAckedWrites'], BOUNDS, judge, 4);
    expect(result.runs).toBe(4);
    expect(result.fixedPoint).toBe(false);
    expect(judge(result.spec)).toEqual(['lostAckedWrites']);
    expect(result.spec.faults.length).toBeLessThan(5);
  });

  it('keeps the original when nothing smaller fails', () => {
    const original = failingScenario(1);
    const result = shrinkScenario(original, ['lostAckedWrites'], BOUNDS, () => []);
    expect(result.spec.faults.length).toBe(original.faults.length);
    expect(result.fixedPoint).toBe(true);
  });
});

describe('the seed chunks of the worker pool', () => {
  it('cover the seeds in order, start large and end with single seeds', () => {
    const seeds = Array.from({ length: 1_000 }, (_, i) => 40 + i);
    const chunks = seedChunks(seeds, 2);
    expect(chunks.flat()).toEqual(seeds);
    expect(chunks[0]?.length).toBe(64);
    expect(chunks.at(-1)?.length).toBe(1);
    expect(chunks.every((chunk, i) => i === 0 || chunk.length <= (chunks[i - 1]?.length ?? 0))).toBe(true);
    expect(seedChunks([], 2)).toEqual([]);
  });
});
