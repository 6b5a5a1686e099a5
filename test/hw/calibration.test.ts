// The calibration scenarios (bench/calibration.ts, FIDELITY §C), shortened: not the published
// figures, which `npm run bench` reports, but the relations between rows that say each binds for
// its own reason. Each run is cut to a few simulated seconds and measured after the cluster is up.

import { describe, expect, it } from 'vitest';
import { ackedRecordsPerSecond, catchUpRecordsPerSecond } from '../../bench/calibration.ts';
import { loadScenarioFile } from '../../sim/cli/scenario-file.ts';
import { tcpPayloadBitsPerSecond } from '../../sim/hw/profiles.ts';
import { runScenario } from '../../sim/scenario/run.ts';

const DIR = new URL('../../scenarios/', import.meta.url).pathname;
const WARMUP_US = 1_800_000;

function producerRate(scenario: string): number {
  const { simulation, summary } = runScenario(loadScenarioFile(`${DIR}${scenario}.yaml`, ['duration=2.6s']), { detail: 'summary', story: false });
  expect(summary.ok).toBe(true);
  return ackedRecordsPerSecond(simulation, WARMUP_US);
}

function consumerRate(scenario: string, groups: readonly string[]): number {
  const overrides = [
    'duration=4.6s',
    ...['fill-1', 'fill-2', 'fill-3'].map((p) => `producers.${p}.stop=1.8s`),
    ...groups.map((g) => `consumers.${g}.start=3s`),
  ];
  const { simulation, summary } = runScenario(loadScenarioFile(`${DIR}${scenario}.yaml`, overrides), { detail: 'summary', story: false });
  expect(summary.ok).toBe(true);
  return catchUpRecordsPerSecond({ simulation, groups: simulation.groupHistories() });
}

describe('LinkedIn 2014 calibration relations', () => {
  it('one producer is bound by its send() thread: three replicas with acks=1 cost it almost nothing', () => {
    const rf1 = producerRate('bench-linkedin-2014-producer-rf1');
    const rf3 = producerRate('bench-linkedin-2014-producer-rf3-acks1');
    const acksAll = producerRate('bench-linkedin-2014-producer-rf3-acks-all');
    // 1.2 µs of client CPU per record caps one producer near 830,000 records/s.
    expect(rf1).toBeGreaterThan(700_000);
    expect(rf1).toBeLessThan(900_000);
    expect(rf3).toBeLessThanOrEqual(rf1 * 1.01);
    expect(rf3).toBeGreaterThan(rf1 * 0.9);
    // acks=all: each request waits for both followers before its connection takes the next one.
    // Published: 0.54 of acks=1. The model gives about 0.9 since NICs share fairly (a produce
    // request no longer queues behind replica fetch responses): the open acks=all calibration
    // gap (README, roadmap). Without the wait it would be ≥ 1.
    expect(acksAll).toBeLessThan(rf3 * 0.95);
  }, 120_000);

  it('a consumer is bound by its NIC, so three consumers on three machines read about three times as much', () => {
    const one = consumerRate('bench-linkedin-2014-consumer', ['perf-consumer-1']);
    const three = consumerRate('bench-linkedin-2014-3-consumers', ['perf-consumer-1', 'perf-consumer-2', 'perf-consumer-3']);
    // 1 GbE moves 117.7 MB/s of payload; a record is about 123 bytes on the wire.
    const nicRecordsPerSecond = tcpPayloadBitsPerSecond(1e9) / 8 / 123;
    expect(one).toBeGreaterThan(nicRecordsPerSecond * 0.85);
    expect(one).toBeLessThanOrEqual(nicRecordsPerSecond * 1.01);
    expect(three).toBeGreaterThan(one * 2.5);
  }, 120_000);
});
