// The bundled scenarios as tests: which files, how to load one, and the test that it meets its
// `expect:` block (shared by scenarios.test.ts and scenarios-more.test.ts).

import { expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario } from '../sim/scenario/load.ts';
import { runScenario } from '../sim/scenario/run.ts';
import type { ScenarioSpec } from '../sim/scenario/spec.ts';

const DIR = new URL('../scenarios/', import.meta.url).pathname;

// bench-* scenarios are benchmarks (`npm run bench`): calibration runs and clusters of up to 100
// brokers that take minutes each, far over a test's budget. test/scenarios-bench.test.ts checks
// that they load, and failover-cost-1000-partitions runs the 100-broker shape here at a tenth.
export const BUNDLED_SCENARIOS: readonly string[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml') && !f.startsWith('bench-'))
  .sort();

export function loadBundled(file: string): ScenarioSpec {
  const result = loadScenario(readFileSync(join(DIR, file), 'utf8'), file);
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.file}:${e.line}: ${e.path}: ${e.message}`).join('\n'));
  return result.spec;
}

/** One test per file: it runs and meets every expectation of its `expect:` block. */
export function expectationTests(files: readonly string[]): void {
  for (const file of files) {
    it(`${file} meets its expectations`, () => {
      const { summary } = runScenario(loadBundled(file), { story: false });
      const failed = summary.expectations.filter((e) => !e.ok).map((e) => `${e.name}: ${e.detail}`);
      expect(failed).toEqual([]);
      expect(summary.ok).toBe(true);
    });
  }
}
