// Deferred quiet sends (sim/clients/quiet-sends.ts) are an economy, not a model change: a run
// with them gives the trace of a run without them, event for event, with fewer scheduler events.
// The scenario property below is the proof, over producers of every shape (keyed, sticky, fixed
// partition; acks, idempotence, compression, small batches that fill) and faults that stress
// the plan (producer pauses, crashes and restarts, live config changes, broker crashes and
// partitions). The unit tests pin the two pieces the plan is made of.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createRng } from '../../sim/core/rng.ts';
import { KeyChooser, PoissonArrivals } from '../../sim/clients/load.ts';
import { DrawnArrivals } from '../../sim/clients/quiet-sends.ts';
import { ProducerBatch } from '../../sim/clients/producer-batch.ts';
import { COMPRESSION_CODECS } from '../../sim/clients/producer-config.ts';
import { loadScenario } from '../../sim/scenario/load.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import type { ScenarioSpec } from '../../sim/scenario/spec.ts';

interface ProducerShape {
  rate: number;
  keys: 'none' | 'keyed' | 'fixed';
  lingerMs: number;
  batchBytes: number;
  messageBytes: number;
  acks: '0' | '1' | 'all';
  idempotence: boolean;
  compression: (typeof COMPRESSION_CODECS)[number];
}

interface FaultShape {
  kind: 'pause-producer' | 'crash-producer' | 'config-producer' | 'crash-leader' | 'isolate-producer' | 'pause-broker';
  atMs: number;
  forMs: number;
  producer: number;
  lingerMs: number;
  batchBytes: number;
}

const producerShape: fc.Arbitrary<ProducerShape> = fc.record({
  rate: fc.integer({ min: 500, max: 20_000 }),
  keys: fc.constantFrom('none', 'keyed', 'fixed'),
  lingerMs: fc.integer({ min: 0, max: 10 }),
  batchBytes: fc.constantFrom(600, 2048, 16_384),
  messageBytes: fc.integer({ min: 20, max: 400 }),
  acks: fc.constantFrom('0', '1', 'all'),
  idempotence: fc.boolean(),
  compression: fc.constantFrom(...COMPRESSION_CODECS),
});

const faultShape: fc.Arbitrary<FaultShape> = fc.record({
  kind: fc.constantFrom('pause-producer', 'crash-producer', 'config-producer', 'crash-leader', 'isolate-producer', 'pause-broker'),
  atMs: fc.integer({ min: 600, max: 2200 }),
  forMs: fc.integer({ min: 1, max: 700 }),
  producer: fc.nat(),
  lingerMs: fc.integer({ min: 0, max: 20 }),
  batchBytes: fc.constantFrom(600, 4096, 32_768),
});

function producerObject(shape: ProducerShape, index: number): Record<string, unknown> {
  // Idempotence needs acks=all (Kafka refuses the mix), so it only goes with it.
  const idempotence = shape.idempotence && shape.acks === 'all';
  return {
    name: `p${index + 1}`,
    topic: 'orders',
    rate: `${shape.rate}/s`,
    'message.bytes': shape.messageBytes,
    ...(shape.keys === 'keyed' ? { keys: { count: 50 } } : shape.keys === 'fixed' ? { partition: index % 3 } : {}),
    config: { acks: shape.acks, 'enable.idempotence': idempotence, 'linger.ms': shape.lingerMs, 'batch.size': shape.batchBytes, 'compression.type': shape.compression },
  };
}

function faultObject(fault: FaultShape, producers: number): Record<string, unknown>[] {
  const producer = `p${(fault.producer % producers) + 1}`;
  const at = `${Math.round(fault.atMs * 1000)}us`;
  switch (fault.kind) {
    case 'pause-producer':
      return [{ at, pause: { producer }, for: `${fault.forMs}ms` }];
    case 'crash-producer':
      return [
        { at, 'client-crash': { producer } },
        { at: `${fault.atMs + fault.forMs}ms`, 'client-restart': { producer } },
      ];
    case 'config-producer':
      return [{ at, config: { producer, set: { 'linger.ms': fault.lingerMs, 'batch.size': fault.batchBytes } } }];
    case 'crash-leader':
      return [{ at, crash: { leader: `orders/${fault.producer % 3}` }, for: `${fault.forMs}ms` }];
    case 'isolate-producer':
      return [{ at, partition: { isolate: { producer } }, for: `${fault.forMs}ms` }];
    case 'pause-broker':
      return [{ at, pause: { broker: (fault.producer % 3) + 1 }, for: `${fault.forMs}ms` }];
  }
}

