import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  ASSIGNMENT_STRATEGIES,
  assign,
  assignCooperative,
  cooperativeTwoPhase,
  rebalanceProtocol,
  topicPartitionName,
  type Assignment,
  type GroupMember,
  type TopicPartition,
} from '../../sim/clients/assignors.ts';

/** Compact form of an assignment: member → ["t0p0", …], as Kafka's docs write them. */
function names(assignment: Assignment): Record<string, string[]> {
  return Object.fromEntries(
    [...assignment].map(([memberId, tps]) => [memberId, tps.map((tp) => `${tp.topic}p${tp.partition}`)]),
  );
}

function member(memberId: string, subscriptions: string[], owned?: TopicPartition[]): GroupMember {
  return owned === undefined ? { memberId, subscriptions } : { memberId, subscriptions, owned };
}

function counts(assignment: Assignment): number[] {
  return [...assignment.values()].map((tps) => tps.length);
}

function expectEachPartitionOnce(assignment: Assignment, partitionsPerTopic: Record<string, number>): void {
  const seen = [...assignment.values()].flat().map(topicPartitionName).sort();
  const expected = Object.entries(partitionsPerTopic)
    .flatMap(([topic, n]) => Array.from({ length: n }, (_, p) => `${topic}-${p}`))
    .sort();
  expect(seen).toEqual(expected);
}

/**
 * Cooperative rounds until no member revokes anything (each revoking member rejoins, as KIP-429
 * has it), checking that no round gives a partition to two members; returns the settled round.
 */
function cooperativeUntilSettled(members: readonly GroupMember[], partitionsPerTopic: Record<string, number>): Assignment {
  let current = members;
  for (let round = 0; round < 5; round++) {
    const { assignment, revoked } = assignCooperative(current, partitionsPerTopic);
    const given = [...assignment.values()].flat().map(topicPartitionName);
    expect(new Set(given).size).toBe(given.length);
    if ([...revoked.values()].every((tps) => tps.length === 0)) return assignment;
    current = current.map((m) => ({ ...m, owned: assignment.get(m.memberId) ?? [] }));
  }
  throw new Error('cooperative rebalancing did not settle within 5 rounds');
}

function expectBalanced(assignment: Assignment): void {
  const loads = counts(assignment);
  expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
}

const twoTopics = { t0: 3, t1: 3 };
const c0c1 = [member('C1', ['t0', 't1']), member('C0', ['t0', 't1'])];

/** A group of 1–7 members all subscribed to the same 1–3 topics of 0–9 partitions each. */
const groupArbitrary = fc.record({
  memberCount: fc.integer({ min: 1, max: 7 }),
  partitionCounts: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 3 }),
});

function buildGroup(memberCount: number, partitionCounts: number[]): {
  members: GroupMember[];
  partitionsPerTopic: Record<string, number>;
} {
  const partitionsPerTopic = Object.fromEntries(partitionCounts.map((n, i) => [`topic-${i}`, n]));
  const topics = Object.keys(partitionsPerTopic);
  const members = Array.from({ length: memberCount }, (_, i) => member(`consumer-${i}`, topics));
  return { members, partitionsPerTopic };
}

/** Members rejoin owning what they were given, as the consumer's `owned partitions` field carries it. */
function withOwned(members: readonly GroupMember[], assignment: Assignment): GroupMember[] {
  return members.map((m) => ({ ...m, owned: assignment.get(m.memberId) ?? [] }));
}

describe('range assignor', () => {
  it('gives C0 [t0p0,t0p1,t1p0,t1p1] and C1 [t0p2,t1p2]', () => {
    expect(names(assign('range', c0c1, twoTopics))).toEqual({
      C0: ['t0p0', 't0p1', 't1p0', 't1p1'],
      C1: ['t0p2', 't1p2'],
    });
  });

  it('assigns each topic only among its subscribers', () => {
    const members = [member('a', ['t0']), member('b', ['t0', 't1']), member('c', ['t1'])];
    expect(names(assign('range', members, { t0: 4, t1: 1 }))).toEqual({
      a: ['t0p0', 't0p1'],
      b: ['t0p2', 't0p3', 't1p0'],
      c: [],
    });
  });
});

describe('round-robin assignor', () => {
  it('gives C0 [t0p0,t0p2,t1p1] and C1 [t0p1,t1p0,t1p2]', () => {
    expect(names(assign('roundrobin', c0c1, twoTopics))).toEqual({
      C0: ['t0p0', 't0p2', 't1p1'],
      C1: ['t0p1', 't1p0', 't1p2'],
    });
  });

  it('skips members not subscribed to the partition being dealt', () => {
    const members = [member('a', ['t0']), member('b', ['t0', 't1']), member('c', ['t0', 't1'])];
    expect(names(assign('roundrobin', members, { t0: 2, t1: 3 }))).toEqual({
      a: ['t0p0'],
      b: ['t0p1', 't1p1'],
      c: ['t1p0', 't1p2'],
    });
  });
});

