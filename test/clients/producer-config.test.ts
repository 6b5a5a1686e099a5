import { describe, it, expect } from 'vitest';
import { PRODUCER_DEFAULTS, producerConfig, producerCpuCosts, producerSettings } from '../../sim/clients/producer-config.ts';
import { Producer } from '../../sim/clients/producer.ts';
import { configDefaults, PRODUCER_CONFIG } from '../../sim/scenario/kafka-config.ts';
import type { ProducerSpec } from '../../sim/scenario/spec.ts';
import { resolveHardwareProfile } from '../../sim/hw/profiles.ts';
import { producerWorld } from './producer-world.ts';

describe('producer configuration', () => {
  it('has the Kafka 3.x defaults of FIDELITY.md §D', () => {
    expect(PRODUCER_DEFAULTS).toMatchObject({
      acks: 'all',
      'enable.idempotence': true,
      retries: 2147483647,
      'delivery.timeout.ms': 120000,
      'request.timeout.ms': 30000,
      'linger.ms': 0,
      'batch.size': 16384,
      'max.in.flight.requests.per.connection': 5,
      'retry.backoff.ms': 100,
    });
  });

  it('turns a default idempotence off when another setting conflicts, and refuses an explicit one (KAFKA-13598)', () => {
    expect(producerConfig({ acks: '1' })['enable.idempotence']).toBe(false);
    expect(producerConfig({ 'max.in.flight.requests.per.connection': 6 })['enable.idempotence']).toBe(false);
    expect(producerConfig({ retries: 0 })['enable.idempotence']).toBe(false);
    expect(() => producerConfig({ acks: '0', 'enable.idempotence': true })).toThrow(/enable.idempotence=true needs acks=all/);
  });

  it('raises a default delivery.timeout.ms to linger.ms + request.timeout.ms, and refuses an explicit one below it', () => {
    expect(producerConfig({ 'request.timeout.ms': 200000 })['delivery.timeout.ms']).toBe(200000);
    expect(() => producerConfig({ 'request.timeout.ms': 200000, 'delivery.timeout.ms': 1000 })).toThrow(/delivery.timeout.ms/);
  });

  it('converts to µs and wire values once', () => {
    const settings = producerSettings(producerConfig({ 'linger.ms': 5, acks: '1', 'max.in.flight.requests.per.connection': 1 }));
    expect(settings).toMatchObject({ lingerUs: 5000, acks: 1, deliveryTimeoutUs: 120_000_000, guaranteeMessageOrder: true, idempotence: false });
  });

  it('accepts a resolved scenario producer as it is: its load fields and its config', () => {
    const spec: ProducerSpec = {
      name: 'p1',
      topic: 'orders',
      rate: { kind: 'fixed', recordsPerSecond: 5000 },
      messageBytes: 200,
      keys: { count: 1000, distribution: 'zipf', skew: 1 },
      partition: null,
      startUs: 0,
      stopUs: 60_000_000,
      config: { ...configDefaults(PRODUCER_CONFIG), 'linger.ms': 5 },
    };
    const producer = new Producer({ name: spec.name, load: spec, config: spec.config, bootstrap: ['broker-1'] });
    expect(producer.config).toMatchObject({ 'linger.ms': 5, acks: 'all', 'enable.idempotence': true });
  });

  it('takes per-record and per-byte CPU from the machine profile', () => {
    const costs = producerCpuCosts(resolveHardwareProfile('linkedin-2014'));
    expect(costs.perRecordUs).toBe(1);
    expect(costs.perByteUs).toBeCloseTo(0.00175, 10);
    expect(producerCpuCosts(resolveHardwareProfile('linkedin-2014'), { perRecordUs: 3 }).perRecordUs).toBe(3);
  });
});

describe('producer trace', () => {
  it('emits one event per request and response only at full detail, with the same event numbers at every detail', () => {
    const full = producerWorld({ detail: 'full', load: { stopUs: 300_000 } });
    const standard = producerWorld({ detail: 'standard', load: { stopUs: 300_000 } });
    full.world.runUntil(1_000_000);
    standard.world.runUntil(1_000_000);
    const kinds = (events: { k: string }[]): Set<string> => new Set(events.map((e) => e.k).filter((k) => k.startsWith('producer')));
    expect(kinds(full.sink.events)).toEqual(new Set(['producer-start', 'producer-id', 'producer-request', 'producer-response', 'producer-metrics']));
    expect(kinds(standard.sink.events)).toEqual(new Set(['producer-start', 'producer-id', 'producer-metrics']));
    const metrics = (events: { k: string; i: number }[]): number[] => events.filter((e) => e.k === 'producer-metrics').map((e) => e.i);
    expect(metrics(standard.sink.events)).toEqual(metrics(full.sink.events));
  });

  it('is deterministic: the same seed gives the same history and trace hash', () => {
    const runs = [1, 2].map(() => {
      const t = producerWorld({ seed: 42, partitions: 4, brokers: 2, load: { keys: { count: 100, distribution: 'zipf', skew: 1.1 }, stopUs: 500_000 } });
      t.world.runUntil(2_000_000);
      return { hash: t.world.trace.traceHash, ranges: [...t.producer.history.ranges()] };
    });
    expect(runs[0]).toEqual(runs[1]);
  });
});
