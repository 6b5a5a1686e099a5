import { describe, expect, it } from 'vitest';
import { Nemesis, type FaultSurface } from '../../sim/faults/nemesis.ts';
import type { FaultSpec } from '../../sim/scenario/spec.ts';
import { buildWorld, type TestWorld } from '../hw/harness.ts';

const S = 1_000_000;

/** Three brokers on two racks and one ZooKeeper server; broker 2 leads orders/0 until told otherwise. */
function setup(leader: { id: number | null } = { id: 2 }): { t: TestWorld; surface: FaultSurface; calls: string[] } {
  const t = buildWorld([
    { id: 'broker-1', rack: 'r1' },
    { id: 'broker-2', rack: 'r1' },
    { id: 'broker-3', rack: 'r2' },
    { id: 'zk-1', rack: 'r2' },
  ]);
  const calls: string[] = [];
  const surface: FaultSurface = {
    world: t.world,
    brokerNode: (id) => `broker-${id}`,
    zkNode: (id) => `zk-${id}`,
    producerNode: (name) => `producer-${name}`,
    consumerNode: (group, member) => `consumer-${group}-${member}`,
    leaderOf: () => leader.id,
    controllerId: () => 1,
    controlledShutdown: (id) => calls.push(`shutdown ${id}`),
    applyConfig: (scope, set) => calls.push(`config ${JSON.stringify(scope)} ${JSON.stringify(set)}`),
  };
  return { t, surface, calls };
}

const state = (t: TestWorld, node: string): string => t.world.machine(node).state;
const faultEvents = (t: TestWorld): unknown[] =>
  t.sink.events.filter((e) => e.k.startsWith('fault')).map(({ i: _i, ...rest }) => rest);

describe('Nemesis: the fault timeline', () => {
  it('crashes the leader resolved at the moment the fault fires, and restarts it after `for`', () => {
    const { t, surface } = setup();
    const faults: FaultSpec[] = [{ index: 0, atUs: 5 * S, forUs: 10 * S, kind: 'crash', target: { type: 'leader', topic: 'orders', partition: 0 } }];
    new Nemesis(surface, faults).schedule();
    t.world.runUntil(6 * S);
    expect(state(t, 'broker-2')).toBe('crashed');
    expect(state(t, 'broker-1')).toBe('up');
    t.world.runUntil(16 * S);
    expect(state(t, 'broker-2')).toBe('up');
    expect(faultEvents(t)).toEqual([
      { t: 5 * S, k: 'fault', fault: 0, kind: 'crash', target: 'the leader of orders/0 (broker 2)', nodes: ['broker-2'] },
      { t: 15 * S, k: 'fault-end', fault: 0, kind: 'crash', target: 'the leader of orders/0 (broker 2)' },
    ]);
  });

  it('skips a dynamic target that cannot be resolved, saying why', () => {
    const { t, surface } = setup({ id: null });
    new Nemesis(surface, [{ index: 3, atUs: S, forUs: null, kind: 'crash', target: { type: 'leader', topic: 'orders', partition: 0 } }]).schedule();
    t.world.runUntil(2 * S);
    expect(['broker-1', 'broker-2', 'broker-3'].map((n) => state(t, n))).toEqual(['up', 'up', 'up']);
    expect(faultEvents(t)).toEqual([{ t: S, k: 'fault-skipped', fault: 3, kind: 'crash', reason: 'orders/0 has no leader at this moment' }]);
  });

  it('power loss with `for` powers the machine back on and starts the process', () => {
    const { t, surface } = setup();
    new Nemesis(surface, [{ index: 0, atUs: S, forUs: 2 * S, kind: 'power-loss', target: { type: 'broker', brokerId: 3 } }]).schedule();
    t.world.runUntil(2 * S);
    expect(state(t, 'broker-3')).toBe('powered-off');
    t.world.runUntil(4 * S);
    expect(state(t, 'broker-3')).toBe('up');
  });

  it('a partition between groups blocks exactly its window', () => {
    const { t, surface } = setup();
    const faults: FaultSpec[] = [
      { index: 0, atUs: S, forUs: 3 * S, kind: 'partition', shape: { type: 'between', groups: [[{ type: 'broker', brokerId: 1 }], [{ type: 'broker', brokerId: 2 }, { type: 'broker', brokerId: 3 }]] } },
    ];
    new Nemesis(surface, faults).schedule();
    t.world.runUntil(2 * S);
    expect(t.world.network.faults.partitionCount).toBe(1);
    t.world.runUntil(5 * S);
    expect(t.world.network.faults.partitionCount).toBe(0);
    expect(faultEvents(t).map((e) => (e as { k: string }).k)).toEqual(['fault', 'fault-end']);
  });

  it('a rack target hits every machine in the rack; restart brings each back', () => {
    const { t, surface } = setup();
    new Nemesis(surface, [
      { index: 0, atUs: S, forUs: null, kind: 'crash', target: { type: 'rack', rack: 'r1' } },
      { index: 1, atUs: 2 * S, forUs: null, kind: 'restart', target: { type: 'rack', rack: 'r1' } },
    ]).schedule();
    t.world.runUntil(S + 1);
    expect(['broker-1', 'broker-2', 'broker-3'].map((n) => state(t, n))).toEqual(['crashed', 'crashed', 'up']);
    t.world.runUntil(3 * S);
    expect(['broker-1', 'broker-2', 'broker-3'].map((n) => state(t, n))).toEqual(['up', 'up', 'up']);
  });

  it('controlled shutdown and config changes go through the cluster surface', () => {
    const { t, surface, calls } = setup();
    new Nemesis(surface, [
      { index: 0, atUs: S, forUs: null, kind: 'shutdown', target: { type: 'controller' } },
      { index: 1, atUs: S, forUs: null, kind: 'config', scope: { type: 'broker', brokerId: 1 }, set: { 'min.insync.replicas': 1 } },
    ]).schedule();
    t.world.runUntil(2 * S);
    expect(calls).toEqual(['shutdown 1', 'config {"type":"broker","brokerId":1} {"min.insync.replicas":1}']);
  });
});
