import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ErrorCode } from '../../sim/kafka/protocol.ts';
import type { Behaviour } from './fake-broker.ts';
import { duplicatesAndReorderings, FC_SEED, producerWorld, TOPIC } from './producer-world.ts';

/** One fault per listed produce request (by arrival index at the brokers). */
const faultArbitrary = fc.array(
  fc.record({
    request: fc.integer({ min: 0, max: 400 }),
    behaviour: fc.constantFrom<Behaviour>(
      { kind: 'reset-after-append' },
      { kind: 'reset-before-append' },
      { kind: 'drop' },
      { kind: 'error-after-append', error: ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND },
      { kind: 'error', error: ErrorCode.NOT_LEADER_OR_FOLLOWER },
    ),
  }),
  { maxLength: 12 },
);

function scriptOf(faults: readonly { request: number; behaviour: Behaviour }[]): (request: unknown, index: number) => Behaviour {
  const byIndex = new Map(faults.map((fault) => [fault.request, fault.behaviour]));
  return (_request, index) => byIndex.get(index) ?? { kind: 'normal' };
}

const RESET_EVERY_50TH = (_request: unknown, index: number): Behaviour => (index % 50 === 49 ? { kind: 'reset-after-append' } : { kind: 'normal' });

describe('retries without idempotence (FIDELITY A10, A11)', () => {
  it('with 5 requests in flight, connection resets after an append duplicate and reorder records', () => {
    const t = producerWorld({
      config: { 'enable.idempotence': false, 'max.in.flight.requests.per.connection': 5 },
      load: { rate: { kind: 'fixed', recordsPerSecond: 5000 }, stopUs: 1_000_000 },
      responseDelayUs: 2000,
      script: RESET_EVERY_50TH,
    });
    t.world.runUntil(5_000_000);
    const { duplicates, reorderings } = duplicatesAndReorderings(t.cluster.recordsIn(0));
    expect(duplicates).toBeGreaterThan(0);
    expect(reorderings).toBeGreaterThan(0);
    // The client cannot tell: every send is acknowledged.
    expect(t.producer.history.totals().acknowledged).toBe(t.producer.history.totals().invoked);
  });

  it('with 1 request in flight, resets still duplicate records but never reorder them', () => {
    const t = producerWorld({
      config: { 'enable.idempotence': false, 'max.in.flight.requests.per.connection': 1 },
      load: { rate: { kind: 'fixed', recordsPerSecond: 5000 }, stopUs: 1_000_000 },
      responseDelayUs: 2000,
      script: RESET_EVERY_50TH,
    });
    t.world.runUntil(5_000_000);
    const { duplicates, reorderings } = duplicatesAndReorderings(t.cluster.recordsIn(0));
    expect(duplicates).toBeGreaterThan(0);
    expect(reorderings).toBe(0);
  });

  it('retries a NOT_ENOUGH_REPLICAS_AFTER_APPEND batch: a duplicate without idempotence, none with it', () => {
    const script = (_request: unknown, index: number): Behaviour =>
      index === 3 ? { kind: 'error-after-append', error: ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND } : { kind: 'normal' };
    for (const idempotence of [false, true]) {
      const t = producerWorld({ config: { 'enable.idempotence': idempotence }, script, load: { stopUs: 200_000 } });
      t.world.runUntil(2_000_000);
      const { duplicates } = duplicatesAndReorderings(t.cluster.recordsIn(0));
      expect(duplicates > 0).toBe(!idempotence);
      expect(t.producer.history.totals().acknowledged).toBe(t.producer.history.totals().invoked);
    }
  });
});

describe('retries with idempotence (KIP-98, KIP-360)', () => {
  it('no schedule of resets, lost responses and errors duplicates or reorders a record, and every send succeeds', () => {
    fc.assert(
      fc.property(faultArbitrary, fc.integer({ min: 1, max: 10_000 }), (faults, seed) => {
        const t = producerWorld({
          seed,
          partitions: 2,
          config: { 'request.timeout.ms': 1000 },
          load: { rate: { kind: 'fixed', recordsPerSecond: 3000 }, stopUs: 200_000 },
          responseDelayUs: 1000,
          script: scriptOf(faults),
        });
        t.world.runUntil(30_000_000);
        const { history } = t.producer;
        for (const partition of [0, 1]) {
          const log = t.cluster.recordsIn(partition);
          expect(duplicatesAndReorderings(log)).toEqual({ duplicates: 0, reorderings: 0 });
          expect(log.length).toBe(history.recordCount(`${TOPIC}/${partition}`));
        }
        expect(history.totals().acknowledged).toBe(history.totals().invoked);
      }),
      { seed: FC_SEED, numRuns: 40 },
    );
  });

  it('retries one batch at a time after a failure, so a later batch never overtakes an earlier one', () => {
    const t = producerWorld({
      load: { rate: { kind: 'fixed', recordsPerSecond: 5000 }, stopUs: 1_000_000 },
      responseDelayUs: 2000,
      script: RESET_EVERY_50TH,
    });
    t.world.runUntil(5_000_000);
    const log = t.cluster.recordsIn(0);
    expect(duplicatesAndReorderings(log)).toEqual({ duplicates: 0, reorderings: 0 });
    expect(log).toEqual(Array.from({ length: log.length }, (_, i) => i));
    expect([...t.producer.history.ranges()].some((range) => range.attempts > 1)).toBe(true);
  });
});
