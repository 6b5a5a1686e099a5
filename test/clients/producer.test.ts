import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { keyedPartition, murmur2, toPositive, utf8 } from '../../sim/clients/partitioner.ts';
import { keyName } from '../../sim/clients/load.ts';
import type { RangeView } from '../../sim/clients/history.ts';
import { resolveHardwareProfile } from '../../sim/hw/profiles.ts';
import { FC_SEED, producerWorld, duplicatesAndReorderings, TOPIC } from './producer-world.ts';

describe('partitioning', () => {
  it('puts each keyed record on toPositive(murmur2(key)) % partitions, as Kafka does', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 1000 }), (partitions, keyCount, seed) => {
        const t = producerWorld({ seed, partitions, brokers: 3, load: { keys: { count: keyCount, distribution: 'uniform' }, stopUs: 200_000 } });
        t.world.runUntil(1_000_000);
        const { history } = t.producer;
        let checked = 0;
        for (const name of history.partitionNames) {
          const partition = Number(name.slice(TOPIC.length + 1));
          for (let record = 0; record < history.recordCount(name); record++) {
            const key = keyName(history.keyOf(name, record));
            expect(toPositive(murmur2(utf8(key))) % partitions).toBe(partition);
            expect(keyedPartition(key, partitions)).toBe(partition);
            checked++;
          }
          expect(t.cluster.recordsIn(partition).length).toBe(history.recordCount(name));
        }
        expect(checked).toBe(history.totals().invoked);
      }),
      { seed: FC_SEED, numRuns: 15 },
    );
  });

  it('moves an unkeyed producer to another partition exactly when it opens a new batch (KIP-480)', () => {
    const t = producerWorld({ partitions: 6, brokers: 3, config: { 'linger.ms': 5, 'batch.size': 2000 }, load: { rate: { kind: 'fixed', recordsPerSecond: 3000 }, stopUs: 2_000_000 } });
    t.world.runUntil(3_000_000);
    const { history } = t.producer;
    // Range ids are the order batches were created in: each batch must be one unbroken run of
    // sends, and the next run must be on another partition.
    const ranges = [...history.ranges()];
    expect(ranges.length).toBeGreaterThan(200);
    for (let i = 1; i < ranges.length; i++) {
      const previous = ranges[i - 1] as RangeView;
      const current = ranges[i] as RangeView;
      expect(current.partition).not.toBe(previous.partition);
      const previousLastUs = history.invokeUs(previous.partition, previous.firstRecord + previous.count - 1);
      expect(previousLastUs).toBeLessThanOrEqual(history.invokeUs(current.partition, current.firstRecord));
    }
    expect(new Set(ranges.map((r) => r.partition)).size).toBe(6);
  });
});

describe('batching (batch.size, linger.ms)', () => {
  it('closes batches by linger.ms at a low rate: each waits 5 ms, far from full', () => {
    const t = producerWorld({ config: { 'linger.ms': 5 }, load: { rate: { kind: 'fixed', recordsPerSecond: 100 }, stopUs: 3_000_000 } });
    t.world.runUntil(4_000_000);
    const ranges = [...t.producer.history.ranges()];
    expect(ranges.length).toBeGreaterThan(200);
    for (const range of ranges) {
      expect(range.sentUs - range.createUs).toBeGreaterThanOrEqual(5000);
      expect(range.sentUs - range.createUs).toBeLessThan(5100);
      expect(range.sizeBytes).toBeLessThan(16384 / 4);
    }
  });

  it('closes batches by batch.size at a high rate: each is sent full, before linger.ms ends', () => {
    const t = producerWorld({ config: { 'linger.ms': 5 }, load: { rate: { kind: 'fixed', recordsPerSecond: 200_000 }, stopUs: 500_000 } });
    t.world.runUntil(1_000_000);
    const ranges = [...t.producer.history.ranges()];
    const recordBytes = 109;
    expect(ranges.length).toBeGreaterThan(500);
    for (const range of ranges.slice(0, -1)) {
      expect(range.sizeBytes).toBeGreaterThan(16384 - recordBytes);
      expect(range.sizeBytes).toBeLessThanOrEqual(16384);
      expect(range.sentUs - range.createUs).toBeLessThan(5000);
    }
  });
});

