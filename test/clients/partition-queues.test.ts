import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PartitionQueues } from '../../sim/clients/partition-queues.ts';

type Op = { kind: 'push'; partition: number } | { kind: 'shift'; partition: number } | { kind: 'scan' } | { kind: 'clear' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('push' as const), partition: fc.integer({ min: 0, max: 9 }) }),
  fc.record({ kind: fc.constant('shift' as const), partition: fc.integer({ min: 0, max: 9 }) }),
  fc.constant({ kind: 'scan' as const }),
  fc.constant({ kind: 'clear' as const }),
);

describe('PartitionQueues', () => {
  it('scans the non-empty queues in first-use order, exactly as a map of every queue skipping empty ones', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const queues = new PartitionQueues<number>();
        const reference = new Map<string, number[]>();
        let next = 0;
        for (const step of ops) {
          const name = step.kind === 'push' || step.kind === 'shift' ? `t/${step.partition}` : '';
          if (step.kind === 'push') {
            queues.queue(name).push(next);
            if (!reference.has(name)) reference.set(name, []);
            reference.get(name)!.push(next++);
          } else if (step.kind === 'shift') {
            queues.get(name)?.shift();
            reference.get(name)?.shift();
          } else if (step.kind === 'clear') {
            queues.clear();
            reference.clear();
          }
          const expected = [...reference.values()].filter((queue) => queue.length > 0).map((queue) => [...queue]);
          expect(queues.nonEmpty().map((queue) => [...queue])).toEqual(expected);
        }
      }),
    );
  });

  it('keeps a partition its first-use rank after its queue empties and fills again', () => {
    const queues = new PartitionQueues<string>();
    queues.queue('t/0').push('a');
    queues.queue('t/1').push('b');
    queues.get('t/0')!.shift();
    expect(queues.nonEmpty()).toEqual([['b']]);
    queues.queue('t/0').push('c');
    expect(queues.nonEmpty()).toEqual([['c'], ['b']]);
  });
});
