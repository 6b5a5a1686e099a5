// The promises that must hold under any fault plan (DESIGN §14, issue 11): a run is a function of
// its seed and plan; the safe configuration (RF 3, acks=all, min.insync.replicas 2, unclean off,
// KIP-320, no power loss) loses no acknowledged write and breaks no invariant; once every fault is
// undone the cluster heals and producers make progress; an idempotent producer writes no
// duplicates. Bounded runs with a fixed seed; FC_SEED / FC_RUNS explore further.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { SAFE_SWARM_KINDS } from '../../sim/faults/swarm.ts';
import { loadScenario } from '../../sim/scenario/load.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { anyCluster, caseOf, caseSpec, faultPlan, runParameters, safeCluster } from './arbitraries.ts';
import { require, runCase, unhealedPartitions } from './run-case.ts';

const TIMEOUT_MS = 120_000;

describe('fault properties', () => {
  it('the same seed and fault plan give the same trace hash', () => {
    fc.assert(
      fc.property(caseOf(anyCluster(), faultPlan()), (c) => {
        const first = runScenario(caseSpec(c), { story: false }).summary.traceHash;
        const second = runScenario(caseSpec(c), { story: false }).summary.traceHash;
        require(first === second, `trace hashes differ: ${first} then ${second}`, c);
      }),
      runParameters(4),
    );
  }, TIMEOUT_MS);

  it('the safe configuration loses no acknowledged write and breaks no invariant under any plan without power loss', () => {
    fc.assert(
      fc.property(caseOf(safeCluster(), faultPlan(SAFE_SWARM_KINDS)), (c) => {
        const { anomalies } = runCase(c).summary;
        require(anomalies.lostAckedWrites === 0, `${anomalies.lostAckedWrites} acknowledged writes were lost`, c);
        require(anomalies.invariantViolations === 0, `${anomalies.invariantViolations} invariant violations`, c);
      }),
      runParameters(12),
    );
  }, TIMEOUT_MS);

  // Liveness (TigerBeetle's second phase): once every fault is undone, each partition has a
  // running leader and its full ISR back within the liveness phase.
  it('after every fault is undone, each partition has a running leader and a full ISR', () => {
    fc.assert(
      fc.property(caseOf(safeCluster(), faultPlan()), (c) => {
        const result = runCase(c);
        const unhealed = unhealedPartitions(result, { fullIsr: true });
        require(unhealed.length === 0, `not healed at the end: ${unhealed.join(', ')}`, c);
      }),
      runParameters(8),
    );
  }, TIMEOUT_MS);

  it('an idempotent producer writes no duplicates under any plan', () => {
    const idempotent = safeCluster().map((shape) => ({ ...shape, idempotence: true }));
    fc.assert(
      fc.property(caseOf(idempotent, faultPlan(SAFE_SWARM_KINDS)), (c) => {
        const { anomalies } = runCase(c).summary;
        require(anomalies.duplicates === 0, `${anomalies.duplicates} duplicates`, c);
      }),
      runParameters(8),
    );
  }, TIMEOUT_MS);

  it('a failing property reports its seed, its path and the shrunk counterexample as a scenario that loads', () => {
    // Fails for any plan with a fault, so fast-check shrinks to one crash; nothing is simulated.
    const failing = fc.property(caseOf(safeCluster(), faultPlan(['crash'])), (c) => require(c.plan.length === 0, 'the plan has faults', c));
    let message = '';
    try {
      fc.assert(failing, { ...runParameters(20), numRuns: 20 });
    } catch (error) {
      message = error instanceof Error ? error.message : String(error);
    }
    expect(message).toMatch(/\{ seed: -?\d+, path: "\d+(:\d+)*"/);
    const yaml = message.split('--- counterexample (save as a .yaml file and `npx sim run` it) ---\n')[1]?.split(/\n\s+at /)[0] ?? '';
    const loaded = loadScenario(yaml, 'counterexample.yaml');
    if (!loaded.ok) throw new Error(`the reported counterexample does not load:\n${yaml}`);
    expect(loaded.spec.faults.map((f) => f.kind)).toEqual(['crash']);
    expect([loaded.spec.cluster.brokers.length, loaded.spec.topics[0]?.partitions]).toEqual([3, 1]);
  });
});