describe('acknowledgements', () => {
  const delayUs = 50_000;

  it('acks=0 completes each send once it is written, without waiting for the broker', () => {
    const t = producerWorld({ config: { acks: '0' }, responseDelayUs: delayUs });
    t.world.runUntil(2_000_000);
    const { history } = t.producer;
    expect(history.totals().ok).toBe(history.totals().invoked);
    expect(history.totals().acknowledged).toBe(0);
    expect(history.latencyPercentilesMs([100])[0]).toBeLessThan(1);
    for (const range of history.ranges()) expect(range.baseOffset).toBe(-1);
    expect(t.cluster.recordsIn(0).length).toBe(history.totals().invoked);
  });

  it('after a full batch is drained, the batch behind it still leaves after linger.ms, not when it fills', () => {
    // Batches fill under a long linger; once linger.ms drops to 1 they must go back to leaving
    // every millisecond (Kafka's Sender polls again at once after a drain, which sees the new one).
    const t = producerWorld({
      config: { acks: '0', 'linger.ms': 1000 },
      load: { rate: { kind: 'fixed', recordsPerSecond: 600 }, messageBytes: 200, stopUs: 2_000_000 },
    });
    t.scheduler.scheduleAt(500_000, () => t.producer.reconfigure({ 'linger.ms': 1 }));
    t.world.runUntil(2_500_000);
    const late = [...t.producer.history.ranges()].filter((range) => range.createUs > 600_000);
    expect(late.length).toBeGreaterThan(100);
    for (const range of late) expect(range.completeUs - range.createUs).toBeLessThan(5_000);
  });

  it('acks=all completes each send only when the broker answers, with the offset it was written at', () => {
    const t = producerWorld({ config: { acks: 'all' }, responseDelayUs: delayUs });
    t.world.runUntil(2_000_000);
    const { history } = t.producer;
    expect(history.totals().acknowledged).toBe(history.totals().invoked);
    expect(history.latencyPercentilesMs([0])[0]).toBeGreaterThanOrEqual(delayUs / 1000);
    const log = t.cluster.recordsIn(0);
    for (let record = 0; record < history.recordCount(`${TOPIC}/0`); record++) {
      expect(log[history.offsetOf(`${TOPIC}/0`, record)]).toBe(record);
    }
  });

  it('reports ack latency percentiles: exact ones from the history, and per second in the trace', () => {
    const t = producerWorld({ responseDelayUs: 20_000, load: { rate: { kind: 'fixed', recordsPerSecond: 200 }, stopUs: 3_000_000 } });
    t.world.runUntil(4_000_000);
    const { history } = t.producer;
    const completions: { completeUs: number; latencyUs: number }[] = [];
    for (const range of history.ranges()) {
      for (let i = 0; i < range.count; i++) {
        completions.push({ completeUs: range.completeUs, latencyUs: range.completeUs - history.invokeUs(range.partition, range.firstRecord + i) });
      }
    }
    const nearestRankMs = (latenciesUs: number[], p: number): number => {
      const sorted = [...latenciesUs].sort((a, b) => a - b);
      return (sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1] as number) / 1000;
    };
    const all = completions.map((c) => c.latencyUs);
    expect(history.latencyPercentilesMs([50, 99, 100])).toEqual([nearestRankMs(all, 50), nearestRankMs(all, 99), nearestRankMs(all, 100)]);
    expect(nearestRankMs(all, 0)).toBeGreaterThanOrEqual(20);
    const samples = t.sink.events.filter((e) => e.k === 'producer-metrics');
    expect(samples.map((e) => e.t)).toEqual([1_000_000, 2_000_000, 3_000_000, 4_000_000]);
    expect(samples.reduce((sum, e) => sum + (e.acked as number), 0)).toBe(history.totals().ok);
    for (const sample of samples.slice(0, 3)) {
      const inInterval = completions.filter((c) => c.completeUs > sample.t - 1_000_000 && c.completeUs <= sample.t).map((c) => c.latencyUs);
      const exactMs = nearestRankMs(inInterval, 99);
      expect(Math.abs((sample.p99Ms as number) - exactMs)).toBeLessThanOrEqual(exactMs * 0.04);
    }
  });
});

