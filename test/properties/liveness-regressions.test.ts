// Liveness regressions the fault properties found, each shrunk to one crash of one broker and
// replayed as a small property case: what real Kafka (ZooKeeper mode, 2.8) does once a crashed
// broker's old ZooKeeper session expires.

import { describe, it, expect } from 'vitest';
import { MemorySink, type TraceEvent } from '../../sim/core/trace.ts';
import { US_PER_SECOND } from '../../sim/core/time.ts';
import { readFileSync } from 'node:fs';
import { loadScenario } from '../../sim/scenario/load.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { caseSpec, type Case } from './arbitraries.ts';

function crashOfBroker1(seed: number, forMs: number): Case {
  return {
    shape: { brokers: 3, partitions: 1, replicationFactor: 3, minInsyncReplicas: 2, unclean: false, acks: 'all', idempotence: false, protocol: 'kip-320', ratePerSecond: 100 },
    plan: [{ kind: 'crash', atMs: 4_000, forMs, target: 0, shape: 0 }],
    seed,
  };
}

function traceOf(c: Case): TraceEvent[] {
  const sink = new MemorySink();
  runScenario(caseSpec(c), { story: false, sinks: [sink] });
  return sink.events;
}

describe('liveness after a broker crash', () => {
  it('acks=all writes are acknowledged again within 3 s of the crashed controller-follower session expiring', () => {
    // Broker 1 is the controller and a follower; its restart fails with NodeExists, so the old
    // session's expiry moves the controller, and the new controller must take broker 1 out of the ISR.
    const events = traceOf(crashOfBroker1(0, 500));
    const expiry = events.find((e) => e.k === 'zk-session' && e.op === 'expired' && e.owner === 'broker-1');
    expect(expiry).toBeDefined();
    const ackedAfter = events.filter((e) => e.k === 'producer-metrics' && e.t > expiry!.t && e.t <= expiry!.t + 3 * US_PER_SECOND && Number(e.acked) > 0);
    expect(ackedAfter.length).toBeGreaterThan(0);
    const removal = events.find((e) => e.k === 'isr-change' && e.removed === 1 && e.t > expiry!.t);
    expect(removal).toMatchObject({ by: 'controller', isr: [3, 2], reason: 'broker-failure' });
  });

  it('a broker restarted before its old session expires is restarted by its supervisor and rejoins the ISR', () => {
    // Broker 1 crashes at 4 s and is restarted at 11 s, before its old session expires; its
    // startup fails with NodeExists (Kafka 2.8 exits), the supervisor starts it again a second
    // later, and once the old session is gone it registers, catches up and rejoins the ISR.
    const events = traceOf(crashOfBroker1(796682, 7_000));
    const failed = events.find((e) => e.k === 'broker-start-failed' && e.broker === 1);
    expect(failed).toBeDefined();
    const registered = events.find((e) => e.k === 'broker-registered' && e.broker === 1 && e.t > failed!.t);
    expect(registered).toBeDefined();
    const rejoined = events.find((e) => e.k === 'isr-change' && e.t > registered!.t && (e.isr as number[]).length === 3);
    expect(rejoined).toBeDefined();
    expect(rejoined!.t - registered!.t).toBeLessThan(3 * US_PER_SECOND);
  });

  it('a follower isolated and crashed at once is sent LeaderAndIsr again once it re-registers, and rejoins the ISR', () => {
    // fast-check counterexample (FC_SEED=7): the leader's connection to broker 1 broke during the
    // isolation; without TCP's reset after broker 1's restart, every controller request to it was
    // lost on the dead connection and the ISR never grew back.
    const c: Case = {
      ...crashOfBroker1(0, 500),
      plan: [
        { kind: 'crash', atMs: 4_000, forMs: 500, target: 0, shape: 0 },
        { kind: 'partition', atMs: 4_000, forMs: 500, target: 0, shape: 0 },
      ],
    };
    const events = traceOf(c);
    const registered = events.filter((e) => e.k === 'broker-registered' && e.broker === 1).at(-1)!;
    const rejoined = events.find((e) => e.k === 'isr-change' && e.t > registered.t && (e.isr as number[]).length === 3);
    expect(rejoined).toBeDefined();
    expect(rejoined!.t - registered.t).toBeLessThan(3 * US_PER_SECOND);
  });
});

describe('liveness regressions found by sim explore', () => {
  it('a follower with nothing to fetch after its backoff does not spin its fetcher thread at one instant', () => {
    const file = new URL('./regressions/fetcher-wake-loop.yaml', import.meta.url);
    const loaded = loadScenario(readFileSync(file, 'utf8'), 'fetcher-wake-loop.yaml');
    if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
    const { summary } = runScenario(loaded.spec, { story: false });
    expect(summary.anomalies.lostAckedWrites).toBe(0);
    expect(summary.produced.acked).toBeGreaterThan(100);
    expect(summary.events).toBeLessThan(1_000_000);
  });
});
