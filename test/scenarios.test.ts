// Every bundled scenario is a test (DESIGN §14): it must load, run, and meet its `expect:` block,
// and it must be deterministic — the same seed gives the same trace hash, another seed another.

import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario } from '../sim/scenario/load.ts';
import { runScenario } from '../sim/scenario/run.ts';
import type { ScenarioSpec } from '../sim/scenario/spec.ts';

const DIR = new URL('../scenarios/', import.meta.url).pathname;
// bench-* scenarios are benchmarks (`npm run bench`): calibration runs and clusters of up to 100
// brokers that take minutes each, far over a test's budget. test/scenarios-bench.test.ts checks
// that they load, and failover-cost-1000-partitions runs the 100-broker shape here at a tenth.
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml') && !f.startsWith('bench-'))
  .sort();

function load(file: string): ScenarioSpec {
  const result = loadScenario(readFileSync(join(DIR, file), 'utf8'), file);
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.file}:${e.line}: ${e.path}: ${e.message}`).join('\n'));
  return result.spec;
}

describe('bundled scenarios', () => {
  it('there is at least the quick-start scenario', () => {
    expect(FILES).toContain('leader-failover.yaml');
  });

  for (const file of FILES) {
    it(`${file} meets its expectations`, () => {
      const { summary } = runScenario(load(file), { story: false });
      const failed = summary.expectations.filter((e) => !e.ok).map((e) => `${e.name}: ${e.detail}`);
      expect(failed).toEqual([]);
      expect(summary.ok).toBe(true);
    });
  }
});

describe('leader-failover, the quick-start scenario', () => {
  const spec = load('leader-failover.yaml');

  it('is deterministic: the same seed gives the same trace hash, another seed another', () => {
    const a = runScenario(spec, { story: false }).summary;
    const b = runScenario(spec, { story: false }).summary;
    const c = runScenario(spec, { seed: 7, story: false }).summary;
    expect(b.traceHash).toBe(a.traceHash);
    expect(b.events).toBe(a.events);
    expect(c.traceHash).not.toBe(a.traceHash);
  });

  it('tells the story: crash, session expiry, then a clean election of a new leader for orders/0', () => {
    const { story, summary } = runScenario(spec);
    const crash = story.findIndex((line) => line.includes('fault: crash the leader of orders/0'));
    const expiry = story.findIndex((line) => line.includes('ZooKeeper expired the session'));
    const election = story.findIndex((line) => /elected broker \d leader of orders\/0 .*\(clean, broker-failure\)/.test(line));
    expect(crash).toBeGreaterThanOrEqual(0);
    expect(expiry).toBeGreaterThan(crash);
    expect(election).toBeGreaterThan(expiry);
    expect(summary.produced.acked).toBeGreaterThan(100_000);
    expect(summary.anomalies.lostAckedWrites).toBe(0);
  });
});
