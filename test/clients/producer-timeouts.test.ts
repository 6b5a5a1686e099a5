import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Outcome } from '../../sim/clients/history.ts';
import { ErrorCode } from '../../sim/kafka/protocol.ts';
import type { Behaviour } from './fake-broker.ts';
import { FC_SEED, producerWorld, TOPIC, type ProducerWorld } from './producer-world.ts';

const SHORT_TIMEOUTS = { 'request.timeout.ms': 1000, 'delivery.timeout.ms': 3000 } as const;
const DROP_ALL = (): Behaviour => ({ kind: 'drop' });

/**
 * What the checker relies on: `ok` records are in the log at the offsets the producer was given,
 * `fail` records are in no log, and nothing is left pending.
 */
function expectHistoryMatchesLogs(t: ProducerWorld, partitions: number): void {
  const { history } = t.producer;
  expect(history.totals().pending).toBe(0);
  const logs = Array.from({ length: partitions }, (_, p) => t.cluster.recordsIn(p));
  for (const range of history.ranges()) {
    const log = logs[Number(range.partition.slice(TOPIC.length + 1))] as number[];
    for (let i = 0; i < range.count; i++) {
      const record = range.firstRecord + i;
      if (range.outcome === Outcome.Fail) expect(log).not.toContain(record);
      if (range.outcome === Outcome.Ok && range.baseOffset >= 0) expect(log[range.baseOffset + i]).toBe(record);
    }
  }
}

describe('timeouts are info, never fail', () => {
  it('ends a send the broker never answers as info when delivery.timeout.ms strikes', () => {
    const t = producerWorld({ config: SHORT_TIMEOUTS, script: DROP_ALL, load: { rate: { kind: 'fixed', recordsPerSecond: 100 }, stopUs: 500_000 } });
    t.world.runUntil(10_000_000);
    const ranges = [...t.producer.history.ranges()];
    expect(ranges.length).toBeGreaterThan(3);
    for (const range of ranges) {
      if (range.sentUs < 0) continue;
      expect(range.outcome).toBe(Outcome.Info);
      expect(range.error).toBe('DELIVERY_TIMEOUT');
    }
    expect(ranges.some((range) => range.attempts > 1)).toBe(true);
    expectHistoryMatchesLogs(t, 1);
  });

  it('ends the sends cut off by a network partition as info, and fails only batches that never left', () => {
    const t = producerWorld({ config: SHORT_TIMEOUTS, load: { rate: { kind: 'fixed', recordsPerSecond: 1000 }, stopUs: 2_000_000 } });
    t.scheduler.scheduleAt(500_000, () => t.world.partition({ kind: 'isolate', nodes: ['broker-1'] }));
    t.world.runUntil(10_000_000);
    const ranges = [...t.producer.history.ranges()];
    expect(ranges.filter((range) => range.outcome === Outcome.Info).length).toBeGreaterThan(0);
    for (const range of ranges) {
      if (range.outcome === Outcome.Fail) expect(range.sentUs).toBe(-1);
      if (range.createUs < 490_000) expect(range.outcome).toBe(Outcome.Ok);
    }
    expectHistoryMatchesLogs(t, 1);
  });

  it('with retries=0 fails a batch on a definite error, but a lost answer is still info', () => {
    const script = (_request: unknown, index: number): Behaviour =>
      index === 2 ? { kind: 'error', error: ErrorCode.NOT_ENOUGH_REPLICAS } : index === 4 ? { kind: 'drop' } : { kind: 'normal' };
    const t = producerWorld({ config: { ...SHORT_TIMEOUTS, retries: 0 }, script, load: { rate: { kind: 'fixed', recordsPerSecond: 50 }, stopUs: 300_000 } });
    t.world.runUntil(5_000_000);
    const ranges = [...t.producer.history.ranges()];
    expect(ranges[2]?.outcome).toBe(Outcome.Fail);
    expect(ranges[2]?.error).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
    expect(ranges[4]?.outcome).toBe(Outcome.Info);
    expect(ranges[4]?.error).toBe('REQUEST_TIMED_OUT');
    expectHistoryMatchesLogs(t, 1);
  });
});

describe('send() blocking (max.block.ms)', () => {
  it('fails a send definitely when the topic metadata never arrives within max.block.ms', () => {
    const t = producerWorld({ config: { 'max.block.ms': 500 }, load: { rate: { kind: 'fixed', recordsPerSecond: 10 }, stopUs: 1_000_000 } });
    t.world.partition({ kind: 'isolate', nodes: ['broker-1'] });
    t.world.runUntil(20_000_000);
    const { history } = t.producer;
    expect(history.rangeTotal).toBe(0);
    expect(history.unappendedFailures.length).toBeGreaterThan(0);
    expect(history.totals().failed).toBe(history.totals().invoked);
    for (const failure of history.unappendedFailures) {
      expect(failure.error).toBe('METADATA_TIMEOUT');
      expect(failure.completeUs - failure.invokeUs).toBeGreaterThanOrEqual(500_000);
    }
  });

  it('blocks a closed loop on a full buffer.memory, and fails sends blocked longer than max.block.ms', () => {
    const bufferBytes = 3 * 16384;
    const t = producerWorld({
      config: { ...SHORT_TIMEOUTS, 'buffer.memory': bufferBytes, 'max.block.ms': 200 },
      script: DROP_ALL,
      load: { rate: { kind: 'max' }, stopUs: 1_000_000 },
    });
    t.world.runUntil(10_000_000);
    const { history } = t.producer;
    expect(history.unappendedFailures.length).toBeGreaterThan(0);
    for (const failure of history.unappendedFailures) expect(failure.error).toBe('BUFFER_EXHAUSTED');
    for (const sample of t.producer.metrics.samples) expect(sample.bufferUsedBytes).toBeLessThanOrEqual(bufferBytes);
    expect(history.rangeTotal).toBeLessThan(20);
    expectHistoryMatchesLogs(t, 1);
  });

  it('paces a closed loop by buffer.memory and the broker, without failing a send', () => {
    const bufferBytes = 4 * 16384;
    const t = producerWorld({ config: { 'buffer.memory': bufferBytes }, responseDelayUs: 10_000, load: { rate: { kind: 'max' }, stopUs: 1_000_000 } });
    t.world.runUntil(3_000_000);
    const { history } = t.producer;
    expect(history.totals().failed).toBe(0);
    expect(history.totals().acknowledged).toBe(history.totals().invoked);
    for (const sample of t.producer.metrics.samples) expect(sample.bufferUsedBytes).toBeLessThanOrEqual(bufferBytes);
    // The broker handles one request per connection at a time, 10 ms each; each answer returns one
    // batch's buffer, which lets send() open the next batch: about 100 batches in the second.
    const batches = [...history.ranges()].length;
    expect(batches).toBeGreaterThanOrEqual(95);
    expect(batches).toBeLessThanOrEqual(110);
  });
});

