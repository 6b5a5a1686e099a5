import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { assignReplicas, rackAlternatedBrokerList, type BrokerPlacement } from '../../sim/kafka/assignment.ts';
import { createRng } from '../../sim/core/rng.ts';

const brokerIds = (n: number): BrokerPlacement[] => Array.from({ length: n }, (_, id) => ({ id }));

/** Brokers with racks drawn from a small alphabet, in arbitrary order. */
const rackedBrokers = fc
  .array(fc.constantFrom('r1', 'r2', 'r3', 'r4'), { minLength: 1, maxLength: 9 })
  .map((racks) => racks.map((rack, id) => ({ id: id * 3 + 1, rack })).reverse());

const walkParameters = fc.record({
  seed: fc.integer({ min: 0, max: 10_000 }),
  partitionsPerBroker: fc.integer({ min: 1, max: 6 }),
  replicationFactor: fc.integer({ min: 1, max: 9 }),
});

describe('assignReplicas, rack-unaware', () => {
  it('reproduces the AdminUtils vector for brokers 0–4, 10 partitions, RF 3, start 0, shift 0', () => {
    const assignment = assignReplicas({
      brokers: brokerIds(5),
      partitions: 10,
      replicationFactor: 3,
      startIndex: 0,
      nextReplicaShift: 0,
    });
    expect(assignment).toEqual([
      [0, 1, 2],
      [1, 2, 3],
      [2, 3, 4],
      [3, 4, 0],
      [4, 0, 1],
      [0, 2, 3],
      [1, 3, 4],
      [2, 4, 0],
      [3, 0, 1],
      [4, 1, 2],
    ]);
  });

  it('continues the walk from startPartitionId when partitions are added to a topic', () => {
    const options = { brokers: brokerIds(5), replicationFactor: 3, startIndex: 0 };
    const whole = assignReplicas({ ...options, partitions: 10, nextReplicaShift: 0 });
    // The shift was bumped once, at partition 5, before partition 6; the caller carries it over.
    const added = assignReplicas({ ...options, partitions: 4, nextReplicaShift: 1, startPartitionId: 6 });
    expect(added).toEqual(whole.slice(6));
  });

  it('orders brokers by id whatever order they are given in', () => {
    const shuffled = [{ id: 3 }, { id: 0 }, { id: 4 }, { id: 1 }, { id: 2 }];
    const options = { partitions: 10, replicationFactor: 3, startIndex: 2, nextReplicaShift: 1 };
    const inOrder = assignReplicas({ brokers: brokerIds(5), ...options });
    expect(assignReplicas({ brokers: shuffled, ...options })).toEqual(inOrder);
  });

  it('gives every partition RF distinct brokers and balances leaders', () => {
    fc.assert(
      fc.property(walkParameters, fc.integer({ min: 1, max: 9 }), (walk, n) => {
        const { seed, partitionsPerBroker, replicationFactor } = walk;
        fc.pre(replicationFactor <= n);
        const brokers = brokerIds(n).map((b) => ({ id: b.id * 10 }));
        const partitions = partitionsPerBroker * n;
        const assignment = assignReplicas({ brokers, partitions, replicationFactor, rng: createRng(seed) });
        expect(assignment).toHaveLength(partitions);
        for (const replicas of assignment) {
          expect(new Set(replicas).size).toBe(replicationFactor);
          for (const id of replicas) expect(id % 10 === 0 && id < n * 10).toBe(true);
        }
        expectBalancedLeaders(assignment, brokers);
      }),
    );
  });
});