function scenario(producers: readonly ProducerShape[], faults: readonly FaultShape[], seed: number, duration = '3s'): ScenarioSpec {
  const object = {
    name: 'quiet-sends',
    description: 'Deferred quiet sends must not change the trace.',
    seed,
    duration,
    cluster: { brokers: 3, config: { 'min.insync.replicas': 2 } },
    zookeeper: { servers: 1, 'session.timeout.ms': 6000 },
    topics: [{ name: 'orders', partitions: 3, 'replication.factor': 3 }],
    producers: producers.map(producerObject),
    // One windowed fault per target at a time, as the scenario checker asks: the first of each kind and target.
    faults: faults.filter((f, i) => f.kind === 'config-producer' || faults.findIndex((g) => g.kind === f.kind && g.producer % producers.length === f.producer % producers.length) === i).flatMap((f) => faultObject(f, producers.length)),
  };
  const loaded = loadScenario(stringify(object), 'quiet-sends.yaml');
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
  return loaded.spec;
}

interface Outcome {
  hash: string;
  events: number;
  sent: number;
  failed: number;
}

function both(spec: ScenarioSpec): { deferred: Outcome; eager: Outcome } {
  const run = (deferQuietSends: boolean): Outcome => {
    const { summary } = runScenario(spec, { story: false, detail: 'full', deferQuietSends });
    const total = (pick: (p: (typeof summary.producers)[number]) => number): number => summary.producers.reduce((sum, p) => sum + pick(p), 0);
    return { hash: summary.traceHash, events: summary.events, sent: total((p) => p.sent), failed: total((p) => p.failed) };
  };
  return { deferred: run(true), eager: run(false) };
}

describe('deferred quiet sends', () => {
  it('leave every trace as it is, with no more events, whatever the producers and faults', () => {
    fc.assert(
      fc.property(fc.array(producerShape, { minLength: 1, maxLength: 2 }), fc.array(faultShape, { maxLength: 3 }), fc.integer({ min: 1, max: 1000 }), (producers, faults, seed) => {
        const { deferred, eager } = both(scenario(producers, faults, seed));
        expect(deferred.hash).toBe(eager.hash);
        expect(deferred.sent).toBe(eager.sent);
        expect(deferred.events).toBeLessThanOrEqual(eager.events);
      }),
      { numRuns: 14, seed: 20261121 },
    );
  });

  it('save most events of a sticky producer whose batches fill over several sends', () => {
    const sticky: ProducerShape = { rate: 8000, keys: 'none', lingerMs: 5, batchBytes: 16_384, messageBytes: 200, acks: 'all', idempotence: true, compression: 'none' };
    const { deferred, eager } = both(scenario([sticky], [], 3, '10s'));
    expect(deferred.hash).toBe(eager.hash);
    expect(deferred.sent).toBeGreaterThan(70_000);
    // Without deferral the idle thread has an event per record (the backlog of the first second,
    // before metadata, goes in chunks); with it, only the sends that open or fill a batch do.
    expect(eager.events - deferred.events).toBeGreaterThan(deferred.sent * 0.7);
  });
});

