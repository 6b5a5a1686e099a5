// The search finds what it is for (issue 11): with acks=1 or unclean leader election on, some
// fault plan loses acknowledged writes, the property search finds one within its run budget, and
// shrinking brings it down to at most three faults.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { anyCluster, caseOf, faultPlan, reproduction, runParameters, type Case, type ClusterShape } from './arbitraries.ts';
import { runCase } from './run-case.ts';

const TIMEOUT_MS = 120_000;

function searchForLoss(cluster: fc.Arbitrary<ClusterShape>): fc.RunDetails<[Case]> {
  return fc.check(
    fc.property(caseOf(cluster, faultPlan(['crash', 'power-loss', 'partition'], 4)), (c) => runCase(c).summary.anomalies.lostAckedWrites === 0),
    { ...runParameters(30), interruptAfterTimeLimit: 50_000 },
  );
}

/** Expects a loss found and shrunk to at most three faults; says where it came from when not. */
function expectSmallLoss(details: fc.RunDetails<[Case]>): void {
  expect(details.failed, `no loss in ${details.numRuns} runs (seed ${details.seed})`).toBe(true);
  const found = details.counterexample?.[0];
  const where = `seed ${details.seed}, path "${details.counterexamplePath ?? ''}"`;
  expect(found?.plan.length, found === undefined ? where : `${where}; the shrunk counterexample:\n${reproduction(found)}`).toBeLessThanOrEqual(3);
}

describe('unsafe configurations are found unsafe', () => {
  it('acks=1 loses acknowledged writes under a plan of at most three faults', () => {
    expectSmallLoss(searchForLoss(anyCluster().map((shape) => ({ ...shape, acks: '1' as const, idempotence: false }))));
  }, TIMEOUT_MS);

  it('unclean leader election with min.insync.replicas 1 loses acknowledged writes under at most three faults', () => {
    expectSmallLoss(searchForLoss(anyCluster().map((shape) => ({ ...shape, unclean: true, minInsyncReplicas: 1 }))));
  }, TIMEOUT_MS);
});
