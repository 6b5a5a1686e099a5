import { describe, expect, it } from 'vitest';
import { createRng } from '../../sim/core/rng.ts';
import { Scheduler } from '../../sim/core/scheduler.ts';
import { Trace } from '../../sim/core/trace.ts';
import { tcpPayloadBitsPerSecond } from '../../sim/hw/profiles.ts';
import { World } from '../../sim/hw/world.ts';
import { ScriptedActor, TEST_HARDWARE, at, buildWorld } from './harness.ts';

describe('the world', () => {
  it('builds machines from profile names with overrides, and finds nodes by rack', () => {
    const scheduler = new Scheduler();
    const world = new World({ scheduler, trace: new Trace(scheduler), rng: createRng(7) });
    world.addMachine({ id: 'broker-1', rack: 'r1', hardware: 'linkedin-2014' });
    world.addMachine({ id: 'broker-2', rack: 'r2', hardware: 'hdd-1g', overrides: { disks: 3 } });
    world.addMachine({ id: 'zk-1', rack: 'r1' });
    expect(world.nodes()).toEqual(['broker-1', 'broker-2', 'zk-1']);
    expect(world.nodesInRack('r1')).toEqual(['broker-1', 'zk-1']);
    expect(world.machine('broker-1').disks).toHaveLength(6);
    expect(world.machine('broker-2').disks).toHaveLength(3);
    expect(world.machine('zk-1').hardware.nicBitsPerSecond).toBe(tcpPayloadBitsPerSecond(10e9));
    expect(world.machine('zk-1').state).toBe('stopped');
    expect(() => world.addMachine({ id: 'zk-1', rack: 'r1' })).toThrow(/added twice/);
    expect(() => world.start('zk-1')).toThrow(/has no actor/);
  });

  it('a power loss drops what was still queued in the NIC; what was on the wire arrives', () => {
    const t = buildWorld([{ id: 'a' }, { id: 'b' }]);
    // 1 MB takes 8 ms on a 1 Gbit/s NIC: by 20 ms two have left, the third is half sent.
    for (let i = 0; i < 5; i++) t.actor('a').ctx.send('b', i, 1_000_000);
    at(t.scheduler, 20_000, () => t.world.powerLoss('a'));
    t.world.runUntil(1_000_000);
    expect(t.actor('b').received.map((r) => r.message)).toEqual([0, 1]);
    expect(t.actor('b').disconnects).toEqual([]);
  });

  it('a partition drops messages already on the wire when they reach the receiver', () => {
    const t = buildWorld([{ id: 'a' }, { id: 'b', rack: 'r2' }]);
    t.actor('a').ctx.send('b', 'in flight', 100);
    at(t.scheduler, 100, () => t.world.partition({ kind: 'isolate', nodes: ['b'] }));
    t.world.runUntil(10_000);
    expect(t.actor('b').received).toEqual([]);
  });

  it('overlapping slow-disk faults: the disk is as slow as the worst, until each heals', () => {
    const t = buildWorld([{ id: 'b' }]);
    const disk = t.world.machine('b').disks[0];
    const mild = t.world.slowDisk('b', 2);
    const severe = t.world.slowDisk('b', 10);
    expect(disk?.slowFactor).toBe(10);
    t.world.heal(severe);
    expect(disk?.slowFactor).toBe(2);
    t.world.heal(mild);
    expect(disk?.slowFactor).toBe(1);
    expect(t.world.heal(mild)).toBe(false);
  });

  it('heal() ends every partition and slow-down in force, each with its own trace event', () => {
    const t = buildWorld([{ id: 'a' }, { id: 'b' }]);
    t.world.partition({ kind: 'between', groups: [['a'], ['b']] });
    t.world.slowDisk('a', 5);
    t.world.slowNetwork('b', { addedLatencyUs: 1000, bandwidthBytesPerSecond: 1_000_000 });
    expect(t.world.machine('b').nic.bitsPerSecond).toBe(8_000_000);
    expect(t.world.heal()).toBe(true);
    expect(t.world.machine('b').nic.bitsPerSecond).toBe(TEST_HARDWARE.nicBitsPerSecond);
    expect(t.world.network.faults.partitionCount).toBe(0);
    expect(t.sink.events.filter((e) => e.k !== 'node-up').map(({ i: _i, t: _t, ...rest }) => rest)).toEqual([
      { k: 'partition-start', fault: 1, kind: 'between', groups: [['a'], ['b']] },
      { k: 'slow-disk', fault: 2, node: 'a', factor: 5 },
      { k: 'slow-network', fault: 3, node: 'b', addedLatencyUs: 1000, bandwidthBytesPerSecond: 1_000_000 },
      { k: 'partition-heal', fault: 1 },
      { k: 'slow-disk-end', fault: 2, node: 'a' },
      { k: 'slow-network-end', fault: 3, node: 'b' },
    ]);
    expect(t.world.heal()).toBe(false);
  });

  it('a partition naming an unknown node is a simulator bug', () => {
    const t = buildWorld([{ id: 'a' }]);
    expect(() => t.world.partition({ kind: 'isolate', nodes: ['ghost'] })).toThrow(/no machine ghost/);
  });

  it('sending to an unknown node or to oneself is a simulator bug', () => {
    const t = buildWorld([{ id: 'a', actor: new ScriptedActor() }]);
    expect(() => t.actor('a').ctx.send('ghost', 'hello', 1)).toThrow(/unknown node ghost/);
    expect(() => t.actor('a').ctx.send('a', 'hello', 1)).toThrow(/to itself/);
    expect(() => t.actor('a').ctx.send('a', 'hello', 1.5)).toThrow(/whole bytes/);
  });
});
