import { describe, it, expect } from 'vitest';
import { ClusterWorld } from './cluster-builder.ts';

describe('the controller and ZooKeeper', () => {
  it('a new controller reloads partition state at ~2 ms per partition before it acts (B5)', () => {
    const partitions = 2000;
    const world = ClusterWorld.build({ brokers: 3 });
    world.runFor('3s');
    world.createTopic({ name: 'big', partitions, replicationFactor: 2 }, '60s');
    const old = world.controller()!;
    world.broker(old.id).crash();
    world.runUntil(() => world.events('controller-loaded').length === 2, '60s', '10ms');
    const loaded = world.events('controller-loaded').at(-1)!;
    expect(loaded.partitions).toBe(partitions);
    expect(loaded.tookUs as number).toBeGreaterThanOrEqual(partitions * 2_000);
    expect(loaded.tookUs as number).toBeLessThanOrEqual(partitions * 2_000 * 1.1 + partitions * 5_000);
    const elected = world.events('controller').at(-1)!;
    const firstElection = world.events('leader-election').find((event) => event.t > elected.t)!;
    expect((firstElection.t - elected.t) / 1000).toBeGreaterThanOrEqual(partitions * 2);
  });

  it('without a ZooKeeper quorum a dead broker is not noticed and nothing is elected until the quorum returns (A16)', () => {
    const world = ClusterWorld.build({ brokers: 4 });
    world.runFor('3s');
    const controller = world.controller()!;
    const [leader, follower] = world.brokerIds().filter((id) => id !== controller.id) as [number, number];
    world.createTopic({ name: 'orders', partitions: 1, replicationFactor: 2, assignment: [[leader, follower]] });
    world.runFor('1s');
    world.world.crash('zk-1');
    world.world.crash('zk-2');
    const killedAt = world.nowUs;
    world.broker(leader).crash();
    world.runFor('60s');
    expect(world.events('leader-election').filter((event) => event.t >= killedAt)).toHaveLength(0);
    expect(world.controller()!.id).toBe(controller.id);
    expect(world.leaderOf('orders/0')).toBe(-1);
    const restoredAt = world.nowUs;
    world.world.restart('zk-1');
    world.runUntil(() => world.leaderOf('orders/0') === follower, '60s', '10ms');
    const election = world.events('leader-election').at(-1)!;
    expect(election.t).toBeGreaterThan(restoredAt);
    expect(election).toMatchObject({ partition: 'orders/0', oldLeader: leader, newLeader: follower, reason: 'broker-failure' });
  });
});
