import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveHardwareProfile, type HardwareProfile } from '../../sim/hw/profiles.ts';
import { FC_SEED, at, buildWorld } from './harness.ts';

const PROFILES: readonly HardwareProfile[] = [
  resolveHardwareProfile('ssd-10g', { latencyJitterUs: 300 }),
  resolveHardwareProfile('hdd-1g', { latencyJitterUs: 50 }),
  resolveHardwareProfile('linkedin-2014'),
];

interface Send {
  atUs: number;
  from: number;
  to: number;
  bytes: number;
}

type Fault =
  | { atUs: number; kind: 'crash' | 'restart' | 'power-loss' | 'heal'; node: number }
  | { atUs: number; kind: 'pause'; node: number; forUs: number }
  | { atUs: number; kind: 'isolate'; node: number }
  | { atUs: number; kind: 'slow-network'; node: number; addedLatencyUs: number };

interface Plan {
  nodes: { rack: string; profile: number }[];
  sends: Send[];
  faults: Fault[];
}

const plan: fc.Arbitrary<Plan> = fc.integer({ min: 2, max: 8 }).chain((count) => {
  const node = fc.integer({ min: 0, max: count - 1 });
  const atUs = fc.integer({ min: 0, max: 200_000 });
  const send = fc
    .record({ atUs, from: node, to: node, bytes: fc.integer({ min: 0, max: 2_000_000 }) })
    .filter((s) => s.from !== s.to);
  const fault = fc.oneof(
    fc.record({ atUs, kind: fc.constantFrom('crash' as const, 'restart' as const, 'power-loss' as const, 'heal' as const), node }),
    fc.record({ atUs, kind: fc.constant('pause' as const), node, forUs: fc.integer({ min: 1, max: 50_000 }) }),
    fc.record({ atUs, kind: fc.constant('isolate' as const), node }),
    fc.record({ atUs, kind: fc.constant('slow-network' as const), node, addedLatencyUs: fc.integer({ min: 0, max: 10_000 }) }),
  );
  return fc.record({
    nodes: fc.array(fc.record({ rack: fc.constantFrom('r1', 'r2', 'r3'), profile: fc.integer({ min: 0, max: PROFILES.length - 1 }) }), {
      minLength: count,
      maxLength: count,
    }),
    sends: fc.array(send, { maxLength: 300 }),
    faults: fc.array(fault, { maxLength: 12 }),
  });
});

interface Outcome {
  deliveries: [string, string, number, number][];
  disconnects: [string, string, string, number][];
  traceHash: string;
  eventCount: number;
}

/** Runs a plan; every message carries its index so order and identity can be checked. */
function run(p: Plan, seed: string): Outcome {
  const ids = p.nodes.map((_, i) => `n${i}`);
  const t = buildWorld(
    p.nodes.map((n, i) => ({ id: ids[i] as string, rack: n.rack, hardware: PROFILES[n.profile] as HardwareProfile })),
    { seed, detail: 'full' },
  );
  p.sends.forEach((s, index) => {
    at(t.scheduler, s.atUs, () => {
      const sender = t.world.machine(ids[s.from] as string);
      if (sender.state === 'up') t.actor(sender.id).ctx.send(ids[s.to] as string, index, s.bytes);
    });
  });
  for (const f of p.faults) at(t.scheduler, f.atUs, () => inject(t.world, ids[f.node] as string, f));
  t.world.runUntil(10_000_000);
  return {
    deliveries: ids.flatMap((id) => t.actor(id).received.map((r): [string, string, number, number] => [id, r.from, r.message as number, r.atUs])),
    disconnects: ids.flatMap((id) => t.actor(id).disconnects.map((d): [string, string, string, number] => [id, d.peer, d.reason, d.atUs])),
    traceHash: t.world.trace.traceHash,
    eventCount: t.sink.events.length,
  };
}

function inject(world: ReturnType<typeof buildWorld>['world'], node: string, f: Fault): void {
  switch (f.kind) {
    case 'crash':
      world.crash(node);
      return;
    case 'restart':
      world.restart(node);
      return;
    case 'power-loss':
      world.powerLoss(node);
      return;
    case 'heal':
      world.heal();
      return;
    case 'pause':
      world.pause(node, f.forUs);
      return;
    case 'isolate':
      world.partition({ kind: 'isolate', nodes: [node] });
      return;
    case 'slow-network':
      world.slowNetwork(node, { addedLatencyUs: f.addedLatencyUs });
  }
}

describe('determinism of the hardware model', () => {
  it('property: the same seed gives the same delivery times, disconnects and trace', () => {
    fc.assert(
      fc.property(plan, (p) => {
        const first = run(p, 'same');
        const second = run(p, 'same');
        expect(second).toEqual(first);
      }),
      { seed: FC_SEED, numRuns: 60 },
    );
  });

  it('property: messages between two nodes arrive in the order sent, whatever the faults', () => {
    fc.assert(
      fc.property(plan, (p) => {
        const { deliveries } = run(p, 'order');
        // Sends at one instant happen in plan order, so (time, index) is the order sent.
        const sentBefore = (x: number, y: number) => {
          const [a, b] = [p.sends[x] as Send, p.sends[y] as Send];
          return a.atUs < b.atUs || (a.atUs === b.atUs && x < y);
        };
        const last = new Map<string, number>();
        for (const [to, from, index] of deliveries) {
          const key = `${from}->${to}`;
          const previous = last.get(key);
          if (previous !== undefined) expect(sentBefore(previous, index)).toBe(true);
          last.set(key, index);
        }
      }),
      { seed: FC_SEED, numRuns: 60 },
    );
  });

  it('property: no message arrives sooner than serialisation plus propagation allow', () => {
    fc.assert(
      fc.property(plan, (p) => {
        const { deliveries } = run(p, 'bounds');
        for (const [to, from, index, atUs] of deliveries) {
          const send = p.sends[index] as Send;
          const sender = p.nodes[Number(from.slice(1))]!;
          const receiver = p.nodes[Number(to.slice(1))]!;
          const a = PROFILES[sender.profile]!;
          const b = PROFILES[receiver.profile]!;
          const propagationUs = sender.rack === receiver.rack ? Math.max(a.intraRackLatencyUs, b.intraRackLatencyUs) : Math.max(a.crossRackLatencyUs, b.crossRackLatencyUs);
          // Cut-through: the receiving NIC takes a message in while the sending one still sends it, so
          // the bound is the slower NIC's serialisation (each pays its own; they overlap).
          const serialisationUs = Math.max((send.bytes * 8e6) / a.nicBitsPerSecond, (send.bytes * 8e6) / b.nicBitsPerSecond);
          expect(atUs - send.atUs).toBeGreaterThanOrEqual(Math.floor(propagationUs + serialisationUs));
        }
      }),
      { seed: FC_SEED, numRuns: 60 },
    );
  });

  it('a different seed draws different jitter', () => {
    const p: Plan = {
      nodes: [{ rack: 'r1', profile: 0 }, { rack: 'r2', profile: 0 }],
      sends: Array.from({ length: 50 }, (_, i) => ({ atUs: i * 1000, from: 0, to: 1, bytes: 100 })),
      faults: [],
    };
    expect(run(p, 'one').deliveries).not.toEqual(run(p, 'two').deliveries);
    expect(run(p, 'one').deliveries).toEqual(run(p, 'one').deliveries);
  });
});
