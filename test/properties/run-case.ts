// Running one property case and judging it: the checks the fault properties share, each failing
// with the case written out as a ready-to-run scenario, so the shrunk counterexample that
// fast-check reports (next to its `{seed, path}`) can be replayed with `sim run`.

import { runScenario, type RunResult } from '../../sim/scenario/run.ts';
import { caseSpec, reproduction, type Case } from './arbitraries.ts';

export function runCase(c: Case): RunResult {
  return runScenario(caseSpec(c), { story: false });
}

/** Throws with the reproduction when `ok` is false. */
export function require(ok: boolean, what: string, c: Case): void {
  if (!ok) throw new Error(`${what}\n--- counterexample (save as a .yaml file and \`npx sim run\` it) ---\n${reproduction(c)}`);
}

/** Partitions without a running leader (or, with `fullIsr`, whose ISR in ZooKeeper lacks a replica) at the end. */
export function unhealedPartitions(result: RunResult, options: { fullIsr: boolean }): string[] {
  const observer = result.simulation.observer;
  const spec = result.simulation.spec;
  return observer.partitionNames().filter((name) => {
    const state = observer.zkState(name);
    const replicationFactor = spec.topics.find((t) => name.startsWith(`${t.name}/`) || name.startsWith(`${t.name}-`))?.replicationFactor ?? 0;
    return observer.leaderOf(name) === null || state === null || (options.fullIsr && state.isr.length < replicationFactor);
  });
}
