import { describe, it, expect } from 'vitest';
import { ClusterWorld } from './cluster-builder.ts';
import { brokerNodeId, type IsrPropagation } from '../../sim/kafka/broker-config.ts';

/** 4 brokers; orders/0 on three that are not the controller; a leader that keeps getting writes. */
function setup(isrPropagation: IsrPropagation): { world: ClusterWorld; leader: number; follower: number; bystander: number } {
  const world = ClusterWorld.build({ brokers: 4, isrPropagation, config: { 'replica.lag.time.max.ms': 10_000 } });
  world.runFor('3s');
  const controller = world.controller()!.id;
  const [leader, follower, bystander] = world.brokerIds().filter((id) => id !== controller) as [number, number, number];
  world.createTopic({ name: 'orders', partitions: 1, replicationFactor: 3, assignment: [[leader, bystander, follower]] });
  world.runFor('2s');
  return { world, leader, follower, bystander };
}

/** Cuts the follower off from the leader only, and produces every 200 ms until the ISR loses it. */
function laggingFollower(world: ClusterWorld, leader: number, follower: number): number {
  world.world.partition({ kind: 'between', groups: [[brokerNodeId(leader)], [brokerNodeId(follower)]] });
  for (let round = 0; round < 200 && world.partitionState('orders/0')!.isr.includes(follower); round++) {
    world.produce('orders/0', { records: 5, acks: 1 });
    world.runFor('200ms');
  }
  return world.events('isr-change').find((event) => event.by === 'leader' && event.kind === 'shrink')!.t;
}

describe('leader-made ISR changes', () => {
  it('alter-isr: a follower cut off from the leader leaves the ISR after replica.lag.time.max.ms, without a leader-epoch bump', () => {
    const { world, leader, follower } = setup('alter-isr');
    const epoch = world.partitionState('orders/0')!.leaderEpoch;
    const cutAt = world.nowUs;
    const shrunkAt = laggingFollower(world, leader, follower);
    // B3: 1.0–1.5 × replica.lag.time.max.ms, the last catch-up being at most one fetch wait before the cut.
    expect((shrunkAt - cutAt) / 1000).toBeGreaterThanOrEqual(10_000 - 500);
    expect((shrunkAt - cutAt) / 1000).toBeLessThanOrEqual(15_000 + 1_000);
    expect(world.partitionState('orders/0')).toMatchObject({ leader, leaderEpoch: epoch });
    expect(world.partitionState('orders/0')!.isr).not.toContain(follower);
    expect(world.events('isr-change').at(-1)).toMatchObject({ by: 'leader', kind: 'shrink', reason: 'follower-out-of-sync' });
  });

  it('alter-isr: once the network heals the follower catches up and is added back', () => {
    const { world, leader, follower } = setup('alter-isr');
    laggingFollower(world, leader, follower);
    world.world.heal();
    world.produce('orders/0', { records: 5, acks: 1 });
    world.runUntil(() => world.partitionState('orders/0')!.isr.includes(follower), '40s', '10ms');
    expect(world.events('isr-change').at(-1)).toMatchObject({ by: 'leader', kind: 'expand', reason: 'follower-caught-up' });
  });

  it('zookeeper: the leader writes the ISR itself; other brokers learn it only after the isr_change_notification delay (B8)', () => {
    const { world, leader, follower, bystander } = setup('zookeeper');
    const shrunkAt = laggingFollower(world, leader, follower);
    const bystanderIsr = () => world.broker(bystander).server!.metadataCache.partition('orders/0')!.isr;
    expect(bystanderIsr()).toContain(follower);
    world.runUntil(() => !bystanderIsr().includes(follower), '80s', '10ms');
    const delayMs = (world.nowUs - shrunkAt) / 1000;
    expect(delayMs).toBeGreaterThanOrEqual(5_000);
    expect(delayMs).toBeLessThanOrEqual(5_000 + 2_500 + 1_000);
  });

  it('a leader cut off from the controller cannot change the ISR with alter-isr; it keeps retrying', () => {
    const { world, leader, follower } = setup('alter-isr');
    const controller = world.controller()!.id;
    world.world.partition({ kind: 'between', groups: [[brokerNodeId(leader)], [brokerNodeId(follower), brokerNodeId(controller)]] });
    for (let round = 0; round < 100; round++) {
      world.produce('orders/0', { records: 5, acks: 1 });
      world.runFor('200ms');
    }
    expect(world.partitionState('orders/0')!.isr).toContain(follower);
    expect(world.events('isr-change').filter((event) => event.by === 'leader')).toHaveLength(0);
  });
});