describe('every strategy', () => {
  for (const strategy of ASSIGNMENT_STRATEGIES) {
    it(`${strategy} leaves two of five members idle on three partitions`, () => {
      const { members, partitionsPerTopic } = buildGroup(5, [3]);
      const loads = counts(assign(strategy, members, partitionsPerTopic));
      expect(loads.filter((n) => n === 0)).toHaveLength(2);
      expect(loads.filter((n) => n === 1)).toHaveLength(3);
    });
  }

  it('assigns every partition exactly once (cooperative from scratch, nothing owned yet)', () => {
    fc.assert(
      fc.property(groupArbitrary, fc.constantFrom(...ASSIGNMENT_STRATEGIES), (group, strategy) => {
        const { members, partitionsPerTopic } = buildGroup(group.memberCount, group.partitionCounts);
        expectEachPartitionOnce(assign(strategy, members, partitionsPerTopic), partitionsPerTopic);
      }),
    );
  });

  it('gives each partition to exactly one of its subscribers, whatever the subscriptions and claims (cooperative: once settled)', () => {
    const topics = ['a', 'b', 'c'];
    const claim = fc.record({ topic: fc.constantFrom(...topics, 'gone'), partition: fc.integer({ min: -1, max: 6 }) });
    const memberArbitrary = fc.record({
      subscriptions: fc.subarray(topics, { minLength: 1 }),
      owned: fc.array(claim, { maxLength: 6 }),
    });
    fc.assert(
      fc.property(
        fc.array(memberArbitrary, { minLength: 1, maxLength: 6 }),
        fc.tuple(fc.nat(6), fc.nat(6), fc.nat(6)),
        fc.constantFrom(...ASSIGNMENT_STRATEGIES),
        (specs, [na, nb, nc], strategy) => {
          const members = specs.map((spec, i) => member(`m${i}`, spec.subscriptions, spec.owned));
          const subscribed = new Set(members.flatMap((m) => m.subscriptions));
          const partitionsPerTopic = Object.fromEntries(
            Object.entries({ a: na, b: nb, c: nc }).filter(([topic]) => subscribed.has(topic)),
          );
          const result =
            strategy === 'cooperative-sticky'
              ? cooperativeUntilSettled(members, partitionsPerTopic)
              : assign(strategy, members, partitionsPerTopic);
          expectEachPartitionOnce(result, partitionsPerTopic);
          for (const m of members) {
            for (const tp of result.get(m.memberId) ?? []) expect(m.subscriptions).toContain(tp.topic);
          }
        },
      ),
    );
  });

  it('spreads a thousand partitions from one owner over a hundred members, the owner keeping its first ten', () => {
    const owned = Array.from({ length: 1000 }, (_, partition) => ({ topic: 't', partition }));
    const members = Array.from({ length: 100 }, (_, i) => member(`m${String(i).padStart(3, '0')}`, ['t']));
    members[0] = member('m000', ['t'], owned);
    const result = assign('sticky', members, { t: 1000 });
    expect(counts(result).every((n) => n === 10)).toBe(true);
    expect(result.get('m000')?.[9]).toEqual({ topic: 't', partition: 9 });
  });

  it('skips topics the metadata does not know and rejects duplicate member ids', () => {
    expect(names(assign('range', [member('a', ['t0', 'missing'])], { t0: 1 }))).toEqual({ a: ['t0p0'] });
    const twins = [member('a', ['t0']), member('a', ['t0'])];
    expect(() => assign('range', twins, { t0: 1 })).toThrow(/duplicate member id "a"/);
  });

  it('only cooperative-sticky rebalances cooperatively', () => {
    expect(ASSIGNMENT_STRATEGIES.map(rebalanceProtocol)).toEqual(['eager', 'eager', 'eager', 'cooperative']);
  });
});

describe('balance', () => {
  for (const strategy of ['roundrobin', 'sticky'] as const) {
    it(`${strategy} keeps member loads within one of each other`, () => {
      fc.assert(
        fc.property(groupArbitrary, ({ memberCount, partitionCounts }) => {
          const { members, partitionsPerTopic } = buildGroup(memberCount, partitionCounts);
          expectBalanced(assign(strategy, members, partitionsPerTopic));
        }),
      );
    });
  }
});

