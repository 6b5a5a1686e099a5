import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  NO_LEADER,
  electControlledShutdownLeader,
  electOfflineLeader,
  electPreferredLeader,
  removeReplicaFromIsr,
  withNewLeader,
  type LeaderAndIsr,
} from '../../sim/kafka/election.ts';

const liveSet = (...ids: number[]) => (id: number) => ids.includes(id);

describe('offline partition leader election (Election.leaderForOffline)', () => {
  it('takes the first live ISR replica in assignment order, not in ISR order', () => {
    expect(electOfflineLeader([3, 1, 2], [2, 1], liveSet(1, 2), false)).toEqual({ leader: 1, isr: [2, 1], kind: 'clean' });
  });

  it('drops dead members from the ISR it hands to the new leader', () => {
    expect(electOfflineLeader([1, 2, 3], [1, 2, 3], liveSet(2, 3), false)).toEqual({ leader: 2, isr: [2, 3], kind: 'clean' });
  });

  it('leaves the partition offline when no ISR member lives and unclean election is off', () => {
    expect(electOfflineLeader([1, 2, 3], [1], liveSet(2, 3), false)).toBeNull();
  });

  it('elects the first live out-of-sync replica when unclean election is on, and the ISR becomes [leader]', () => {
    expect(electOfflineLeader([1, 3, 2], [1], liveSet(2, 3), true)).toEqual({ leader: 3, isr: [3], kind: 'unclean' });
  });

  it('elects nobody when no replica lives, unclean or not', () => {
    expect(electOfflineLeader([1, 2], [1, 2], liveSet(), true)).toBeNull();
  });
});

describe('controlled shutdown, preferred and ISR removal', () => {
  it('controlled shutdown skips the stopping broker and drops it from the ISR', () => {
    const result = electControlledShutdownLeader([1, 2, 3], [1, 2, 3], liveSet(1, 2, 3), (id) => id === 1);
    expect(result).toEqual({ leader: 2, isr: [2, 3], kind: 'controlled' });
  });

  it('controlled shutdown finds no leader when the stopping broker is the only ISR member', () => {
    expect(electControlledShutdownLeader([1, 2], [1], liveSet(1, 2), (id) => id === 1)).toBeNull();
  });

  it('preferred election picks the head of the assignment only if it is live and in the ISR', () => {
    expect(electPreferredLeader([2, 1], [1, 2], liveSet(1, 2))).toEqual({ leader: 2, isr: [1, 2], kind: 'preferred' });
    expect(electPreferredLeader([2, 1], [1], liveSet(1, 2))).toBeNull();
    expect(electPreferredLeader([2, 1], [1, 2], liveSet(1))).toBeNull();
  });

  it('removing the leader from the ISR leaves no leader and bumps the epoch', () => {
    const state: LeaderAndIsr = { leader: 1, leaderEpoch: 4, isr: [1, 2], zkVersion: 7 };
    expect(removeReplicaFromIsr(state, 1)).toEqual({ leader: NO_LEADER, leaderEpoch: 5, isr: [2], zkVersion: 7 });
  });

  it('a replica outside the ISR needs no write', () => {
    expect(removeReplicaFromIsr({ leader: 1, leaderEpoch: 0, isr: [1], zkVersion: 0 }, 2)).toBeNull();
  });

  it('never empties the ISR, whatever replicas are removed in whatever order', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 10 }),
        (isr, removals) => {
          let state: LeaderAndIsr = { leader: isr[0]!, leaderEpoch: 0, isr, zkVersion: 0 };
          for (const replica of removals) {
            const next = removeReplicaFromIsr(state, replica);
            if (next === null) continue;
            expect(next.leaderEpoch).toBe(state.leaderEpoch + 1);
            state = next;
            expect(state.isr.length).toBeGreaterThan(0);
            expect(state.leader === NO_LEADER || state.isr.includes(state.leader)).toBe(true);
          }
        },
      ),
    );
  });

  it('every controller-made change bumps the leader epoch by one', () => {
    expect(withNewLeader({ leader: 1, leaderEpoch: 9, isr: [1], zkVersion: 3 }, 2, [2]).leaderEpoch).toBe(10);
  });
});
