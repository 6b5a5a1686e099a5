import { describe, expect, it } from 'vitest';
import type { FileHandle } from '../../sim/hw/actor.ts';
import { resolveHardwareProfile } from '../../sim/hw/profiles.ts';
import { TEST_HARDWARE, at, buildWorld, type TestWorld } from './harness.ts';

const MB = 1_000_000;

/** A broker-like node "b" (TEST_HARDWARE: 100 MB/s disk, 1 ms latency, 1 GiB page cache). */
function broker(options: Parameters<typeof buildWorld>[1] = {}, hardware = TEST_HARDWARE): TestWorld {
  return buildWorld([{ id: 'b', hardware }], options);
}

function logFile(t: TestWorld, name = 'orders-0'): FileHandle {
  return t.actor('b').ctx.disk().file(name);
}

describe('page cache and writeback', () => {
  it('power loss loses exactly the bytes not yet written back; the log recovers to what survived', () => {
    const t = broker();
    at(t.scheduler, 0, () => logFile(t).append(1 * MB));
    at(t.scheduler, 10_000_000, () => logFile(t).append(2 * MB));
    // The file was first dirtied at 0 s: the flusher's 30 s wake-up writes all 3 MB back.
    at(t.scheduler, 31_000_000, () => logFile(t).append(500_000));
    at(t.scheduler, 32_000_000, () => t.world.powerLoss('b'));
    t.world.runUntil(33_000_000);
    const file = t.world.machine('b').disks[0]?.file('orders-0');
    expect(file?.survivingPosition).toBe(3 * MB);
    expect(t.sink.events.filter((e) => e.k === 'disk-lost').map(({ i: _i, t: _t, ...rest }) => rest)).toEqual([
      { k: 'disk-lost', node: 'b', disk: 0, file: 'orders-0', lostBytes: 500_000, survivingPosition: 3 * MB },
    ]);
    expect(t.sink.events.find((e) => e.k === 'node-down')).toMatchObject({ how: 'power-loss', lostBytes: 500_000 });
  });

  it('a crash loses nothing: the page cache belongs to the OS, and the owner finds its file again', () => {
    const t = broker();
    const image = { batches: ['m1', 'm2'] };
    at(t.scheduler, 0, () => {
      const file = logFile(t);
      file.append(1 * MB);
      file.contents = image;
    });
    at(t.scheduler, 1_000_000, () => t.world.crash('b'));
    at(t.scheduler, 2_000_000, () => t.world.restart('b'));
    t.world.runUntil(3_000_000);
    const file = logFile(t);
    expect([file.endPosition, file.survivingPosition, file.durablePosition]).toEqual([1 * MB, 1 * MB, 0]);
    expect(file.contents).toBe(image);
    // Writeback carries on after the crash, at the flusher's schedule.
    t.world.runUntil(31_000_000);
    expect(file.durablePosition).toBe(1 * MB);
  });

  it('the flusher writes back data dirty for vm.dirty_expire_centisecs at its next 5 s wake-up', () => {
    const t = broker();
    at(t.scheduler, 1_000_000, () => logFile(t).append(1 * MB));
    // Wake-ups at 6, 11, …, 31 s; at 31 s the data is 30 s old; 1 MB takes 10 ms at 100 MB/s.
    t.world.runUntil(31_009_999);
    expect(logFile(t).durablePosition).toBe(0);
    t.world.runUntil(31_010_000);
    expect(logFile(t).durablePosition).toBe(1 * MB);
  });

  it('past vm.dirty_background_ratio writeback starts at once', () => {
    const t = broker();
    // 10 % of 1 GiB is 107.4 MB: 100 MB waits for expiry, 120 MB goes now (1.2 s at 100 MB/s).
    at(t.scheduler, 0, () => logFile(t, 'small').append(100 * MB));
    at(t.scheduler, 1000, () => logFile(t, 'large').append(20 * MB));
    t.world.runUntil(1_300_000);
    expect(logFile(t, 'small').durablePosition).toBe(100 * MB);
    expect(logFile(t, 'large').durablePosition).toBe(0);
    expect(t.world.machine('b').pageCache.dirtyBytes).toBe(20 * MB);
  });

  it('fsync writes the dirty data, then flushes the device, and only then says done', () => {
    const t = broker();
    let doneAtUs = -1;
    at(t.scheduler, 0, () => {
      logFile(t).append(1 * MB);
      logFile(t).fsync(() => (doneAtUs = t.scheduler.now));
    });
    t.world.runUntil(1_000_000);
    // 1 MB at 100 MB/s = 10 ms, then the flush costs the disk latency, 1 ms.
    expect(doneAtUs).toBe(11_000);
    expect(logFile(t).durablePosition).toBe(1 * MB);
  });

  it('a second power loss keeps the first one’s surviving position; new data goes after the hole', () => {
    const t = broker();
    at(t.scheduler, 0, () => logFile(t).append(1 * MB));
    at(t.scheduler, 1000, () => t.world.powerLoss('b'));
    at(t.scheduler, 2000, () => t.world.restart('b'));
    at(t.scheduler, 3000, () => t.world.powerLoss('b'));
    at(t.scheduler, 4000, () => t.world.restart('b'));
    t.world.runUntil(5000);
    expect(logFile(t).survivingPosition).toBe(0);
    let durableAtUs = -1;
    at(t.scheduler, 10_000, () => {
      logFile(t).append(500_000);
      logFile(t).fsync(() => (durableAtUs = t.scheduler.now));
    });
    t.world.runUntil(100_000);
    expect([logFile(t).endPosition, logFile(t).durablePosition, logFile(t).survivingPosition]).toEqual([1_500_000, 1_500_000, 1_500_000]);
    expect(durableAtUs).toBe(10_000 + 5000 + 1000);
  });

  it('a snapshot survives a crash; after a power loss the last durable one wins', () => {
    const t = broker();
    const checkpoint = () => logFile(t, 'replication-offset-checkpoint');
    const seen: unknown[] = [];
    // Each snapshot is durable 1 ms (latency) + 1 µs (100 bytes) after it is written.
    at(t.scheduler, 0, () => checkpoint().writeSnapshot({ hw: 10 }, 100));
    at(t.scheduler, 10_000, () => checkpoint().writeSnapshot({ hw: 20 }, 100));
    at(t.scheduler, 10_500, () => t.world.crash('b'));
    at(t.scheduler, 10_600, () => t.world.restart('b'));
    at(t.scheduler, 10_650, () => seen.push(checkpoint().snapshot));
    at(t.scheduler, 10_700, () => t.world.powerLoss('b'));
    at(t.scheduler, 20_000, () => t.world.restart('b'));
    at(t.scheduler, 20_001, () => seen.push(checkpoint().snapshot));
    t.world.runUntil(30_000);
    expect(seen).toEqual([{ hw: 20 }, { hw: 10 }]);
  });

  it('disk completions never reach a process that died after asking', () => {
    const t = broker();
    const done: number[] = [];
    at(t.scheduler, 0, () => {
      logFile(t).append(1 * MB);
      logFile(t).fsync(() => done.push(t.actor('b').ctx.incarnation));
    });
    at(t.scheduler, 5000, () => t.world.crash('b'));
    at(t.scheduler, 6000, () => t.world.restart('b'));
    t.world.runUntil(100_000);
    expect(done).toEqual([]);
    expect(logFile(t).durablePosition).toBe(1 * MB);
  });
});

