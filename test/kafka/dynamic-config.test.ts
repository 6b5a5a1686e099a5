import { describe, it, expect } from 'vitest';
import { ClusterWorld } from './cluster-builder.ts';
import { ErrorCode } from '../../sim/kafka/protocol.ts';

/** orders/0 on three brokers other than the controller, its two followers dead: ISR = [leader]. */
function isrOfOne(): { world: ClusterWorld; leader: number } {
  const world = ClusterWorld.build({ brokers: 4 });
  world.runFor('3s');
  const [leader, b, c] = world.brokerIds().filter((id) => id !== world.controller()!.id) as [number, number, number];
  world.createTopic({ name: 'orders', partitions: 1, replicationFactor: 3, assignment: [[leader, b, c]] });
  world.broker(b).crash();
  world.broker(c).crash();
  world.runUntil(() => world.partitionState('orders/0')!.isr.length === 1, '30s');
  world.runFor('100ms');
  return { world, leader };
}

describe('dynamic configuration', () => {
  it('a topic config change reaches the leader through /config/changes: min.insync.replicas=2 refuses acks=all writes', () => {
    const { world } = isrOfOne();
    expect(world.produce('orders/0', { acks: -1 })!.error).toBe(ErrorCode.NONE);
    let applied = false;
    world.admin.alterTopicConfig('orders', { 'min.insync.replicas': 2 }, () => (applied = true));
    world.runUntil(() => applied, '5s');
    world.runFor('100ms');
    expect(world.produce('orders/0', { acks: -1 })!.error).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
    expect(world.produce('orders/0', { acks: 1 })!.error).toBe(ErrorCode.NONE);
    expect(world.events('topic-config-changed').at(-1)).toMatchObject({ topic: 'orders', config: { 'min.insync.replicas': 2 } });
  });

  it('a broker config change applies to its replicas at once (min.insync.replicas on the leader)', () => {
    const { world, leader } = isrOfOne();
    world.actor(leader).reconfigure({ 'min.insync.replicas': 2 });
    expect(world.produce('orders/0', { acks: -1 })!.error).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
  });

  it('the controller reads unclean.leader.election.enable at each election, so a change takes effect for the next one', () => {
    const world = ClusterWorld.build({ brokers: 3 });
    world.runFor('3s');
    const [a, b] = world.brokerIds().filter((id) => id !== world.controller()!.id) as [number, number];
    world.createTopic({ name: 'orders', partitions: 1, replicationFactor: 2, assignment: [[a, b]] });
    world.broker(b).crash();
    world.runUntil(() => world.partitionState('orders/0')!.isr.length === 1, '30s');
    world.broker(a).crash();
    world.runUntil(() => world.partitionState('orders/0')!.leader === -1, '30s');
    world.broker(b).restart();
    world.runFor('5s');
    expect(world.leaderOf('orders/0')).toBe(-1);
    world.admin.alterTopicConfig('orders', { 'unclean.leader.election.enable': true });
    world.runFor('1s');
    world.broker(b).shutdown();
    world.runUntil(() => !world.broker(b).isUp, '30s');
    world.broker(b).restart();
    world.runUntil(() => world.leaderOf('orders/0') === b, '10s');
    expect(world.events('leader-election').at(-1)).toMatchObject({ kind: 'unclean', newLeader: b });
  });
});
