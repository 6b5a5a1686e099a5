// The NIC's fast path (sim/hw/nic.ts, `serveAlone`): a piece reaching an idle link is served
// without passing through a flow queue. It must be exact: every message is delivered at the same
// microsecond, in the same order, with and without it, whatever the traffic (idle and busy links,
// messages below, at and above one piece, jitter, two racks, and a bandwidth cap, a power loss or
// a partition set mid-run).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PIECE_BYTES } from '../../sim/hw/nic.ts';
import { resolveHardwareProfile } from '../../sim/hw/profiles.ts';
import { FC_SEED, TEST_HARDWARE, at, buildWorld } from './harness.ts';

const JITTERY = resolveHardwareProfile('ssd-10g', { ...TEST_HARDWARE, latencyJitterUs: 300 });
const NODES = ['a', 'b', 'c', 'd'] as const;

interface Send {
  readonly atUs: number;
  readonly from: number;
  readonly to: number;
  readonly bytes: number;
}

/** Sizes around the boundaries that matter: empty, sub-microsecond, one piece exactly, just over, many pieces. */
const bytesArb = fc.oneof(
  fc.constantFrom(0, 1, PIECE_BYTES - 1, PIECE_BYTES, PIECE_BYTES + 1),
  fc.integer({ min: 1, max: 4_000 }),
  fc.integer({ min: 1, max: 400_000 }),
);

const sendArb = fc.record({
  atUs: fc.integer({ min: 0, max: 30_000 }),
  from: fc.integer({ min: 0, max: NODES.length - 1 }),
  to: fc.integer({ min: 0, max: NODES.length - 2 }),
  bytes: bytesArb,
});

type Fault = { readonly kind: 'cap' | 'power-loss' | 'partition'; readonly node: number; readonly atUs: number; readonly forUs: number };

const faultArb = fc.record({
  kind: fc.constantFrom('cap', 'power-loss', 'partition'),
  node: fc.integer({ min: 0, max: NODES.length - 1 }),
  atUs: fc.integer({ min: 0, max: 30_000 }),
  forUs: fc.integer({ min: 1, max: 300_000 }),
});

/** Starts `fault` on its node at its time and ends it `forUs` later (a cap stays). */
function inject(t: ReturnType<typeof buildWorld>, fault: Fault): void {
  const node = NODES[fault.node] as string;
  if (fault.kind === 'cap') {
    at(t.scheduler, fault.atUs, () => t.world.slowNetwork(node, { bandwidthBytesPerSecond: 20_000_000 }));
  } else if (fault.kind === 'power-loss') {
    at(t.scheduler, fault.atUs, () => t.world.powerLoss(node));
    at(t.scheduler, fault.atUs + fault.forUs, () => t.world.powerOn(node) && t.world.start(node));
  } else {
    let id = 0;
    at(t.scheduler, fault.atUs, () => (id = t.world.partition({ kind: 'isolate', nodes: [node] })));
    at(t.scheduler, fault.atUs + fault.forUs, () => t.world.heal(id));
  }
}

/** Every delivery and disconnect, as "time receiver<-sender #send", in the order each node saw them. */
function deliveries(sends: readonly Send[], fastPath: boolean, fault: Fault | null): string[] {
  const t = buildWorld(
    NODES.map((id, i) => ({ id, rack: i < 2 ? 'r1' : 'r2', hardware: JITTERY })),
    { seed: 7, network: { nicFastPath: fastPath } },
  );
  sends.forEach((send, i) => {
    const from = NODES[send.from] as string;
    // `to` skips the sender, so every send goes to another node.
    const to = NODES[send.to >= send.from ? send.to + 1 : send.to] as string;
    at(t.scheduler, send.atUs, () => {
      if (t.world.machine(from).listening) t.actor(from).ctx.send(to, i, send.bytes);
    });
  });
  if (fault !== null) inject(t, fault);
  t.world.runUntil(10_000_000);
  const log: string[] = [];
  for (const id of NODES) {
    for (const r of t.actor(id).received) log.push(`${r.atUs} ${id}<-${r.from} #${String(r.message)}`);
    for (const d of t.actor(id).disconnects) log.push(`${d.atUs} ${id}x${d.peer} ${d.reason}`);
  }
  return log;
}

describe('the NIC fast path', () => {
  it('delivers every message at the same microsecond and in the same order as the general queue', () => {
    fc.assert(
      fc.property(fc.array(sendArb, { minLength: 1, maxLength: 40 }), (sends) => {
        const general = deliveries(sends, false, null);
        expect(general).toHaveLength(sends.length);
        expect(deliveries(sends, true, null)).toEqual(general);
      }),
      { seed: FC_SEED, numRuns: 150 },
    );
  });

  it('stays the same under a bandwidth cap, a power loss or a partition set mid-run', () => {
    fc.assert(
      fc.property(fc.array(sendArb, { minLength: 1, maxLength: 40 }), faultArb, (sends, fault) => {
        expect(deliveries(sends, true, fault)).toEqual(deliveries(sends, false, fault));
      }),
      { seed: FC_SEED, numRuns: 150 },
    );
  });

  it('matches the general queue when a small message lands right behind one still being received', () => {
    // b's NIC is still taking in a's 60 KB (480 µs at 1 Gbit/s) when c's 1 KB arrives: the small
    // one waits for the link, and the idle-link path must not skip that wait.
    const sends: Send[] = [
      { atUs: 0, from: 0, to: 0, bytes: 60_000 },
      { atUs: 500, from: 2, to: 1, bytes: 1_000 },
      { atUs: 900, from: 3, to: 1, bytes: 10 },
    ];
    const general = deliveries(sends, false, null);
    expect(deliveries(sends, true, null)).toEqual(general);
    expect(general.map((line) => line.split(' ').slice(1).join(' '))).toEqual(['b<-a #0', 'b<-c #1', 'b<-d #2']);
    // The 1 KB one was received straight after the 60 KB one: it had waited for the link.
    const [first, second] = general.map((line) => Number(line.split(' ')[0]));
    expect((second ?? 0) - (first ?? 0)).toBeLessThanOrEqual(9);
  });
});
