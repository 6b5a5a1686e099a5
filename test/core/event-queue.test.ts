import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EventQueue } from '../../sim/core/event-queue.ts';

type Op = { kind: 'push'; time: number } | { kind: 'cancel'; which: number } | { kind: 'pop' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('push' as const), time: fc.integer({ min: 0, max: 50 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), which: fc.nat(200) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('pop' as const) }) },
);

describe('EventQueue', () => {
  it('pops any schedule/cancel sequence in (time, seq) order and never pops a cancelled event', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 300 }), (ops) => {
        const queue = new EventQueue(16);
        const model: { time: number; seq: number; cancelled: boolean; popped: boolean }[] = [];
        const handler = (): void => {};
        let lastPopped: { time: number; seq: number } | undefined;
        for (const op of ops) {
          if (op.kind === 'push') {
            const floor = lastPopped?.time ?? 0;
            const seq = queue.push(floor + op.time, handler, model.length);
            expect(seq).toBe(model.length);
            model.push({ time: floor + op.time, seq, cancelled: false, popped: false });
          } else if (op.kind === 'cancel') {
            if (model.length === 0) continue;
            const target = model[op.which % model.length]!;
            queue.cancel(target.seq);
            if (!target.popped) target.cancelled = true;
          } else {
            const expected = model
              .filter((e) => !e.cancelled && !e.popped)
              .sort((a, b) => a.time - b.time || a.seq - b.seq)[0];
            const got = queue.pop();
            if (!expected) {
              expect(got).toBeNull();
              continue;
            }
            expect(got).toBe(handler);
            expect(queue.poppedArg).toBe(expected.seq);
            expect(queue.poppedTime).toBe(expected.time);
            expected.popped = true;
            lastPopped = expected;
          }
          expect(queue.pending).toBe(model.filter((e) => !e.cancelled && !e.popped).length);
        }
      }),
      { seed: 1, numRuns: 300 },
    );
  });

  it('stays bounded when ids of events that already ran are cancelled', () => {
    const queue = new EventQueue();
    const handler = (): void => {};
    for (let round = 0; round < 5_000; round++) {
      const id = queue.push(round, handler, null);
      queue.pop();
      queue.cancel(id);
    }
    const live = queue.push(10_000, handler, 'live');
    expect(queue.pending).toBe(1);
    expect(queue.pop()).toBe(handler);
    expect(queue.poppedArg).toBe('live');
    expect(live).toBe(5_000);
  });

  it('compacts cancelled timeouts out of the heap and still pops the rest in (time, seq) order', () => {
    const queue = new EventQueue();
    const handler = (): void => {};
    const ids: number[] = [];
    // Request timeouts: set far ahead, nearly all cancelled when the answer comes.
    for (let i = 0; i < 20_000; i++) ids.push(queue.push(30_000_000 + ((i * 7919) % 1000), handler, i));
    for (let i = 0; i < ids.length; i++) if (i % 10 !== 0) queue.cancel(ids[i] as number);
    expect(queue.pending).toBe(2_000);
    expect(queue.stored).toBeLessThanOrEqual(2 * 2_000 + 1_025);
    const popped: number[] = [];
    while (queue.pop() !== null) popped.push(queue.poppedArg as number);
    const expected = Array.from({ length: 2_000 }, (_, k) => k * 10).sort((a, b) => ((a * 7919) % 1000) - ((b * 7919) % 1000) || a - b);
    expect(popped).toEqual(expected);
  });

  it('grows past its initial capacity without losing events', () => {
    const queue = new EventQueue(16);
    const handler = (): void => {};
    for (let i = 0; i < 10_000; i++) queue.push((i * 7919) % 10_007, handler, i);
    let previous = -1;
    for (let i = 0; i < 10_000; i++) {
      expect(queue.pop()).toBe(handler);
      expect(queue.poppedTime).toBeGreaterThanOrEqual(previous);
      previous = queue.poppedTime;
    }
    expect(queue.pop()).toBeNull();
  });
});
