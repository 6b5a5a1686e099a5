// Fair sharing of a NIC between connections (sim/hw/nic.ts): equal shares for backlogged flows,
// no small message stuck behind another connection's big one, cut-through between the two NICs,
// work conservation, and TCP's order within each connection. Round numbers: 1 Gbit/s NICs (8 ns
// per byte, so 1 MB serialises in 8 ms and a 64 KB piece in 524 µs), 50 µs within a rack.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PIECE_BYTES } from '../../sim/hw/nic.ts';
import { resolveHardwareProfile } from '../../sim/hw/profiles.ts';
import { FC_SEED, TEST_HARDWARE, at, buildWorld, type TestWorld } from './harness.ts';

const US_PER_BYTE = 0.008;
const PIECE_US = PIECE_BYTES * US_PER_BYTE;
const MB = 1_000_000;
/** The harness's hardware with up to 500 µs of jitter per message, which must never reorder a connection. */
const JITTERY = resolveHardwareProfile('ssd-10g', { ...TEST_HARDWARE, latencyJitterUs: 500 });

/** Bytes `to` had received from `from` by `timeUs`, counting each message as its size. */
function receivedBytes(t: TestWorld, to: string, from: string, timeUs: number, bytesOf: (message: unknown) => number): number {
  let bytes = 0;
  for (const r of t.actor(to).received) if (r.from === from && r.atUs <= timeUs) bytes += bytesOf(r.message);
  return bytes;
}

