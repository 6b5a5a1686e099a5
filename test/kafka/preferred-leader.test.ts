import { describe, it, expect } from 'vitest';
import { ClusterWorld } from './cluster-builder.ts';

/** 6 partitions whose preferred leader is `preferred` (the controller stays out of the way). */
function setup(config: Record<string, number | boolean>): { world: ClusterWorld; preferred: number; others: number[] } {
  const world = ClusterWorld.build({ brokers: 4, config });
  world.runFor('3s');
  const controller = world.controller()!.id;
  const [preferred, b, c] = world.brokerIds().filter((id) => id !== controller) as [number, number, number];
  const assignment = Array.from({ length: 6 }, (_, index) => (index % 2 === 0 ? [preferred, b, c] : [preferred, c, b]));
  world.createTopic({ name: 'orders', partitions: 6, replicationFactor: 3, assignment });
  world.runFor('1s');
  return { world, preferred, others: [b, c] };
}

describe('a broker that comes back', () => {
  it('gets its replicas back as a follower, rejoins the ISR, and regains leadership at the next imbalance check', () => {
    const { world, preferred } = setup({ 'leader.imbalance.check.interval.seconds': 10 });
    world.broker(preferred).crash();
    world.runUntil(() => world.leaderOf('orders/0') !== -1 && world.leaderOf('orders/0') !== preferred, '40s');
    const restartedAt = world.nowUs;
    world.broker(preferred).restart();
    world.runUntil(() => world.partitionState('orders/0')!.isr.includes(preferred), '10s');
    const followed = world.events('leader-and-isr').filter((event) => event.t >= restartedAt && event.broker === preferred);
    expect(followed.filter((event) => event.role === 'follower')).toHaveLength(6);
    world.runUntil(() => [0, 1, 2, 3, 4, 5].every((index) => world.leaderOf(`orders/${index}`) === preferred), '30s');
    const preferredElections = world.events('leader-election').filter((event) => event.kind === 'preferred');
    expect(preferredElections).toHaveLength(6);
    for (const election of preferredElections) expect(election).toMatchObject({ newLeader: preferred, reason: 'preferred-rebalance' });
  });

  it('stays a follower when auto.leader.rebalance.enable is off', () => {
    const { world, preferred } = setup({ 'auto.leader.rebalance.enable': false, 'leader.imbalance.check.interval.seconds': 10 });
    world.broker(preferred).crash();
    world.runUntil(() => world.leaderOf('orders/0') !== -1 && world.leaderOf('orders/0') !== preferred, '40s');
    world.broker(preferred).restart();
    world.runFor('60s');
    expect(world.events('leader-election').filter((event) => event.kind === 'preferred')).toHaveLength(0);
    expect(world.leaderOf('orders/0')).not.toBe(preferred);
  });

  it('is not re-elected while its imbalance stays within leader.imbalance.per.broker.percentage', () => {
    // Every one of its partitions is led elsewhere: an imbalance of 100 %, which 100 % tolerates.
    const { world, preferred } = setup({ 'leader.imbalance.check.interval.seconds': 10, 'leader.imbalance.per.broker.percentage': 100 });
    world.broker(preferred).crash();
    world.runUntil(() => world.leaderOf('orders/0') !== -1 && world.leaderOf('orders/0') !== preferred, '40s');
    world.broker(preferred).restart();
    world.runFor('60s');
    expect(world.events('leader-election').filter((event) => event.kind === 'preferred')).toHaveLength(0);
  });
});

describe('replicas on the controller broker', () => {
  it('follow a leader that came back from a power loss, once it leads again', () => {
    const world = ClusterWorld.build({ brokers: 3, config: { 'leader.imbalance.check.interval.seconds': 10 } });
    world.runFor('3s');
    const controller = world.controller()!.id;
    const [leader, other] = world.brokerIds().filter((id) => id !== controller) as [number, number];
    world.createTopic({ name: 'orders', partitions: 1, replicationFactor: 3, assignment: [[leader, controller, other]] });
    // Long enough for the first fetch errors' back-off to be over: every follower has a long poll in flight.
    world.runFor('5s');
    world.broker(leader).powerLoss();
    world.broker(leader).restart('25s');
    world.runUntil(() => world.leaderOf('orders/0') === leader, '90s', '10ms');
    for (let batch = 0; batch < 5; batch++) expect(world.produce('orders/0', { records: 10 })!.error).toBe('NONE');
    world.runFor('1s');
    const onController = world.broker(controller).server!.replicaManager.partitions.get('orders/0')!;
    expect(onController.logEndOffset).toBe(world.broker(leader).server!.replicaManager.partitions.get('orders/0')!.logEndOffset);
    expect(world.partitionState('orders/0')!.isr).toContain(controller);
  });
});