describe('sticky assignor', () => {
  it('keeps every surviving member partitions when a member leaves', () => {
    fc.assert(
      fc.property(groupArbitrary, fc.nat(), ({ memberCount, partitionCounts }, leaverIndex) => {
        fc.pre(memberCount >= 2);
        const { members, partitionsPerTopic } = buildGroup(memberCount, partitionCounts);
        const before = assign('sticky', members, partitionsPerTopic);
        const survivors = withOwned(members, before).filter((_, i) => i !== leaverIndex % memberCount);
        const after = assign('sticky', survivors, partitionsPerTopic);
        for (const survivor of survivors) {
          const kept = new Set((after.get(survivor.memberId) ?? []).map(topicPartitionName));
          for (const tp of survivor.owned ?? []) expect(kept.has(topicPartitionName(tp))).toBe(true);
        }
        expectEachPartitionOnce(after, partitionsPerTopic);
        expectBalanced(after);
      }),
    );
  });

  it('moves only the surplus when a member joins: 6 partitions from one owner to three members', () => {
    const owned = Array.from({ length: 6 }, (_, partition) => ({ topic: 't', partition }));
    const members = [member('a', ['t'], owned), member('b', ['t']), member('c', ['t'])];
    const after = assign('sticky', members, { t: 6 });
    expect(counts(after)).toEqual([2, 2, 2]);
    expect(names(after).a).toEqual(['tp0', 'tp1']);
  });

  it('drops owned partitions of topics the member no longer subscribes to', () => {
    const members = [member('a', ['t1'], [{ topic: 't0', partition: 0 }]), member('b', ['t0'])];
    expect(names(assign('sticky', members, { t0: 1, t1: 1 }))).toEqual({ a: ['t1p0'], b: ['t0p0'] });
  });
});

describe('cooperative-sticky assignor', () => {
  it('withholds a moving partition in the first round and assigns it in the second', () => {
    const owned = Array.from({ length: 4 }, (_, partition) => ({ topic: 't', partition }));
    const members = [member('a', ['t'], owned), member('b', ['t'])];
    const { first, second } = cooperativeTwoPhase(members, { t: 4 });
    expect(names(first.assignment)).toEqual({ a: ['tp0', 'tp1'], b: [] });
    expect(names(first.revoked)).toEqual({ a: ['tp2', 'tp3'], b: [] });
    expect(names(second.assignment)).toEqual({ a: ['tp0', 'tp1'], b: ['tp2', 'tp3'] });
    expect(counts(second.revoked)).toEqual([0, 0]);
  });

  it('withholds only partitions that move this round: one kept by one of two claimants stays with it', () => {
    // m2 claims c-0 without subscribing to c; m3 owns and keeps it (adjustAssignment: withheld =
    // added somewhere ∩ revoked somewhere, and c-0 is added to nobody).
    const members = [
      member('m0', ['b', 'c']),
      member('m1', ['c']),
      member('m2', ['b'], [{ topic: 'c', partition: 0 }]),
      member('m3', ['c'], [{ topic: 'c', partition: 0 }, { topic: 'c', partition: 1 }]),
    ];
    const { assignment, revoked } = assignCooperative(members, { b: 1, c: 3 });
    expect(names(assignment).m3).toContain('cp0');
    expect(names(revoked).m2).toEqual(['cp0']);
    expectEachPartitionOnce(cooperativeUntilSettled(members, { b: 1, c: 3 }), { b: 1, c: 3 });
  });

  it('assigns at once the partitions of a member that left, since nobody owns them any more', () => {
    const members = [
      member('a', ['t'], [{ topic: 't', partition: 0 }]),
      member('b', ['t'], [{ topic: 't', partition: 1 }]),
    ];
    const { assignment, revoked } = assignCooperative(members, { t: 3 });
    expectEachPartitionOnce(assignment, { t: 3 });
    expect(counts(revoked)).toEqual([0, 0]);
  });

  it('never assigns a partition in the round it is revoked, and converges to the sticky balance', () => {
    fc.assert(
      fc.property(groupArbitrary, fc.integer({ min: 1, max: 7 }), ({ memberCount, partitionCounts }, newCount) => {
        const { members, partitionsPerTopic } = buildGroup(memberCount, partitionCounts);
        const settled = cooperativeTwoPhase(members, partitionsPerTopic).second.assignment;
        // Membership changes: members beyond newCount leave, new ones join owning nothing.
        const next = buildGroup(newCount, partitionCounts).members.map((m) => ({
          ...m,
          owned: settled.get(m.memberId) ?? [],
        }));
        const { first, second } = cooperativeTwoPhase(next, partitionsPerTopic);
        const ownerBefore = new Map(next.flatMap((m) => m.owned.map((tp) => [topicPartitionName(tp), m.memberId])));
        for (const [memberId, tps] of first.assignment) {
          for (const tp of tps) expect(ownerBefore.get(topicPartitionName(tp)) ?? memberId).toBe(memberId);
        }
        for (const [memberId, tps] of first.revoked) {
          const stillOwned = new Set((first.assignment.get(memberId) ?? []).map(topicPartitionName));
          for (const tp of tps) expect(stillOwned.has(topicPartitionName(tp))).toBe(false);
        }
        expectEachPartitionOnce(second.assignment, partitionsPerTopic);
        expectBalanced(second.assignment);
        expect(counts(second.revoked).every((n) => n === 0)).toBe(true);
      }),
    );
  });
});