describe('delivery.timeout.ms', () => {
  const behaviour = fc.oneof(
    fc.constant<Behaviour>({ kind: 'drop' }),
    fc.constant<Behaviour>({ kind: 'reset-after-append' }),
    fc.constant<Behaviour>({ kind: 'reset-before-append' }),
    fc.integer({ min: 1, max: 4_000_000 }).map((delayUs): Behaviour => ({ kind: 'delay', delayUs })),
    fc.constantFrom<Behaviour>(
      { kind: 'error', error: ErrorCode.NOT_ENOUGH_REPLICAS },
      { kind: 'error', error: ErrorCode.NOT_LEADER_OR_FOLLOWER },
      { kind: 'error-after-append', error: ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND },
      { kind: 'error-after-append', error: ErrorCode.REQUEST_TIMED_OUT },
    ),
  );
  const faults = fc.array(fc.record({ request: fc.integer({ min: 0, max: 120 }), behaviour }), { maxLength: 25 });

  function run(faultList: readonly { request: number; behaviour: Behaviour }[], idempotence: boolean, acks: 'all' | '1', seed: number): ProducerWorld {
    const byIndex = new Map(faultList.map((fault) => [fault.request, fault.behaviour]));
    const t = producerWorld({
      seed,
      partitions: 2,
      config: { ...SHORT_TIMEOUTS, 'enable.idempotence': idempotence, acks },
      load: { rate: { kind: 'fixed', recordsPerSecond: 500 }, stopUs: 300_000 },
      responseDelayUs: 500,
      script: (_request, index) => byIndex.get(index) ?? { kind: 'normal' },
    });
    t.world.runUntil(20_000_000);
    return t;
  }

  it('bounds every send of an idempotent producer, whatever the broker does', () => {
    fc.assert(
      fc.property(faults, fc.integer({ min: 1, max: 10_000 }), (faultList, seed) => {
        const t = run(faultList, true, 'all', seed);
        // The Sender checks expiry between its other work, so a deadline may pass by the time it
        // spends building one round of requests (perRequestUs each).
        for (const range of t.producer.history.ranges()) expect(range.completeUs - range.createUs).toBeLessThanOrEqual(3_000_000 + 100);
        expectHistoryMatchesLogs(t, 2);
      }),
      { seed: FC_SEED, numRuns: 30 },
    );
  });

  it('ends every send of a producer without idempotence too, and a failed send is never in the log', () => {
    // Without idempotence a retried batch goes back in front of younger ones, and expiry, as in
    // RecordAccumulator.expiredBatches, stops at the first live batch of each partition: an
    // older batch waiting behind a younger one can outlive delivery.timeout.ms.
    fc.assert(
      fc.property(faults, fc.constantFrom<'all' | '1'>('all', '1'), fc.integer({ min: 1, max: 10_000 }), (faultList, acks, seed) => {
        expectHistoryMatchesLogs(run(faultList, false, acks, seed), 2);
      }),
      { seed: FC_SEED, numRuns: 30 },
    );
  });
});

describe('client crash', () => {
  it('settles a crashed incarnation: what never left fails, what was in flight is info; the next one carries on', () => {
    const t = producerWorld({ responseDelayUs: 50_000, load: { rate: { kind: 'fixed', recordsPerSecond: 2000 }, stopUs: 2_000_000 } });
    t.scheduler.scheduleAt(700_000, () => {
      t.world.crash('producer-p1');
      t.producer.crash(t.scheduler.now);
    });
    t.scheduler.scheduleAt(1_000_000, () => t.world.start('producer-p1'));
    t.world.runUntil(4_000_000);
    const { history } = t.producer;
    const atCrash = [...history.ranges()].filter((range) => range.error === 'CLIENT_CRASHED');
    expect(atCrash.some((range) => range.outcome === Outcome.Info)).toBe(true);
    for (const range of atCrash) expect(range.completeUs).toBe(700_000);
    expect([...history.ranges()].some((range) => range.createUs > 1_000_000 && range.outcome === Outcome.Ok)).toBe(true);
    expect(t.sink.events.filter((e) => e.k === 'producer-id').map((e) => e.producerId)).toEqual([1000, 1001]);
    expectHistoryMatchesLogs(t, 1);
  });
});
