// fast-check arbitraries for the fault properties (DESIGN §14): small clusters, small workloads
// and swarm fault plans, each producing a fully resolved ScenarioSpec. A cluster and workload
// are built as a scenario object and resolved with `loadScenario`, so every default is the one a
// user would get. Fault plans are `FaultDraw` lists (sim/faults/swarm.ts) that shrink toward
// fewer faults, earlier `at`, shorter `for`, the first target and the first shape; clusters
// shrink toward fewer brokers and partitions.
//
// Runs are kept short (24 s simulated, a 6 s ZooKeeper session) so one run takes well under a
// second; faults fire between 4 s and 14 s, and the last 10 s are the liveness phase.

import fc from 'fast-check';
import { stringify } from 'yaml';
import { withFaultDraws, SWARM_KINDS, type FaultDraw, type SwarmKind } from '../../sim/faults/swarm.ts';
import { loadScenario } from '../../sim/scenario/load.ts';
import type { ScenarioSpec } from '../../sim/scenario/spec.ts';
import { scenarioToYaml } from '../../sim/scenario/to-yaml.ts';

export const DURATION_MS = 24_000;
export const FAULTS_FROM_MS = 4_000;
export const HEAL_BY_MS = 14_000;

/** The durability-relevant settings of a cluster and its producer. */
export interface ClusterShape {
  brokers: number;
  partitions: number;
  replicationFactor: number;
  minInsyncReplicas: number;
  unclean: boolean;
  acks: 'all' | '1';
  idempotence: boolean;
  protocol: 'kip-101' | 'kip-279' | 'kip-320';
  ratePerSecond: number;
}

/** RF 3, acks=all, min.insync 2, unclean off, kip-320: the configuration Kafka promises not to lose with. */
export function safeCluster(): fc.Arbitrary<ClusterShape> {
  return fc.record({
    brokers: fc.integer({ min: 3, max: 4 }),
    partitions: fc.integer({ min: 1, max: 2 }),
    replicationFactor: fc.constant(3),
    minInsyncReplicas: fc.constant(2),
    unclean: fc.constant(false),
    acks: fc.constant('all' as const),
    idempotence: fc.boolean(),
    protocol: fc.constant('kip-320' as const),
    ratePerSecond: fc.integer({ min: 100, max: 400 }),
  });
}

/** Any mix of the settings, unsafe ones included. */
export function anyCluster(): fc.Arbitrary<ClusterShape> {
  return fc
    .record({
      brokers: fc.integer({ min: 2, max: 4 }),
      partitions: fc.integer({ min: 1, max: 2 }),
      replicationFactor: fc.integer({ min: 2, max: 3 }),
      minInsyncReplicas: fc.integer({ min: 1, max: 2 }),
      unclean: fc.boolean(),
      acks: fc.constantFrom('all' as const, '1' as const),
      idempotence: fc.boolean(),
      protocol: fc.constantFrom('kip-320' as const, 'kip-279' as const, 'kip-101' as const),
      ratePerSecond: fc.integer({ min: 100, max: 400 }),
    })
    .map((shape) => ({ ...shape, replicationFactor: Math.min(shape.replicationFactor, shape.brokers), idempotence: shape.idempotence && shape.acks === 'all' }));
}

/** The scenario object of a cluster shape, before faults, as a user would write it. */
export function scenarioObject(shape: ClusterShape): Record<string, unknown> {
  return {
    name: 'property',
    description: 'A generated property-test scenario.',
    seed: 1,
    duration: `${DURATION_MS}ms`,
    cluster: {
      brokers: shape.brokers,
      'replication.protocol': shape.protocol,
      config: { 'min.insync.replicas': shape.minInsyncReplicas, 'unclean.leader.election.enable': shape.unclean },
    },
    zookeeper: { servers: 3, 'session.timeout.ms': 6000 },
    topics: [{ name: 'orders', partitions: shape.partitions, 'replication.factor': shape.replicationFactor }],
    producers: [
      {
        name: 'p1',
        topic: 'orders',
        rate: `${shape.ratePerSecond}/s`,
        'message.bytes': 100,
        keys: { count: 100 },
        config: { acks: shape.acks, 'enable.idempotence': shape.idempotence, 'linger.ms': 5, 'delivery.timeout.ms': 8000, 'request.timeout.ms': 3000 },
      },
    ],
  };
}

/** Resolves a cluster shape through the loader; a shape the loader refuses is a bug in this file. */
export function baseScenario(shape: ClusterShape): ScenarioSpec {
  const loaded = loadScenario(stringify(scenarioObject(shape)), 'property.yaml');
  if (!loaded.ok) throw new Error(`arbitraries: the generated scenario is invalid: ${loaded.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  return loaded.spec;
}

export function faultDraw(kinds: readonly SwarmKind[], minForMs = 500): fc.Arbitrary<FaultDraw> {
  return fc.record({
    kind: fc.constantFrom(...kinds),
    atMs: fc.integer({ min: FAULTS_FROM_MS, max: HEAL_BY_MS - 1_000 }),
    forMs: fc.integer({ min: minForMs, max: Math.max(minForMs, 8_000) }),
    target: fc.nat({ max: 20 }),
    shape: fc.nat({ max: 20 }),
  });
}

export function faultPlan(kinds: readonly SwarmKind[] = SWARM_KINDS, maxFaults = 4, minForMs = 500): fc.Arbitrary<FaultDraw[]> {
  return fc.array(faultDraw(kinds, minForMs), { minLength: 0, maxLength: maxFaults });
}

export interface Case {
  shape: ClusterShape;
  plan: FaultDraw[];
  seed: number;
}

export function caseOf(cluster: fc.Arbitrary<ClusterShape>, plan: fc.Arbitrary<FaultDraw[]>): fc.Arbitrary<Case> {
  return fc.record({ shape: cluster, plan, seed: fc.nat({ max: 1_000_000 }) });
}

/** The case as a runnable spec: the base scenario, the plan's faults, the seed. */
export function caseSpec(c: Case): ScenarioSpec {
  return { ...withFaultDraws(baseScenario(c.shape), c.plan, HEAL_BY_MS * 1_000), seed: c.seed };
}

/** How a failing case is reported: fast-check's `{seed, path}` plus the case as a scenario file. */
export function reproduction(c: Case): string {
  return scenarioToYaml(caseSpec(c), ['Counterexample found by a property test; replay with: npx sim run <this file>']);
}

/**
 * fast-check parameters: a fixed seed in CI, `FC_SEED` / `FC_RUNS` to explore further. A failure
 * report carries fast-check's `{ seed, path }` and, through `includeErrorInReport`, the shrunk
 * case's error text, which `require` (run-case.ts) makes the ready-to-run scenario YAML.
 */
export function runParameters(defaultRuns: number): { seed: number; numRuns: number; verbose: 0; includeErrorInReport: true } {
  const seed = process.env.FC_SEED === undefined ? 20_240_611 : Number(process.env.FC_SEED);
  const numRuns = process.env.FC_RUNS === undefined ? defaultRuns : Number(process.env.FC_RUNS);
  return { seed, numRuns, verbose: 0, includeErrorInReport: true };
}