describe('fair sharing of a NIC between connections', () => {
  it('two backlogged connections leaving one NIC get equal shares, though one queued all its data first', () => {
    const t = buildWorld([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    // b's 20 MB are all queued before c's first byte: first come, first served would give b the
    // link for 160 ms.
    for (let i = 0; i < 20; i++) t.actor('a').ctx.send('b', i, MB);
    for (let i = 0; i < 20; i++) t.actor('a').ctx.send('c', i, MB);
    t.world.runUntil(80_000);
    const toB = receivedBytes(t, 'b', 'a', 80_000, () => MB);
    const toC = receivedBytes(t, 'c', 'a', 80_000, () => MB);
    // 80 ms of line rate is 10 MB: about 5 MB each (whole messages, so within one message).
    expect(toB + toC).toBeGreaterThanOrEqual(8 * MB);
    expect(Math.abs(toB - toC)).toBeLessThanOrEqual(MB);
  });

  it('two backlogged senders into one NIC get equal shares of it', () => {
    const t = buildWorld([{ id: 'a' }, { id: 'b' }, { id: 'sink' }]);
    for (let i = 0; i < 40; i++) t.actor('a').ctx.send('sink', i, 250_000);
    // b starts 40 ms later, when a alone has moved 5 MB.
    at(t.scheduler, 40_000, () => {
      for (let i = 0; i < 40; i++) t.actor('b').ctx.send('sink', i, 250_000);
    });
    t.world.runUntil(120_000);
    const fromA = receivedBytes(t, 'sink', 'a', 120_000, () => 250_000) - receivedBytes(t, 'sink', 'a', 40_000, () => 250_000);
    const fromB = receivedBytes(t, 'sink', 'b', 120_000, () => 250_000);
    // From 40 ms to 120 ms the sink's NIC takes in 10 MB: 5 MB from each, within two messages.
    expect(Math.abs(fromA - fromB)).toBeLessThanOrEqual(500_000);
    expect(fromA + fromB).toBeGreaterThanOrEqual(9 * MB);
  });

  it('a 1 KB message sent behind a 2 MB message on another connection leaves after at most a piece, not after the 2 MB', () => {
    const t = buildWorld([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    t.actor('a').ctx.send('b', 'bulk', 2 * MB);
    at(t.scheduler, 1000, () => t.actor('a').ctx.send('c', 'small', 1000));
    t.world.runUntil(100_000);
    const smallUs = t.actor('c').received[0]?.atUs ?? Infinity;
    // Its own 8 µs twice, 50 µs of propagation, behind at most one 64 KB piece and the transmit ring.
    expect(smallUs - 1000).toBeLessThan(2 * PIECE_US + 8 + 50 + 8 + 2);
    // The 2 MB message still gets the rest of the link: 16 ms + one piece + 50 µs, plus the 8 µs it lent.
    expect(t.actor('b').received[0]?.atUs).toBeLessThan(16_000 + PIECE_US + 50 + 8 + 2);
  });

  it('a 1 KB message into a NIC busy receiving another sender\'s 2 MB is received after at most a piece, not after the 2 MB', () => {
    const t = buildWorld([{ id: 'a' }, { id: 'b' }, { id: 'sink' }]);
    t.actor('a').ctx.send('sink', 'bulk', 2 * MB);
    at(t.scheduler, 1000, () => t.actor('b').ctx.send('sink', 'small', 1000));
    t.world.runUntil(100_000);
    const small = t.actor('sink').received.find((r) => r.message === 'small');
    expect((small?.atUs ?? Infinity) - 1000).toBeLessThan(2 * PIECE_US + 8 + 50 + 8 + 2);
    expect(t.actor('sink').received.map((r) => r.message)).toEqual(['small', 'bulk']);
  });

  it('cut-through: a lone 1 MB message takes one serialisation, one piece and propagation, not two serialisations', () => {
    const t = buildWorld([{ id: 'a' }, { id: 'b' }]);
    t.actor('a').ctx.send('b', 'big', MB);
    t.world.runUntil(100_000);
    // b's NIC takes each piece once it is all in, so it runs one piece (524.288 µs) behind a's:
    // 8 ms + 50 µs + one piece; store and forward of the whole message would take 16.05 ms.
    expect(t.actor('b').received[0]?.atUs).toBe(Math.ceil(8000 + 50 + PIECE_US));
  });

  it('a lone connection of back-to-back 3 MB messages moves at line rate, each received one piece behind its sender', () => {
    const t = buildWorld([{ id: 'a' }, { id: 'b' }]);
    for (let i = 0; i < 10; i++) t.actor('a').ctx.send('b', i, 3 * MB);
    t.world.runUntil(1_000_000);
    const times = t.actor('b').received.map((r) => r.atUs);
    expect(times).toHaveLength(10);
    // The k-th message's last byte leaves at 24 ms × k; b's NIC, one piece behind, has it one
    // propagation and one piece later.
    times.forEach((atUs, i) => expect(atUs).toBeCloseTo(24_000 * (i + 1) + 50 + PIECE_US, -0.5));
  });

  it('work-conserving: a sender slowed to a quarter of the link leaves the rest to the other', () => {
    const t = buildWorld([{ id: 'slow' }, { id: 'fast' }, { id: 'sink' }]);
    t.world.slowNetwork('slow', { bandwidthBytesPerSecond: 31_250_000 });
    for (let i = 0; i < 20; i++) {
      t.actor('slow').ctx.send('sink', i, 250_000);
      t.actor('fast').ctx.send('sink', i, 250_000);
    }
    t.world.runUntil(40_000);
    const fromSlow = receivedBytes(t, 'sink', 'slow', 40_000, () => 250_000);
    const fromFast = receivedBytes(t, 'sink', 'fast', 40_000, () => 250_000);
    // 40 ms of the sink's link is 5 MB: the slow sender can bring 1.25 MB, the fast one the rest.
    expect(fromSlow).toBeLessThanOrEqual(1_250_000);
    expect(fromFast).toBeGreaterThanOrEqual(3_500_000);
  });

  it('a power loss drops the half-sent message and what queued behind it; after the reboot new data is not stuck behind them', () => {
    const t = buildWorld([{ id: 'a' }, { id: 'b' }]);
    for (let i = 0; i < 5; i++) t.actor('a').ctx.send('b', i, 2 * MB);
    // 2 MB takes 16 ms: at 20 ms the second message is a quarter sent, three more wait.
    at(t.scheduler, 20_000, () => t.world.powerLoss('a'));
    at(t.scheduler, 30_000, () => t.world.restart('a'));
    at(t.scheduler, 40_000, () => t.actor('a').ctx.send('b', 'after', 1000));
    t.world.runUntil(1_000_000);
    const received = t.actor('b').received;
    expect(received.map((r) => r.message)).toEqual([0, 'after']);
    // Neither NIC still works through the lost 8 MB: 'after' takes its own 66 µs.
    expect((received[1]?.atUs ?? Infinity) - 40_000).toBeLessThan(100);
  });

  it('property: each connection delivers in the order sent, whatever sizes and senders share the NICs', () => {
    const send = fc.record({ atUs: fc.integer({ min: 0, max: 20_000 }), from: fc.integer({ min: 0, max: 2 }), to: fc.integer({ min: 0, max: 2 }), bytes: fc.integer({ min: 0, max: 300_000 }) });
    fc.assert(
      fc.property(fc.array(send, { minLength: 1, maxLength: 60 }), (sends) => {
        const t = buildWorld(['n0', 'n1', 'n2', 'n3', 'n4', 'n5'].map((id, i) => ({ id, rack: i === 2 ? 'r2' : 'r1', hardware: JITTERY })));
        sends.forEach((s, index) => at(t.scheduler, s.atUs, () => t.actor(`n${s.from}`).ctx.send(`n${s.to + 3}`, index, s.bytes)));
        t.world.runUntil(1_000_000);
        let delivered = 0;
        for (let to = 3; to < 6; to++) {
          const seen = new Map<string, number>();
          for (const r of t.actor(`n${to}`).received) {
            const index = r.message as number;
            const previous = seen.get(r.from);
            if (previous !== undefined) {
              const [p, q] = [sends[previous], sends[index]] as [(typeof sends)[0], (typeof sends)[0]];
              expect(p.atUs < q.atUs || (p.atUs === q.atUs && previous < index)).toBe(true);
            }
            seen.set(r.from, index);
            delivered++;
          }
        }
        expect(delivered).toBe(sends.length);
      }),
      { seed: FC_SEED, numRuns: 80 },
    );
  });
});