describe('assignReplicas, rack-aware', () => {
  const racks: BrokerPlacement[] = [
    { id: 0, rack: 'r1' },
    { id: 1, rack: 'r3' },
    { id: 2, rack: 'r3' },
    { id: 3, rack: 'r2' },
    { id: 4, rack: 'r2' },
    { id: 5, rack: 'r1' },
  ];

  it('alternates racks: sorted racks, sorted brokers, one per rack in turn', () => {
    expect(rackAlternatedBrokerList(racks)).toEqual([0, 3, 1, 5, 4, 2]);
  });

  it('reproduces the AdminUtils vector for 7 partitions, RF 3, start 0', () => {
    expect(assignReplicas({ brokers: racks, partitions: 7, replicationFactor: 3, startIndex: 0 })).toEqual([
      [0, 3, 1],
      [3, 1, 5],
      [1, 5, 4],
      [5, 4, 2],
      [4, 2, 0],
      [2, 0, 3],
      [0, 4, 2],
    ]);
  });

  it('spreads each partition over min(RF, racks) racks on distinct brokers, leaders balanced', () => {
    fc.assert(
      fc.property(walkParameters, rackedBrokers, ({ seed, partitionsPerBroker, replicationFactor }, brokers) => {
        fc.pre(replicationFactor <= brokers.length);
        const rackOf = new Map(brokers.map((b) => [b.id, b.rack]));
        const numRacks = new Set(rackOf.values()).size;
        const partitions = partitionsPerBroker * brokers.length;
        const assignment = assignReplicas({ brokers, partitions, replicationFactor, rng: createRng(seed) });
        for (const replicas of assignment) {
          expect(new Set(replicas).size).toBe(replicationFactor);
          expect(new Set(replicas.map((id) => rackOf.get(id))).size).toBe(Math.min(replicationFactor, numRacks));
        }
        expectBalancedLeaders(assignment, brokers);
      }),
    );
  });
});

describe('assignReplicas, random walk and validation', () => {
  it('draws startIndex and shift from the rng, the same for the same seed', () => {
    const options = { brokers: brokerIds(6), partitions: 12, replicationFactor: 3 };
    const a = assignReplicas({ ...options, rng: createRng('walk') });
    expect(assignReplicas({ ...options, rng: createRng('walk') })).toEqual(a);
    const firstLeaders = new Set(
      Array.from({ length: 20 }, (_, seed) => assignReplicas({ ...options, rng: createRng(seed) })[0]?.[0]),
    );
    expect(firstLeaders.size).toBeGreaterThan(1);
  });

  it('needs an rng when startIndex is absent', () => {
    expect(() => assignReplicas({ brokers: brokerIds(3), partitions: 1, replicationFactor: 1 })).toThrow(
      /startIndex is absent, so an rng is needed/,
    );
  });

  it('rejects a replication factor larger than the broker count', () => {
    expect(() => assignReplicas({ brokers: brokerIds(3), partitions: 1, replicationFactor: 4, startIndex: 0 })).toThrow(
      'replication factor 4 larger than available brokers 3',
    );
  });

  it('rejects a mix of brokers with and without racks', () => {
    const brokers = [{ id: 0, rack: 'a' }, { id: 1 }, { id: 2, rack: 'b' }];
    expect(() => assignReplicas({ brokers, partitions: 3, replicationFactor: 2, startIndex: 0 })).toThrow(
      /not all brokers have rack information/,
    );
  });

  it('rejects zero partitions, zero replication factor and duplicate broker ids', () => {
    expect(() => assignReplicas({ brokers: brokerIds(3), partitions: 0, replicationFactor: 1, startIndex: 0 })).toThrow(
      /number of partitions must be larger than 0/,
    );
    expect(() => assignReplicas({ brokers: brokerIds(3), partitions: 1, replicationFactor: 0, startIndex: 0 })).toThrow(
      /replication factor must be larger than 0/,
    );
    expect(() =>
      assignReplicas({ brokers: [{ id: 1 }, { id: 1 }], partitions: 1, replicationFactor: 1, startIndex: 0 }),
    ).toThrow(/duplicate broker ids/);
  });
});

function expectBalancedLeaders(assignment: readonly number[][], brokers: readonly BrokerPlacement[]): void {
  const leaderCounts = new Map(brokers.map((b) => [b.id, 0]));
  for (const replicas of assignment) {
    const leader = replicas[0] as number;
    leaderCounts.set(leader, (leaderCounts.get(leader) ?? 0) + 1);
  }
  const counts = [...leaderCounts.values()];
  expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
}
