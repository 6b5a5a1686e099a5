// Where the replicas of a new topic's partitions go: kafka.admin.AdminUtils.assignReplicasToBrokers
// (Kafka 2.x; the same algorithm lives on in 3.x as ReplicaAssignor in server-common).
//
// Rack-unaware: partition p's first replica (its preferred leader) is broker
// (p + startIndex) % n, so leaders are spread evenly; the other replicas follow at a shift from the
// first that grows by one every n partitions, so followers of one leader do not always land on
// the same brokers. Rack-aware (`broker.rack` set on every broker): the same walk over a
// rack-alternated broker list, skipping a candidate whose rack already holds a replica (until
// every rack does) or which already holds one itself.
//
// As in AdminZkClient.createTopic, brokers are ordered by id before assignment. Kafka draws
// startIndex and nextReplicaShift with scala.util.Random; here they come from an injected Rng.
// Simplified: no reassignment of existing partitions (ReassignPartitionsCommand) and no
// KRaft-era StripedReplicaPlacer.

import type { Rng } from '../core/rng.ts';
import { assert } from '../core/assert.ts';

export interface BrokerPlacement {
  id: number;
  /** broker.rack; either every broker has one or none does. */
  rack?: string;
}

export interface AssignReplicasOptions {
  brokers: readonly BrokerPlacement[];
  partitions: number;
  replicationFactor: number;
  /** Index (in the broker list) of partition startPartitionId's first replica; random when absent. */
  startIndex?: number;
  /** First partition id to assign, for adding partitions to an existing topic. Default 0. */
  startPartitionId?: number;
  /** Initial shift of the second replica; Kafka uses startIndex when that is fixed, else random. */
  nextReplicaShift?: number;
  /** Needed only when startIndex is absent. */
  rng?: Rng;
}

interface Walk {
  startIndex: number;
  nextReplicaShift: number;
  startPartitionId: number;
}

/** Replica lists indexed by partition id (relative to startPartitionId); each list starts with the preferred leader. */
export function assignReplicas(options: AssignReplicasOptions): number[][] {
  const { brokers, partitions, replicationFactor } = options;
  validate(options);
  const sorted = [...brokers].sort((a, b) => a.id - b.id);
  const rackAware = sorted.some((broker) => broker.rack !== undefined);
  const brokerList = rackAware ? rackAlternatedBrokerList(sorted) : sorted.map((broker) => broker.id);
  const walk = chooseWalk(options, brokerList.length);
  if (!rackAware) return assignRackUnaware(brokerList, partitions, replicationFactor, walk);
  const rackOf = new Map(sorted.map((broker) => [broker.id, broker.rack as string]));
  return assignRackAware(brokerList, rackOf, partitions, replicationFactor, walk);
}

function validate(options: AssignReplicasOptions): void {
  const { brokers, partitions, replicationFactor } = options;
  if (!Number.isInteger(partitions) || partitions <= 0) {
    throw new RangeError(`assignReplicas: number of partitions must be larger than 0, got ${partitions}`);
  }
  if (!Number.isInteger(replicationFactor) || replicationFactor <= 0) {
    throw new RangeError(`assignReplicas: replication factor must be larger than 0, got ${replicationFactor}`);
  }
  if (replicationFactor > brokers.length) {
    throw new RangeError(
      `assignReplicas: replication factor ${replicationFactor} larger than available brokers ${brokers.length}`,
    );
  }
  const withRack = brokers.filter((broker) => broker.rack !== undefined).length;
  if (withRack > 0 && withRack < brokers.length) {
    throw new RangeError(
      `assignReplicas: not all brokers have rack information for replica rack aware assignment ` +
        `(${withRack} of ${brokers.length} have broker.rack)`,
    );
  }
  const ids = new Set(brokers.map((broker) => broker.id));
  if (ids.size !== brokers.length) throw new RangeError('assignReplicas: duplicate broker ids');
}

function chooseWalk(options: AssignReplicasOptions, numBrokers: number): Walk {
  const startPartitionId = Math.max(0, options.startPartitionId ?? 0);
  if (options.startIndex !== undefined) {
    if (!Number.isInteger(options.startIndex) || options.startIndex < 0) {
      throw new RangeError(`assignReplicas: startIndex must be a non-negative integer, got ${options.startIndex}`);
    }
    const nextReplicaShift = options.nextReplicaShift ?? options.startIndex;
    return { startIndex: options.startIndex, nextReplicaShift, startPartitionId };
  }
  if (options.rng === undefined) {
    throw new Error('assignReplicas: startIndex is absent, so an rng is needed to draw it as Kafka does at random');
  }
  // Kafka draws startIndex first, then nextReplicaShift, each uniform over the broker list.
  const startIndex = options.rng.int(numBrokers);
  const drawnShift = options.rng.int(numBrokers);
  return { startIndex, nextReplicaShift: options.nextReplicaShift ?? drawnShift, startPartitionId };
}

