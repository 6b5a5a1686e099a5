import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DeadlineSet } from '../../sim/kafka/deadlines.ts';
import { ScriptedActor, at, buildWorld } from '../hw/harness.ts';

describe('DeadlineSet (the purgatory reaper)', () => {
  it('expires every operation exactly at its own deadline, never one completed before it, whatever the order added', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ addUs: fc.integer({ min: 0, max: 5000 }), waitUs: fc.integer({ min: 0, max: 5000 }), completeAfterUs: fc.option(fc.integer({ min: 0, max: 6000 })) }), { maxLength: 40 }),
        (ops) => {
          const actor = new ScriptedActor();
          const t = buildWorld([{ id: 'a', actor }]);
          const expired: [number, number][] = [];
          let set: DeadlineSet | undefined;
          at(t.scheduler, 0, () => (set = new DeadlineSet(actor.ctx, (id) => expired.push([id, actor.ctx.now]))));
          const done = new Set<number>();
          ops.forEach((op, id) => {
            at(t.scheduler, 1 + op.addUs, () => set!.add(id, actor.ctx.now + op.waitUs));
            if (op.completeAfterUs !== null) {
              at(t.scheduler, 1 + op.addUs + op.completeAfterUs, () => {
                if (expired.some(([e]) => e === id)) return;
                done.add(id);
                set!.delete(id);
              });
            }
          });
          t.world.runUntil(20_000);
          const expected = ops
            .map((op, id) => ({ id, dueUs: 1 + op.addUs + op.waitUs, op }))
            .filter(({ id }) => !done.has(id));
          expect(expired.map(([id]) => id).sort((x, y) => x - y)).toEqual(expected.map((e) => e.id));
          for (const [id, atUs] of expired) expect(atUs).toBe(expected.find((e) => e.id === id)!.dueUs);
          expect(set!.size).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('expires operations due at the same instant in the order they were added, skipping completed ones, even for a re-added id', () => {
    const actor = new ScriptedActor();
    const t = buildWorld([{ id: 'a', actor }]);
    const expired: number[] = [];
    at(t.scheduler, 0, () => {
      const set = new DeadlineSet(actor.ctx, (id) => expired.push(id));
      for (const id of [5, 3, 9, 1, 7]) set.add(id, 1_000);
      set.delete(9);
      set.delete(1);
      set.add(1, 1_000);
      set.add(2, 500);
    });
    t.world.runUntil(2_000);
    expect(expired).toEqual([2, 5, 3, 7, 1]);
  });
});