describe('metadata', () => {
  it('refreshes metadata every metadata.max.age.ms even when nothing goes wrong', () => {
    const t = producerWorld({ config: { 'metadata.max.age.ms': 1000 }, load: { stopUs: 10_000_000 } });
    t.world.runUntil(10_000_000);
    // One at start-up, one for the topic, then one per second.
    expect(t.cluster.metadataRequests).toBeGreaterThanOrEqual(10);
    expect(t.cluster.metadataRequests).toBeLessThanOrEqual(12);
  });

  it('follows a leader change: NOT_LEADER_OR_FOLLOWER refreshes metadata and the records go to the new leader', () => {
    const t = producerWorld({ brokers: 2, partitions: 1, load: { stopUs: 1_000_000 } });
    t.scheduler.scheduleAt(400_000, () => t.cluster.moveLeader(0, 2));
    t.world.runUntil(3_000_000);
    const { history } = t.producer;
    expect(history.totals().ok).toBe(history.totals().invoked);
    const retried = [...history.ranges()].filter((range) => range.attempts > 1);
    expect(retried.length).toBeGreaterThan(0);
    const log = t.cluster.recordsIn(0);
    expect(log.length).toBe(history.totals().invoked);
    expect(duplicatesAndReorderings(log)).toEqual({ duplicates: 0, reorderings: 0 });
    for (const range of history.ranges()) {
      if (range.createUs > 500_000) expect(range.leaderEpoch).toBe(1);
    }
  });
});

describe('reconfiguration (a `config` fault)', () => {
  it('applies new settings to the batches sent after the change', () => {
    const t = producerWorld({ config: { 'enable.idempotence': false }, responseDelayUs: 20_000, load: { rate: { kind: 'fixed', recordsPerSecond: 100 }, stopUs: 1_000_000 } });
    t.scheduler.scheduleAt(500_000, () => t.producer.reconfigure({ acks: '0' }));
    t.world.runUntil(2_000_000);
    expect(t.producer.config.acks).toBe('0');
    for (const range of t.producer.history.ranges()) {
      if (range.sentUs > 500_000) expect(range.baseOffset).toBe(-1);
      if (range.completeUs < 500_000) expect(range.baseOffset).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('connections and load', () => {
  it('keeps at most max.in.flight.requests.per.connection requests outstanding to a broker', () => {
    for (const maxInFlight of [1, 3, 5]) {
      const t = producerWorld({
        config: { 'max.in.flight.requests.per.connection': maxInFlight },
        responseDelayUs: 5000,
        partitions: 6,
        load: { rate: { kind: 'fixed', recordsPerSecond: 5000 }, stopUs: 500_000 },
      });
      t.world.runUntil(2_000_000);
      expect(t.cluster.maxOutstandingPerConnection).toBe(maxInFlight);
    }
  });

  it('sends only between the load\'s start and stop times', () => {
    const t = producerWorld({ load: { startUs: 1_000_000, stopUs: 2_000_000 } });
    t.world.runUntil(3_000_000);
    const { history } = t.producer;
    expect(history.totals().invoked).toBeGreaterThan(900);
    for (let record = 0; record < history.recordCount(`${TOPIC}/0`); record++) {
      const invokeUs = history.invokeUs(`${TOPIC}/0`, record);
      expect(invokeUs).toBeGreaterThanOrEqual(1_000_000);
      expect(invokeUs).toBeLessThan(2_000_000);
    }
  });

  it('saturates one producer where the Java client did: about 820,000 records of 100 bytes a second (LinkedIn 2014)', () => {
    const t = producerWorld({ partitions: 6, brokers: 3, producerHardware: resolveHardwareProfile('linkedin-2014'), load: { rate: { kind: 'max' }, stopUs: 1_000_000 } });
    t.world.runUntil(1_100_000);
    const recordsPerSecond = t.producer.history.totals().invoked;
    expect(recordsPerSecond).toBeGreaterThan(780_000);
    expect(recordsPerSecond).toBeLessThan(900_000);
  });
});
