// The bench-* scenarios are too slow for CI (test/scenarios.test.ts leaves them out), so here they
// are only loaded and validated; the 100-broker failover's shape is run at a tenth of its size,
// failover-cost-1000-partitions, and its trace is held to FIDELITY B4 and B5 directly: elections
// cost ~5 ms per partition after the session expiry, and a new controller reloads every
// partition at ~2 ms each before it acts.

import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TraceEvent } from '../sim/core/trace.ts';
import { DEFAULT_CONTROLLER_COSTS } from '../sim/kafka/broker-config.ts';
import { loadScenario } from '../sim/scenario/load.ts';
import { runScenario } from '../sim/scenario/run.ts';

const DIR = new URL('../scenarios/', import.meta.url).pathname;
const BENCH_FILES = readdirSync(DIR)
  .filter((f) => f.startsWith('bench-') && f.endsWith('.yaml'))
  .sort();

const ELECTION_US = DEFAULT_CONTROLLER_COSTS.electionUsPerPartition;
const RELOAD_US = DEFAULT_CONTROLLER_COSTS.reloadUsPerPartition;
const ISR_REMOVAL_US = DEFAULT_CONTROLLER_COSTS.isrRemovalUsPerPartition;
/** ZooKeeper round trips and request handling around the controller's work. */
const SLACK_US = 200_000;

describe('bench scenarios', () => {
  it('include the 12- and 100-broker scale runs', () => {
    expect(BENCH_FILES).toEqual(expect.arrayContaining(['bench-scale-12-brokers.yaml', 'bench-scale-100-brokers.yaml']));
  });

  for (const file of BENCH_FILES) {
    it(`${file} loads, validates and is named after its file`, () => {
      const result = loadScenario(readFileSync(join(DIR, file), 'utf8'), file);
      if (!result.ok) throw new Error(result.errors.map((e) => `${e.file}:${e.line}: ${e.path}: ${e.message}`).join('\n'));
      expect(result.spec.name).toBe(file.replace(/\.yaml$/, ''));
    });
  }
});

describe('failover-cost-1000-partitions, the 100-broker failover at a tenth', () => {
  const file = 'failover-cost-1000-partitions.yaml';
  const kinds = new Set(['broker-change', 'controller', 'leader-election', 'isr-change']);
  let run: { events: TraceEvent[]; partitions: number } | undefined;
  /** One run shared by the tests, made when the first of them needs it. */
  const traced = (): { events: TraceEvent[]; partitions: number } => {
    if (run !== undefined) return run;
    const loaded = loadScenario(readFileSync(join(DIR, file), 'utf8'), file);
    if (!loaded.ok) throw new Error(`${file} does not load`);
    const events: TraceEvent[] = [];
    runScenario(loaded.spec, { story: false, sinks: [{ accept: (_line, event) => (kinds.has(event.k) ? events.push(event) : undefined) }] });
    run = { events, partitions: loaded.spec.topics.reduce((sum, topic) => sum + topic.partitions, 0) };
    return run;
  };

  it('elects a dead broker’s partitions ~5 ms each after the controller learns of its death (B4)', () => {
    const { events } = traced();
    const change = events.find((e) => e.k === 'broker-change' && (e.deadBrokers as number[]).length > 0)!;
    const elections = events.filter((e) => e.k === 'leader-election' && e.reason === 'broker-failure' && e.t >= change.t);
    const batch = elections.filter((e) => e.t === elections[0]!.t);
    expect(batch.length).toBeGreaterThanOrEqual(50);
    const tookUs = batch[0]!.t - change.t;
    expect(tookUs).toBeGreaterThanOrEqual(ELECTION_US * batch.length);
    expect(tookUs).toBeLessThan(ELECTION_US * batch.length + SLACK_US);
  });

  it('a new controller reloads every partition at ~2 ms each before its first write (B5)', () => {
    const { events, partitions } = traced();
    const takeover = events.find((e) => e.k === 'controller' && Number(e.epoch) === 2)!;
    const writes = events.filter((e) => (e.k === 'isr-change' || e.k === 'leader-election') && e.controller === takeover.broker && e.t > takeover.t);
    const firstUs = writes[0]!.t;
    // The first write's own cost (ISR removals or elections, all paid before it) is taken off.
    const first = writes.filter((e) => e.t === firstUs);
    const perWriteUs = first[0]!.k === 'isr-change' ? ISR_REMOVAL_US : ELECTION_US;
    const reloadUs = firstUs - takeover.t - perWriteUs * first.length;
    expect(reloadUs).toBeGreaterThanOrEqual(RELOAD_US * partitions);
    expect(reloadUs).toBeLessThan(RELOAD_US * partitions + SLACK_US);
  });
});
