// The consumer's configuration, its history's shape (what the checker reads), and the scenario
// spec it is built from.

import { describe, it, expect } from 'vitest';
import { consumerConfig, consumerSettings, type ConsumerGroupSpec } from '../../sim/clients/consumer-config.ts';
import { consumerGroup, consumerGroupHistory } from '../../sim/clients/consumer.ts';
import { ConsumerHistory, groupHistory } from '../../sim/clients/consumer-history.ts';
import { CONSUMER_CONFIG, configDefaults } from '../../sim/scenario/kafka-config.ts';
import type { ConsumerSpec } from '../../sim/scenario/spec.ts';

describe('consumer config', () => {
  it('has Kafka 3.x defaults and the EAGER protocol for the default assignors [range, cooperative-sticky]', () => {
    const settings = consumerSettings(consumerConfig(), 'consumer-g-0');
    expect(settings).toMatchObject({
      clientId: 'consumer-g-0',
      sessionTimeoutUs: 45_000_000,
      heartbeatIntervalUs: 3_000_000,
      maxPollIntervalMs: 300_000,
      autoCommit: true,
      autoCommitIntervalUs: 5_000_000,
      autoOffsetReset: 'latest',
      maxPollRecords: 500,
      fetchMaxWaitMs: 500,
      assignors: ['range', 'cooperative-sticky'],
      protocol: 'eager',
      joinGroupTimeoutMs: 305_000,
    });
  });

  it('is COOPERATIVE only when every assignor is', () => {
    expect(consumerSettings(consumerConfig({ 'partition.assignment.strategy': ['cooperative-sticky'] }), 'c').protocol).toBe('cooperative');
    expect(consumerSettings(consumerConfig({ 'partition.assignment.strategy': ['sticky', 'cooperative-sticky'] }), 'c').protocol).toBe('eager');
  });

  it('refuses what KafkaConsumer refuses', () => {
    expect(() => consumerConfig({ 'heartbeat.interval.ms': 10_000, 'session.timeout.ms': 10_000 })).toThrow(/heartbeat.interval.ms/);
    expect(() => consumerConfig({ 'partition.assignment.strategy': [] })).toThrow(/assignor/);
  });

  it('accepts a resolved scenario consumer group as it is', () => {
    const spec: ConsumerSpec = {
      group: 'billing',
      topics: ['orders'],
      members: 3,
      processingUs: 1000,
      commit: 'auto',
      startUs: 0,
      stopUs: 60_000_000,
      config: { ...configDefaults(CONSUMER_CONFIG), 'auto.commit.interval.ms': 2000 },
    };
    const groupSpec: ConsumerGroupSpec = spec;
    const members = consumerGroup(groupSpec, { bootstrap: ['broker-1'] });
    expect(members.map((member) => [member.name, member.nodeId])).toEqual([
      ['billing/0', 'consumer-billing-0'],
      ['billing/1', 'consumer-billing-1'],
      ['billing/2', 'consumer-billing-2'],
    ]);
    expect(members[0]!.config['auto.commit.interval.ms']).toBe(2000);
    expect(consumerGroupHistory('billing', members)).toEqual({ group: 'billing', ops: [] });
  });
});

describe('consumer history', () => {
  it('extends the last process operation while records of one partition and producer follow each other', () => {
    const history = new ConsumerHistory('g/0');
    history.processedSpan(10, 't/0', 5, 1, 'p1', 50);
    history.processedSpan(20, 't/0', 6, 2, 'p1', 51);
    history.processedSpan(30, 't/0', 8, 1, 'p2', 0);
    expect(history.ops).toEqual([{ type: 'process', member: 'g/0', timeUs: 30, partition: 't/0', spans: [{ offset: 5, count: 3, producer: 'p1', firstRecord: 50 }, { offset: 8, count: 1, producer: 'p2', firstRecord: 0 }] }]);
    history.commit(31, 'ok', [{ partition: 't/0', offset: 9 }]);
    history.processedSpan(40, 't/0', 9, 1, 'p2', 1);
    expect(history.ops.map((op) => op.type)).toEqual(['process', 'commit', 'process']);
    expect(history.processed).toBe(5);
  });

  it('merges members in time order, keeping each member\'s own order', () => {
    const a = new ConsumerHistory('g/0');
    const b = new ConsumerHistory('g/1');
    a.assign(10, 1, ['t/0']);
    b.assign(10, 1, ['t/1']);
    a.seek(15, 't/0', 0, 'committed offset');
    b.poll(12, [{ partition: 't/1', spans: [{ offset: 0, count: 1, producer: 'p', firstRecord: 0 }], highWatermark: 1 }]);
    const merged = groupHistory('g', [a, b]).ops.map((op) => `${op.member}:${op.type}@${op.timeUs}`);
    expect(merged).toEqual(['g/0:assign@10', 'g/1:assign@10', 'g/1:poll@12', 'g/0:seek@15']);
    expect(b.polled).toBe(1);
  });
});
