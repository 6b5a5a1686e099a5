import { describe, expect, it } from 'vitest';
import { createRng } from '../../sim/core/rng.ts';
import type { TraceEvent } from '../../sim/core/trace.ts';
import { ConnectionStates } from '../../sim/clients/connection-states.ts';
import { loadScenario } from '../../sim/scenario/load.ts';
import { runScenario } from '../../sim/scenario/run.ts';

const SETTINGS = { reconnectBackoffUs: 50_000, reconnectBackoffMaxUs: 1_000_000 };

describe('ClusterConnectionStates', () => {
  it('backs off 50 ms, doubling per failure up to 1 s, each within ±20 %, and forgets on success', () => {
    const states = new ConnectionStates(SETTINGS, createRng(1));
    const waits: number[] = [];
    let nowUs = 0;
    for (let failure = 0; failure < 8; failure++) {
      states.disconnected('b', nowUs);
      const waitUs = states.remainingUs('b', nowUs);
      waits.push(waitUs);
      expect(states.isBlackedOut('b', nowUs + waitUs - 1)).toBe(true);
      nowUs += waitUs;
      expect(states.isBlackedOut('b', nowUs)).toBe(false);
    }
    const nominal = [50, 100, 200, 400, 800, 1000, 1000, 1000].map((ms) => ms * 1000);
    waits.forEach((waitUs, i) => {
      expect(waitUs).toBeGreaterThanOrEqual(0.8 * (nominal[i] as number));
      expect(waitUs).toBeLessThanOrEqual(1.2 * (nominal[i] as number));
    });
    states.connected('b');
    expect(states.isBlackedOut('b', nowUs)).toBe(false);
    states.disconnected('b', nowUs);
    expect(states.remainingUs('b', nowUs)).toBeLessThanOrEqual(60_000);
  });
});

describe('a consumer of a crashed leader', () => {
  it('retries its fetches once per reconnect backoff, not as fast as the kernel answers with resets', () => {
    const yaml = `
name: consumer-reconnect
seed: 3
duration: 25s
cluster: {brokers: 3, config: {min.insync.replicas: 2}}
zookeeper: {servers: 1, session.timeout.ms: 6000}
topics: [{name: t, partitions: 3, replication.factor: 3}]
producers: [{name: p, topic: t, rate: 200/s, config: {acks: all}}]
consumers: [{group: g, topic: t, members: 1, config: {auto.offset.reset: earliest}}]
faults: [{at: 10s, crash: {leader: t/0}, for: 10s}]
`;
    const loaded = loadScenario(yaml, 'consumer-reconnect.yaml');
    if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
    let refused = 0;
    const sink = {
      accept(_line: string, event: TraceEvent): void {
        const fields = event as unknown as { k: string; from?: string; reason?: string };
        if (fields.k === 'msg-lost' && fields.from?.startsWith('consumer-') && fields.reason === 'not-listening') refused++;
      },
    };
    const { summary } = runScenario(loaded.spec, { detail: 'full', sinks: [sink], story: false });
    // 10 s down at ≤ 1 s per attempt after the first few: about 15 refused connections, not thousands.
    expect(refused).toBeGreaterThan(3);
    expect(refused).toBeLessThan(60);
    expect(summary.consumed.records).toBeGreaterThan(0);
  });
});
