// The Zab safety property, under random faults: committed writes form one order that every server
// applies identically (the commit ledger asserts it on every application), no acknowledged write
// is lost, each epoch has one leader, and once the faults end every server converges on the same
// tree. Faults: crashes, power losses, pauses, partitions (isolating a server, splitting the
// ensemble and its clients, one-way), each lasting a while, over a minute of steady writes.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { PartitionShape } from '../../sim/hw/link-faults.ts';
import { ZkTestEnsemble } from './ensemble-harness.ts';

const CLIENTS = ['broker-1', 'broker-2'];
const FAULT_WINDOW_MS = 60_000;
const CONVERGE_MS = 150_000;

type FaultKind = 'crash' | 'power-loss' | 'pause' | 'isolate' | 'split' | 'one-way';

interface FaultPlan {
  readonly atMs: number;
  readonly kind: FaultKind;
  readonly target: number;
  readonly sides: number;
  readonly forMs: number;
}

const faultPlan = fc.record({
  atMs: fc.integer({ min: 0, max: FAULT_WINDOW_MS }),
  kind: fc.constantFrom<FaultKind>('crash', 'power-loss', 'pause', 'isolate', 'split', 'one-way'),
  target: fc.nat(),
  sides: fc.nat(),
  forMs: fc.integer({ min: 500, max: 25_000 }),
});

/** One writer per client: a persistent create every 100 ms, remembering what was acknowledged. */
function startWriters(zk: ZkTestEnsemble, acked: Set<string>): void {
  for (const name of CLIENTS) {
    let next = 0;
    const write = (): void => {
      const path = `/${name}-${next++}`;
      zk.client(name).create(path, String(next), 'persistent', (result) => {
        if (result.err === 'OK') acked.add(path);
        if (zk.nowMs < FAULT_WINDOW_MS + 20_000) zk.host(name).ctx.setTimer(100_000, write);
      });
    };
    write();
  }
}

function partitionShape(zk: ZkTestEnsemble, plan: FaultPlan): PartitionShape {
  const servers = zk.servers.map((server) => `zk-${server.sid}`);
  const nodes = [...servers, ...CLIENTS];
  const target = servers[plan.target % servers.length] as string;
  if (plan.kind === 'isolate') return { kind: 'isolate', nodes: [target] };
  const left = nodes.filter((_, index) => (plan.sides >> index) & 1);
  const right = nodes.filter((node) => !left.includes(node));
  if (left.length === 0 || right.length === 0) return { kind: 'isolate', nodes: [target] };
  return plan.kind === 'split' ? { kind: 'between', groups: [left, right] } : { kind: 'one-way', from: left, to: right };
}

function applyFault(zk: ZkTestEnsemble, plan: FaultPlan): void {
  const node = `zk-${(plan.target % zk.servers.length) + 1}`;
  switch (plan.kind) {
    case 'crash':
      if (zk.world.crash(node)) zk.scheduler.schedule(plan.forMs * 1000, () => zk.world.restart(node));
      return;
    case 'power-loss':
      if (zk.world.powerLoss(node)) zk.scheduler.schedule(plan.forMs * 1000, () => zk.world.restart(node));
      return;
    case 'pause':
      zk.world.pause(node, plan.forMs * 1000);
      return;
    default: {
      const id = zk.world.partition(partitionShape(zk, plan));
      zk.scheduler.schedule(plan.forMs * 1000, () => zk.world.heal(id));
    }
  }
}

function runPlan(servers: number, seed: number, plans: readonly FaultPlan[], snapCount = 100_000): void {
  const zk = new ZkTestEnsemble({ servers, clients: CLIENTS, sessionTimeoutMs: 18_000, seed, snapCount });
  const acked = new Set<string>();
  startWriters(zk, acked);
  for (const plan of plans) zk.scheduler.schedule(plan.atMs * 1000, () => applyFault(zk, plan));
  zk.runForMs(FAULT_WINDOW_MS + 30_000);
  zk.world.heal();
  for (const server of zk.servers) {
    const node = `zk-${server.sid}`;
    const state = zk.world.machine(node).state;
    if (state !== 'up' && state !== 'paused') zk.world.restart(node);
  }
  zk.runForMs(CONVERGE_MS);

  const leader = zk.leader();
  expect(leader, 'one established leader after healing').not.toBeNull();
  const tip = zk.ledger.committed.at(-1)?.zxid ?? 0;
  expect(zk.servers.map((server) => server.serving)).toEqual(zk.servers.map(() => true));
  expect(zk.servers.map((server) => zk.ledger.appliedZxid(server.sid))).toEqual(zk.servers.map(() => tip));
  const digests = new Set(zk.servers.map((server) => server.db.tree.digest()));
  expect(digests.size, 'identical trees everywhere').toBe(1);
  const tree = zk.server(leader as number).db.tree;
  expect([...acked].filter((path) => tree.stat(path) === null), 'acknowledged writes lost').toEqual([]);
  const leaderOfEpoch = new Map<number, unknown>();
  for (const event of zk.events('zk-leader')) {
    const epoch = event.epoch as number;
    expect(leaderOfEpoch.get(epoch) ?? event.zk, `two leaders in epoch ${epoch}`).toBe(event.zk);
    leaderOfEpoch.set(epoch, event.zk);
  }
}

describe('Zab: one committed order under faults', () => {
  for (const servers of [3, 5]) {
    it(`committed writes form a single order seen identically by every server of a ${servers}-server ensemble`, () => {
      fc.assert(
        // A small snapCount makes servers snapshot often, so lagging ones need a SNAP to catch up.
        fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.array(faultPlan, { maxLength: 12 }), fc.constantFrom(100_000, 25), (seed, plans, snapCount) => {
          runPlan(servers, seed, plans, snapCount);
        }),
        { numRuns: 40 },
      );
    });
  }
});
