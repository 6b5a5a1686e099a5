// Every bundled scenario is a test (DESIGN §14): it must load, run, and meet its `expect:` block,
// and it must be deterministic — the same seed gives the same trace hash, another seed another.
// The library runs in two files (this one takes every other scenario, scenarios-more.test.ts the
// rest) so that Vitest spreads it over two workers.

import { describe, expect, it } from 'vitest';
import { runScenario } from '../sim/scenario/run.ts';
import { BUNDLED_SCENARIOS, expectationTests, loadBundled as load } from './scenario-files.ts';

describe('bundled scenarios', () => {
  it('there is at least the quick-start scenario', () => {
    expect(BUNDLED_SCENARIOS).toContain('leader-failover.yaml');
  });

  expectationTests(BUNDLED_SCENARIOS.filter((_, index) => index % 2 === 0));
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