describe('deferred quiet sends across a pause, a crash and a config change of the producer', () => {
  const steady: ProducerShape = { rate: 8000, keys: 'none', lingerMs: 5, batchBytes: 16_384, messageBytes: 200, acks: 'all', idempotence: true, compression: 'none' };
  const fault = (kind: FaultShape['kind'], atMs: number, forMs: number): FaultShape => ({ kind, atMs, forMs, producer: 0, lingerMs: 0, batchBytes: 4096 });

  it('a pause hands the deferred sends their timers back, so they wait it out as timers do', () => {
    for (const [atMs, forMs] of [
      [2000, 300],
      [1700, 3],
    ] as const) {
      const { deferred, eager } = both(scenario([steady], [fault('pause-producer', atMs, forMs)], 3));
      expect(deferred.hash).toBe(eager.hash);
    }
  });

  it('a crash in the middle of a send settles that record as a crash without deferral does', () => {
    // The last record invoked by 2 s is inside send() 1 µs after its arrival: crash the producer then.
    const plain = runScenario(scenario([steady], [], 4, '2s'), { story: false }).simulation.producers.get('p1');
    const history = plain?.history;
    let lastInvokeUs = 0;
    for (let partition = 0; partition < 3 && history !== undefined; partition++) {
      const count = history.recordCount(`orders/${partition}`);
      if (count > 0) lastInvokeUs = Math.max(lastInvokeUs, history.invokeUs(`orders/${partition}`, count - 1));
    }
    expect(lastInvokeUs).toBeGreaterThan(1_900_000);
    const { deferred, eager } = both(scenario([steady], [fault('crash-producer', (lastInvokeUs + 1) / 1000, 500)], 4));
    expect(deferred.hash).toBe(eager.hash);
    expect(deferred.failed).toBe(eager.failed);
    expect(eager.failed).toBeGreaterThan(0);
  });

  it('config changes (linger.ms, batch.size) are planned for at once', () => {
    const changes = [1500, 1800, 2100, 2400].map((atMs, i) => ({ ...fault('config-producer', atMs, 1), lingerMs: i % 2 === 0 ? 0 : 20, batchBytes: i % 2 === 0 ? 4096 : 600 }));
    const { deferred, eager } = both(scenario([steady], changes, 5));
    expect(deferred.hash).toBe(eager.hash);
  });
});

describe('DrawnArrivals', () => {
  it('hands out the arrivals and keys of the plain streams, in order, however it is used', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('take', 'plan', 'undefer', 'shift'), fc.integer({ min: 0, max: 40 })), { maxLength: 60 }), (ops) => {
        const keys = new KeyChooser({ count: 30, distribution: 'uniform' }, createRng(9).fork('keys'));
        const drawn = new DrawnArrivals(new PoissonArrivals(5000, createRng(9).fork('arrivals'), 0), keys);
        const plainArrivals = new PoissonArrivals(5000, createRng(9).fork('arrivals'), 0);
        const plainKeys = new KeyChooser({ count: 30, distribution: 'uniform' }, createRng(9).fork('keys'));
        const seen: [number, number][] = [];
        let nowUs = 0;
        for (const [op, n] of ops) {
          if (op === 'take') {
            // Keys of taken arrivals come out as drawn when they were planned, else drawn now.
            nowUs += n * 50;
            const taken = drawn.takeDue(nowUs, 1000);
            for (let i = 0; i < taken; i++) seen.push([-1, drawn.nextBacklogKey()]);
          } else if (op === 'plan') {
            for (let i = 0; i < n % 5; i++) drawn.defer(nowUs + i);
          } else if (op === 'undefer') {
            drawn.undefer();
          } else {
            seen.push([Math.ceil(drawn.exactAt(0)), drawn.keyAt(0)]);
            drawn.shift();
          }
        }
        // Replay the plain streams in the same order: every arrival consumed once, keys in order.
        let replayNowUs = 0;
        let index = 0;
        for (const [op, n] of ops) {
          if (op === 'take') {
            replayNowUs += n * 50;
            const taken = plainArrivals.takeDue(replayNowUs, 1000);
            for (let i = 0; i < taken; i++) expect(seen[index++]?.[1]).toBe(plainKeys.next());
          } else if (op === 'shift') {
            const dueUs = plainArrivals.nextDueUs;
            plainArrivals.takeDue(dueUs, 1);
            const entry = seen[index++] as [number, number];
            expect(entry[0]).toBe(dueUs);
            expect(entry[1]).toBe(plainKeys.next());
          }
        }
        expect(index).toBe(seen.length);
      }),
      { numRuns: 200 },
    );
  });
});
