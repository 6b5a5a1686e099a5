import { describe, it, expect } from 'vitest';
import { ClusterWorld } from './cluster-builder.ts';
import type { KafkaTopicConfig } from '../../sim/kafka/broker-config.ts';

/** One partition on one broker, retention checked every second; 1,000-byte batches, 10 to a segment. */
function setup(topicConfig: KafkaTopicConfig): ClusterWorld {
  const world = ClusterWorld.build({ brokers: 1, config: { 'log.retention.check.interval.ms': 1_000 } });
  world.runFor('3s');
  world.createTopic({ name: 'logs', partitions: 1, replicationFactor: 1, config: { 'segment.bytes': 10_000, ...topicConfig } });
  return world;
}

function log(world: ClusterWorld) {
  return world.broker(1).server!.replicaManager.partitions.get('logs/0')!.log;
}

describe('log retention through the broker', () => {
  it('retention.ms deletes only closed segments whose newest record is older than it; older records sharing a segment with a newer one stay', () => {
    const world = setup({ 'retention.ms': 60_000 });
    for (let batch = 0; batch < 35; batch++) {
      world.produce('logs/0', { records: 10, bytes: 1_000 });
      world.runFor('1s');
    }
    // A record every 20 s keeps the active segment's newest timestamp young.
    for (let tick = 0; tick < 8; tick++) {
      world.runFor('20s');
      world.produce('logs/0', { records: 1, bytes: 1_000 });
    }
    const deleted = world.events('segment-deleted');
    expect(deleted.length).toBeGreaterThanOrEqual(3);
    for (const segment of deleted) {
      expect(segment.reason).toBe('retention-ms');
      expect(segment.records).toBe(100);
    }
    const segments = log(world).segmentInfos();
    const active = segments.at(-1)!;
    expect(active.endOffset).toBe(log(world).logEndOffset);
    expect(active.recordCount).toBeGreaterThan(0);
    expect(log(world).logStartOffset).toBe(segments[0]!.baseOffset);
    expect(log(world).logStartOffset).toBe(deleted.at(-1)!.endOffset);
    const oldestKept = log(world).firstBatch!;
    expect(world.nowUs - oldestKept.maxTimestampUs).toBeGreaterThan(60_000_000);
  });

  it('retention.bytes deletes the oldest closed segments while the log exceeds it by a whole segment', () => {
    const world = setup({ 'retention.bytes': 25_000, 'retention.ms': -1 });
    for (let batch = 0; batch < 45; batch++) {
      world.produce('logs/0', { records: 10, bytes: 1_000 });
      world.runFor('100ms');
    }
    world.runFor('2s');
    const deleted = world.events('segment-deleted');
    expect(deleted.length).toBeGreaterThan(0);
    for (const segment of deleted) expect(segment.reason).toBe('retention-bytes');
    expect(log(world).sizeBytes).toBeLessThan(25_000 + 10_000);
    expect(log(world).sizeBytes).toBeGreaterThanOrEqual(25_000 - 10_000);
    expect(log(world).segmentInfos().at(-1)!.endOffset).toBe(log(world).logEndOffset);
  });

  it('without retention settings nothing is deleted', () => {
    const world = setup({});
    for (let batch = 0; batch < 30; batch++) world.produce('logs/0', { records: 10, bytes: 1_000 });
    world.runFor('10s');
    expect(world.events('segment-deleted')).toHaveLength(0);
    expect(log(world).logStartOffset).toBe(0);
  });
});
