import { describe, it, expect } from 'vitest';
import { ClusterWorld } from './cluster-builder.ts';
import { brokerNodeId } from '../../sim/kafka/broker-config.ts';
import { ErrorCode, type MetadataResponse } from '../../sim/kafka/protocol.ts';
import { checkEventFields } from '../../sim/trace/format.ts';

describe('topic creation through ZooKeeper', () => {
  it('places replicas rack-aware when every broker registered a rack, and every partition gets its preferred leader', () => {
    const world = ClusterWorld.build({ brokers: 6, racks: ['r1', 'r2', 'r3'] });
    world.runFor('3s');
    const created = world.createTopic({ name: 'orders', partitions: 12, replicationFactor: 3 });
    expect(created.ok).toBe(true);
    const rackOf = (id: number) => ['r1', 'r2', 'r3'][(id - 1) % 3];
    if (!created.ok) return;
    for (const [index, replicas] of created.assignment.entries()) {
      expect(new Set(replicas.map(rackOf)).size).toBe(3);
      const state = world.partitionState(`orders/${index}`)!;
      expect(state).toMatchObject({ leader: replicas[0], leaderEpoch: 0, isr: replicas, controllerEpoch: 1 });
      expect(world.leaderOf(`orders/${index}`)).toBe(replicas[0]);
    }
    const leaders = new Set(created.assignment.map((replicas) => replicas[0]));
    expect(leaders.size).toBe(6);
  });

  it('keeps an explicit assignment as given', () => {
    const world = ClusterWorld.build({ brokers: 3 });
    world.runFor('3s');
    const created = world.createTopic({ name: 'pinned', partitions: 2, replicationFactor: 2, assignment: [[3, 1], [2, 3]] });
    expect(created).toEqual({ ok: true, assignment: [[3, 1], [2, 3]] });
    expect(world.partitionState('pinned/0')).toMatchObject({ leader: 3, isr: [3, 1] });
    expect(world.partitionState('pinned/1')).toMatchObject({ leader: 2, isr: [2, 3] });
  });

  it('refuses an existing topic and a replication factor above the live brokers, as AdminZkClient does', () => {
    const world = ClusterWorld.build({ brokers: 3 });
    world.runFor('3s');
    world.createTopic({ name: 'orders', partitions: 1, replicationFactor: 1 });
    expect(world.createTopic({ name: 'orders', partitions: 1, replicationFactor: 1 })).toMatchObject({ ok: false, error: 'TOPIC_ALREADY_EXISTS' });
    expect(world.createTopic({ name: 'wide', partitions: 1, replicationFactor: 4 })).toMatchObject({ ok: false, error: 'INVALID_REPLICATION_FACTOR' });
    expect(world.createTopic({ name: 'odd', partitions: 2, replicationFactor: 2, assignment: [[1, 1], [2, 3]] })).toMatchObject({ ok: false, error: 'INVALID_REPLICA_ASSIGNMENT' });
    expect(world.events('topic-creation-failed')).toHaveLength(3);
  });

  it('a partition whose replicas are all down at creation waits as new and is elected when one registers', () => {
    const world = ClusterWorld.build({ brokers: 3 });
    world.runFor('3s');
    const spare = world.brokerIds().find((id) => id !== world.controller()!.id)!;
    world.broker(spare).shutdown();
    world.runFor('2s');
    world.admin.createTopic({ topic: { name: 'late', partitions: 1, replicationFactor: 1, assignment: [[spare]] } });
    world.runFor('2s');
    expect(world.partitionState('late/0')).toBeNull();
    expect(world.events('partition-offline').at(-1)).toMatchObject({ partition: 'late/0', reason: 'no-live-replica' });
    world.broker(spare).restart();
    world.runUntil(() => world.leaderOf('late/0') === spare, '10s');
  });
});

describe('Metadata requests', () => {
  it('answer with the live brokers, the controller and each partition leader; an offline partition is LEADER_NOT_AVAILABLE', () => {
    const world = ClusterWorld.build({ brokers: 3 });
    world.runFor('3s');
    const controller = world.controller()!.id;
    const [a, b] = world.brokerIds().filter((id) => id !== controller) as [number, number];
    world.createTopic({ name: 'orders', partitions: 2, replicationFactor: 1, assignment: [[a], [b]] });
    world.broker(b).crash();
    world.runUntil(() => world.events('broker-change').some((event) => (event.deadBrokers as number[]).includes(b)), '30s');
    world.runFor('100ms');
    const client = world.probe('client');
    client.send(brokerNodeId(controller), { type: 'metadata', correlationId: 5, topics: null });
    client.send(brokerNodeId(controller), { type: 'metadata', correlationId: 6, topics: ['nope'] });
    world.runFor('100ms');
    const all = client.response<MetadataResponse>(5)!;
    expect(all.controllerId).toBe(controller);
    expect(all.brokers.map((broker) => broker.id).sort()).toEqual([a, controller].sort());
    const partitions = all.topics.find((topic) => topic.name === 'orders')!.partitions;
    expect(partitions[0]).toMatchObject({ partition: 0, error: ErrorCode.NONE, leader: a });
    expect(partitions[1]).toMatchObject({ partition: 1, error: ErrorCode.LEADER_NOT_AVAILABLE, leader: -1 });
    expect(client.response<MetadataResponse>(6)!.topics[0]).toMatchObject({ name: 'nope', error: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
  });
});

describe('determinism', () => {
  it('the same seed gives the same trace, broker failure and all', () => {
    const run = (seed: number) => {
      const world = ClusterWorld.build({ brokers: 3, seed });
      world.runFor('3s');
      world.createTopic({ name: 'orders', partitions: 6, replicationFactor: 3 });
      for (let batch = 0; batch < 20; batch++) world.produce('orders/0', { records: 5 });
      world.broker(world.leaderOf('orders/0')).crash();
      world.runFor('30s');
      return world.trace.traceHash;
    };
    expect(run(7)).toBe(run(7));
    expect(run(7)).not.toBe(run(8));
  });
});

describe('trace contract', () => {
  it('every broker and controller event emitted through failures carries the fields sim/trace/format.ts requires of its kind', () => {
    const world = ClusterWorld.build({ brokers: 3 });
    world.runFor('3s');
    world.createTopic({ name: 'orders', partitions: 3, replicationFactor: 3 });
    for (let batch = 0; batch < 10; batch++) world.produce('orders/0', { records: 5 });
    const controller = world.controller()!.id;
    world.broker(controller).crash();
    world.runFor('30s');
    world.broker(world.brokerIds().find((id) => id !== controller)!).shutdown();
    world.runFor('10s');
    const brokerKinds = new Set([
      'broker-registered', 'broker-session-expired', 'controller', 'controller-resigned', 'leader-election', 'partition-offline',
      'isr-change', 'leader-and-isr', 'truncation', 'log-recovered', 'replica-offsets', 'topic-created',
    ]);
    const ours = world.sink.events.filter((event) => brokerKinds.has(event.k));
    expect(new Set(ours.map((event) => event.k)).size).toBeGreaterThanOrEqual(8);
    expect(ours.map(checkEventFields).filter((problem) => problem !== null)).toEqual([]);
  });
});