/** AdminUtils.replicaIndex: the j-th follower sits 1..n-1 places after the first replica. */
function replicaIndex(firstReplicaIndex: number, secondReplicaShift: number, j: number, numBrokers: number): number {
  const shift = 1 + ((secondReplicaShift + j) % (numBrokers - 1));
  return (firstReplicaIndex + shift) % numBrokers;
}

function assignRackUnaware(
  brokerList: readonly number[],
  partitions: number,
  replicationFactor: number,
  walk: Walk,
): number[][] {
  const n = brokerList.length;
  const result: number[][] = [];
  let nextReplicaShift = walk.nextReplicaShift;
  for (let partitionId = walk.startPartitionId; partitionId < walk.startPartitionId + partitions; partitionId++) {
    if (partitionId > 0 && partitionId % n === 0) nextReplicaShift++;
    const firstReplicaIndex = (partitionId + walk.startIndex) % n;
    const replicas = [brokerList[firstReplicaIndex] as number];
    for (let j = 0; j < replicationFactor - 1; j++) {
      replicas.push(brokerList[replicaIndex(firstReplicaIndex, nextReplicaShift, j, n)] as number);
    }
    result.push(replicas);
  }
  return result;
}

/**
 * AdminUtils.getRackAlternatedBrokerList: racks in sorted order, brokers of each rack in id order,
 * taking one broker from each rack in turn, e.g. r1:[0,5] r2:[3,4] r3:[1,2] → [0,3,1,5,4,2].
 */
export function rackAlternatedBrokerList(brokers: readonly BrokerPlacement[]): number[] {
  const brokersByRack = new Map<string, number[]>();
  for (const broker of brokers) {
    const rack = broker.rack as string;
    const list = brokersByRack.get(rack) ?? [];
    list.push(broker.id);
    brokersByRack.set(rack, list);
  }
  const racks = [...brokersByRack.keys()].sort(compareJavaStrings);
  const queues = racks.map((rack) => (brokersByRack.get(rack) as number[]).sort((a, b) => a - b));
  const result: number[] = [];
  const rounds = Math.max(...queues.map((queue) => queue.length));
  for (let round = 0; round < rounds; round++) {
    for (const queue of queues) {
      const broker = queue[round];
      if (broker !== undefined) result.push(broker);
    }
  }
  return result;
}

function assignRackAware(
  brokerList: readonly number[],
  rackOf: ReadonlyMap<number, string>,
  partitions: number,
  replicationFactor: number,
  walk: Walk,
): number[][] {
  const n = brokerList.length;
  const numRacks = new Set(rackOf.values()).size;
  const result: number[][] = [];
  let nextReplicaShift = walk.nextReplicaShift;
  for (let partitionId = walk.startPartitionId; partitionId < walk.startPartitionId + partitions; partitionId++) {
    if (partitionId > 0 && partitionId % n === 0) nextReplicaShift++;
    const firstReplicaIndex = (partitionId + walk.startIndex) % n;
    const leader = brokerList[firstReplicaIndex] as number;
    const replicas = [leader];
    const racksWithReplicas = new Set([rackOf.get(leader)]);
    const brokersWithReplicas = new Set([leader]);
    let k = 0;
    for (let j = 0; j < replicationFactor - 1; j++) {
      // Within n - 1 consecutive k every other broker is visited once, and while some rack has no
      // replica one of its brokers is still free, so a candidate is accepted within n - 1 steps.
      const kLimit = k + n - 1;
      let accepted = false;
      for (; k < kLimit && !accepted; k++) {
        const broker = brokerList[replicaIndex(firstReplicaIndex, nextReplicaShift * numRacks, k, n)] as number;
        const rack = rackOf.get(broker);
        const rackOk = !racksWithReplicas.has(rack) || racksWithReplicas.size === numRacks;
        const brokerOk = !brokersWithReplicas.has(broker) || brokersWithReplicas.size === n;
        if (rackOk && brokerOk) {
          replicas.push(broker);
          racksWithReplicas.add(rack);
          brokersWithReplicas.add(broker);
          accepted = true;
        }
      }
      assert(accepted, `rack-aware assignment found no replica ${j + 1} for partition ${partitionId}`);
    }
    result.push(replicas);
  }
  return result;
}

/** Scala's String ordering is Java's compareTo: by UTF-16 code unit, which JS `<` also uses. */
function compareJavaStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
