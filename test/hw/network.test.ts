import { describe, expect, it } from 'vitest';
import { resolveHardwareProfile } from '../../sim/hw/profiles.ts';
import { TEST_HARDWARE, at, buildWorld } from './harness.ts';

const BYTES_PER_SECOND = TEST_HARDWARE.nicBitsPerSecond / 8;

describe('network timing', () => {
  it('one message takes sender serialisation + propagation + receiver serialisation, exactly', () => {
    const t = buildWorld([{ id: 'a' }, { id: 'b' }, { id: 'c', rack: 'r2' }]);
    t.actor('a').ctx.send('b', 'same rack', 1000);
    t.actor('a').ctx.send('c', 'cross rack', 1000);
    t.world.runUntil(1_000_000);
    // 1000 bytes at 1 Gbit/s = 8 µs on each NIC; 50 µs within a rack, 250 µs across.
    expect(t.actor('b').received.map((r) => r.atUs)).toEqual([8 + 50 + 8]);
    // The cross-rack message queued behind the first on a's NIC for 8 µs.
    expect(t.actor('c').received.map((r) => r.atUs)).toEqual([8 + 8 + 250 + 8]);
  });

  it('sub-microsecond serialisation adds up exactly and rounds up only at delivery', () => {
    const fast = resolveHardwareProfile('ssd-10g', { nicBitsPerSecond: 10e9, intraRackLatencyUs: 50, latencyJitterUs: 0 });
    const t = buildWorld([{ id: 'a', hardware: fast }, { id: 'b', hardware: fast }]);
    t.actor('a').ctx.send('b', 'small', 100);
    t.world.runUntil(1000);
    // 100 bytes at 10 Gbit/s = 0.08 µs per NIC: 50.16 µs, delivered at the next whole microsecond.
    expect(t.actor('b').received[0]?.atUs).toBe(51);
  });

  it.each([
    ['1 MB messages', 1_000_000, 200],
    ['1500-byte messages', 1500, 100_000],
  ])('a long transfer over one link reaches the configured bandwidth within 1 %% (%s)', (_, bytes, count) => {
    const t = buildWorld([{ id: 'a' }, { id: 'b', rack: 'r2' }]);
    for (let i = 0; i < count; i++) t.actor('a').ctx.send('b', i, bytes);
    t.scheduler.runToCompletion();
    const received = t.actor('b').received;
    expect(received).toHaveLength(count);
    const seconds = (received.at(-1)?.atUs ?? 0) / 1e6;
    const bytesPerSecond = (bytes * count) / seconds;
    expect(Math.abs(bytesPerSecond / BYTES_PER_SECOND - 1)).toBeLessThan(0.01);
  });

  it('a node gets its messages in the order its NIC finished them, also when one finishes in the microsecond it arrives', () => {
    const t = buildWorld([{ id: 'a' }, { id: 'c' }, { id: 'b' }]);
    // 1010 bytes at 1 Gbit/s: 8.08 µs per NIC, arriving at 58.08, received at 66.16: delivered at 67.
    t.actor('a').ctx.send('b', 'large', 1010);
    // 10 bytes sent at 16: arrives at 66.08 (its event at 67, queued before the large one's
    // delivery), received at 66.24 behind it; it must not overtake the large one.
    at(t.scheduler, 16, () => t.actor('c').ctx.send('b', 'small', 10));
    t.world.runUntil(1000);
    expect(t.actor('b').received.map((r) => [r.message, r.atUs])).toEqual([
      ['large', 67],
      ['small', 67],
    ]);
  });

  it('the receiving NIC is shared: two senders to one node get its bandwidth between them', () => {
    const t = buildWorld([{ id: 'a' }, { id: 'b' }, { id: 'sink' }]);
    for (let i = 0; i < 100; i++) {
      t.actor('a').ctx.send('sink', i, 1_000_000);
      t.actor('b').ctx.send('sink', i, 1_000_000);
    }
    t.scheduler.runToCompletion();
    const seconds = (t.actor('sink').received.at(-1)?.atUs ?? 0) / 1e6;
    expect(Math.abs(200_000_000 / seconds / BYTES_PER_SECOND - 1)).toBeLessThan(0.01);
  });

  it('jitter varies latency but never reorders messages between two nodes', () => {
    const jittery = resolveHardwareProfile('ssd-10g', { nicBitsPerSecond: 1e9, intraRackLatencyUs: 50, latencyJitterUs: 500 });
    const t = buildWorld([{ id: 'a', hardware: jittery }, { id: 'b', hardware: jittery }]);
    const sentAtUs: number[] = [];
    for (let i = 0; i < 2000; i++) {
      at(t.scheduler, i * 20, () => {
        sentAtUs.push(t.scheduler.now);
        t.actor('a').ctx.send('b', i, 100);
      });
    }
    t.scheduler.runToCompletion();
    const received = t.actor('b').received;
    expect(received.map((r) => r.message)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    const latencies = new Set(received.map((r, i) => r.atUs - (sentAtUs[i] as number)));
    expect(latencies.size).toBeGreaterThan(100);
    // 0.8 µs + 50 µs + jitter + 0.8 µs, rounded up; never more than the largest jitter.
    expect(Math.min(...latencies)).toBeGreaterThanOrEqual(52);
    expect(Math.max(...latencies)).toBeLessThanOrEqual(52 + 500);
  });

  it('slow-network adds its latency to each one-way trip and caps bandwidth until healed', () => {
    const t = buildWorld([{ id: 'a' }, { id: 'b' }]);
    const fault = t.world.slowNetwork('b', { addedLatencyUs: 200_000, bandwidthBytesPerSecond: 1_000_000 });
    t.actor('a').ctx.send('b', 'slow', 1000);
    t.world.runUntil(1_000_000);
    // 1000 bytes at 1 MB/s = 1 ms on b's NIC; a's NIC is not capped (8 µs).
    expect(t.actor('b').received[0]?.atUs).toBe(8 + 50 + 200_000 + 1000);
    t.world.heal(fault);
    t.actor('a').ctx.send('b', 'healthy', 1000);
    t.world.runUntil(2_000_000);
    expect(t.actor('b').received[1]?.atUs).toBe(1_000_000 + 66);
  });

  it('traces every delivered and lost message at full detail only, numbering events the same at every level', () => {
    const run = (detail: 'standard' | 'full') => {
      const t = buildWorld([{ id: 'a' }, { id: 'b' }], { detail });
      t.actor('a').ctx.send('b', { type: 'Produce' }, 100);
      at(t.scheduler, 100, () => t.world.partition({ kind: 'one-way', from: ['a'], to: ['b'] }));
      at(t.scheduler, 200, () => t.actor('a').ctx.send('b', { type: 'Fetch' }, 100));
      at(t.scheduler, 500, () => t.world.crash('b'));
      t.world.runUntil(1000);
      return t.sink.events;
    };
    const full = run('full');
    const standard = run('standard');
    expect(full.filter((e) => e.k === 'msg').map((e) => [e.from, e.to, e.type, e.bytes])).toEqual([['a', 'b', 'Produce', 100]]);
    expect(full.filter((e) => e.k === 'tcp-stall').map((e) => [e.from, e.to, e.type])).toEqual([['a', 'b', 'Fetch']]);
    expect(standard.some((e) => e.k === 'msg' || e.k === 'msg-lost' || e.k === 'tcp-stall')).toBe(false);
    const crashI = (events: typeof full) => events.find((e) => e.k === 'node-down')?.i;
    expect(crashI(full)).toBe(5);
    expect(crashI(standard)).toBe(crashI(full));
  });
});
