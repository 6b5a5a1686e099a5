// The promises that must hold under any fault plan (DESIGN §14, issue 11): a run is a function of
// its seed and plan; the safe configuration (RF 3, acks=all, min.insync.replicas 2, unclean off,
// KIP-320, no power loss) loses no acknowledged write and breaks no invariant; once every fault is
// undone the cluster heals and producers make progress; an idempotent producer writes no
// duplicates. Bounded runs with a fixed seed; FC_SEED / FC_RUNS explore further.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { SAFE_SWARM_KINDS } from '../../sim/faults/swarm.ts';
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

  it('a failing case reports itself as a scenario that replays the same run', () => {
    const c = { shape: { brokers: 3, partitions: 1, replicationFactor: 3, minInsyncReplicas: 2, unclean: false, acks: 'all' as const, idempotence: true, protocol: 'kip-320' as const, ratePerSecond: 100 }, plan: [], seed: 5 };
    expect(() => require(false, 'demonstration', c)).toThrow(/seed: 5[\s\S]*replication\.factor: 3/);
  });
});