describe('disk service', () => {
  it('cached reads cost no disk time; uncached reads pay latency plus bytes at the read rate', () => {
    const tiny = resolveHardwareProfile('ssd-10g', { ...TEST_HARDWARE, ramBytes: 2 * 1024 * 1024, heapBytes: 0 });
    const t = broker({ pageCacheChunkBytes: 1024 * 1024 }, tiny);
    const readAtUs: [string, number][] = [];
    at(t.scheduler, 0, () => {
      logFile(t).append(4 * 1024 * 1024);
      logFile(t).fsync(() => {});
    });
    at(t.scheduler, 1_000_000, () => {
      logFile(t).read(3 * 1024 * 1024, MB, () => readAtUs.push(['tail, cached', t.scheduler.now]));
      logFile(t).read(0, MB, () => readAtUs.push(['head, evicted', t.scheduler.now]));
    });
    t.world.runUntil(2_000_000);
    expect(readAtUs).toEqual([['tail, cached', 1_000_000], ['head, evicted', 1_000_000 + 1000 + 10_000]]);
  });

  it('a slow-disk fault multiplies service time until healed', () => {
    const t = broker();
    const doneAtUs: number[] = [];
    const fault = t.world.slowDisk('b', 10);
    at(t.scheduler, 0, () => {
      logFile(t).append(1 * MB);
      logFile(t).fsync(() => doneAtUs.push(t.scheduler.now));
    });
    at(t.scheduler, 1_000_000, () => {
      t.world.heal(fault);
      logFile(t).append(1 * MB);
      logFile(t).fsync(() => doneAtUs.push(t.scheduler.now));
    });
    t.world.runUntil(2_000_000);
    expect(doneAtUs).toEqual([110_000, 1_011_000]);
  });

  it('a saturated disk writes at exactly its configured rate and throttles a faster writer down to it', () => {
    const t = broker();
    let writtenByWriter = 0;
    const writeLoop = (): void => {
      const blockedUs = logFile(t).append(MB);
      writtenByWriter += MB;
      // The writer offers 200 MB/s (1 MB every 5 ms), twice the disk's rate.
      t.actor('b').ctx.setTimer(Math.max(5000, blockedUs), writeLoop);
    };
    at(t.scheduler, 0, writeLoop);
    const disk = t.world.machine('b').disks[0];
    const sample = { writerAt10s: 0, diskAt10s: 0 };
    at(t.scheduler, 10_000_000, () => {
      sample.writerAt10s = writtenByWriter;
      sample.diskAt10s = disk?.stats.writtenBytes ?? 0;
    });
    t.world.runUntil(60_000_000);
    const diskRate = ((disk?.stats.writtenBytes ?? 0) - sample.diskAt10s) / 50;
    const writerRate = (writtenByWriter - sample.writerAt10s) / 50;
    expect(Math.abs(diskRate / 100e6 - 1)).toBeLessThan(0.01);
    expect(Math.abs(writerRate / 100e6 - 1)).toBeLessThan(0.02);
    // Dirty + writeback data stays near vm.dirty_ratio (20 % of 1 GiB).
    const cache = t.world.machine('b').pageCache;
    expect(cache.dirtyBytes + cache.writebackBytes).toBeLessThan(cache.throttleThresholdBytes + 2 * MB);
  });

  it('queueing latency grows with load as an M/D/1 queue predicts', () => {
    const chunkBytes = 4096;
    const tiny = resolveHardwareProfile('ssd-10g', { ...TEST_HARDWARE, ramBytes: 1024 * 1024, heapBytes: 0 });
    const serviceUs = 1000 + chunkBytes * 0.01;
    const meanLatencyAt = (load: number): number => {
      const t = broker({ pageCacheChunkBytes: chunkBytes, seed: `load-${load}` }, tiny);
      const reads = 20_000;
      at(t.scheduler, 0, () => logFile(t).append(reads * chunkBytes));
      const latencies: number[] = [];
      const rng = t.actor('b').ctx.rng;
      let timeUs = 10_000_000;
      for (let i = 0; i < reads; i++) {
        timeUs += Math.max(1, Math.round(rng.exponential(serviceUs / load)));
        at(t.scheduler, timeUs, () => {
          const askedUs = t.scheduler.now;
          // Each read is of a chunk never read before, so it always misses the cache.
          logFile(t).read(i * chunkBytes, chunkBytes, () => latencies.push(t.scheduler.now - askedUs));
        });
      }
      t.scheduler.runToCompletion();
      expect(latencies).toHaveLength(reads);
      return latencies.reduce((a, b) => a + b, 0) / reads;
    };
    const measured = [0.3, 0.6, 0.8].map((load) => [load, meanLatencyAt(load)] as const);
    for (const [load, latencyUs] of measured) {
      // Pollaczek–Khinchine for deterministic service: W = S + ρS / (2(1 − ρ)).
      const predictedUs = serviceUs + (load * serviceUs) / (2 * (1 - load));
      // 20,000 samples: the sample mean's spread grows with the load (a few % at 0.8, across seeds).
      expect(Math.abs(latencyUs / predictedUs - 1)).toBeLessThan(load < 0.5 ? 0.03 : load < 0.7 ? 0.05 : 0.1);
    }
    expect(measured[0]![1]).toBeLessThan(measured[1]![1]);
    expect(measured[1]![1]).toBeLessThan(measured[2]![1]);
  });
});
