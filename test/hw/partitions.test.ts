import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../sim/hw/actor.ts';
import type { PartitionShape } from '../../sim/hw/link-faults.ts';
import { FC_SEED, at, buildWorld } from './harness.ts';

/** The definition of each shape, written independently of the implementation. */
function dropsByDefinition(shape: PartitionShape, from: NodeId, to: NodeId): boolean {
  switch (shape.kind) {
    case 'isolate':
      return shape.nodes.includes(from) !== shape.nodes.includes(to);
    case 'between': {
      const groupOf = (node: NodeId) => shape.groups.findIndex((group) => group.includes(node));
      return groupOf(from) >= 0 && groupOf(to) >= 0 && groupOf(from) !== groupOf(to);
    }
    case 'one-way':
      return shape.from.includes(from) && shape.to.includes(to);
  }
}

const pairKey = (from: NodeId, to: NodeId) => `${from}->${to}`;

/**
 * Every ordered pair of `nodes` sends one message while `shape` holds; then the partition heals,
 * every node closes its connections and every pair sends again. Returns the pairs delivered in
 * each phase.
 */
function exercise(nodes: readonly NodeId[], racks: readonly string[], shape: PartitionShape): { during: Set<string>; afterHeal: Set<string> } {
  const t = buildWorld(nodes.map((id, index) => ({ id, rack: racks[index] as string })));
  const fault = t.world.partition(shape);
  const everyPair = (phase: string) => {
    for (const from of nodes) for (const to of nodes) if (from !== to) t.actor(from).ctx.send(to, { phase, from }, 100);
  };
  everyPair('during');
  at(t.scheduler, 10_000, () => t.world.heal(fault));
  at(t.scheduler, 11_000, () => {
    for (const from of nodes) for (const to of nodes) if (from !== to) t.actor(from).ctx.closeConnection(to);
  });
  at(t.scheduler, 12_000, () => everyPair('after'));
  t.world.runUntil(100_000);
  const delivered = (phase: string) =>
    new Set(nodes.flatMap((to) => t.actor(to).received.filter((r) => (r.message as { phase: string }).phase === phase).map((r) => pairKey(r.from, to))));
  return { during: delivered('during'), afterHeal: delivered('after') };
}

function expectedPairs(nodes: readonly NodeId[], shape: PartitionShape | null): Set<string> {
  const pairs = new Set<string>();
  for (const from of nodes) for (const to of nodes) if (from !== to && (shape === null || !dropsByDefinition(shape, from, to))) pairs.add(pairKey(from, to));
  return pairs;
}

const NODES = ['a1', 'a2', 'b1', 'b2', 'c'];
const RACKS = ['r1', 'r1', 'r2', 'r2', 'r3'];

describe('network partitions', () => {
  it.each<[string, PartitionShape]>([
    ['isolate one node', { kind: 'isolate', nodes: ['a1'] }],
    ['isolate a rack', { kind: 'isolate', nodes: ['b1', 'b2'] }],
    ['between two groups, others untouched', { kind: 'between', groups: [['a1', 'a2'], ['b1']] }],
    ['between three groups', { kind: 'between', groups: [['a1'], ['b1', 'b2'], ['c']] }],
    ['one way', { kind: 'one-way', from: ['a1'], to: ['b1', 'b2'] }],
  ])('%s: blocks exactly the named directions, and heal restores every pair', (_, shape) => {
    const { during, afterHeal } = exercise(NODES, RACKS, shape);
    expect([...during].sort()).toEqual([...expectedPairs(NODES, shape)].sort());
    expect([...afterHeal].sort()).toEqual([...expectedPairs(NODES, null)].sort());
  });

  it('a one-way partition lets the reverse direction through', () => {
    const { during } = exercise(['x', 'y'], ['r1', 'r1'], { kind: 'one-way', from: ['x'], to: ['y'] });
    expect([...during]).toEqual(['y->x']);
  });

  it('property: any partition of any topology drops exactly what its definition says', () => {
    const topology = fc.integer({ min: 2, max: 7 }).chain((count) =>
      fc.record({
        racks: fc.array(fc.constantFrom('r1', 'r2', 'r3'), { minLength: count, maxLength: count }),
        shape: shapeOf(Array.from({ length: count }, (_, i) => `n${i}`)),
      }),
    );
    fc.assert(
      fc.property(topology, ({ racks, shape }) => {
        const nodes = racks.map((_, i) => `n${i}`);
        const { during, afterHeal } = exercise(nodes, racks, shape);
        expect([...during].sort()).toEqual([...expectedPairs(nodes, shape)].sort());
        expect(afterHeal.size).toBe(nodes.length * (nodes.length - 1));
      }),
      { seed: FC_SEED, numRuns: 150 },
    );
  });

  it('overlapping partitions each end on their own heal', () => {
    const t = buildWorld([{ id: 'a' }, { id: 'b' }]);
    const first = t.world.partition({ kind: 'one-way', from: ['a'], to: ['b'] });
    t.world.partition({ kind: 'isolate', nodes: ['b'] });
    t.world.heal(first);
    t.actor('a').ctx.send('b', 'still isolated', 100);
    at(t.scheduler, 1000, () => t.world.heal());
    at(t.scheduler, 2000, () => {
      t.actor('a').ctx.closeConnection('b');
      t.actor('a').ctx.send('b', 'healed', 100);
    });
    t.world.runUntil(10_000);
    expect(t.actor('b').received.map((r) => r.message)).toEqual(['healed']);
    expect(t.world.activeFaults()).toEqual([]);
    expect(t.sink.events.filter((e) => e.k.startsWith('partition')).map((e) => [e.k, e.fault])).toEqual([
      ['partition-start', 1],
      ['partition-start', 2],
      ['partition-heal', 1],
      ['partition-heal', 2],
    ]);
  });
});

/** A random partition over `nodes`: isolate a subset, split into groups, or cut one way. */
function shapeOf(nodes: NodeId[]): fc.Arbitrary<PartitionShape> {
  const subset = fc.subarray(nodes, { minLength: 1 });
  const isolate = subset.map((chosen): PartitionShape => ({ kind: 'isolate', nodes: chosen }));
  const between = fc
    .array(fc.integer({ min: -1, max: 2 }), { minLength: nodes.length, maxLength: nodes.length })
    .filter((groups) => new Set(groups.filter((g) => g >= 0)).size >= 2)
    .map((groups): PartitionShape => ({
      kind: 'between',
      groups: [0, 1, 2].map((g) => nodes.filter((_, i) => groups[i] === g)).filter((group) => group.length > 0),
    }));
  const oneWay = fc.tuple(subset, subset).map(([from, to]): PartitionShape => ({ kind: 'one-way', from, to }));
  return fc.oneof(isolate, between, oneWay);
}
