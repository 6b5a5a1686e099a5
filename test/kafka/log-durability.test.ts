import { describe, it, expect } from 'vitest';
import { ClusterWorld } from './cluster-builder.ts';

/** Three brokers, one partition led by a broker that is not the controller; 50 records acked by all. */
function setup(): { world: ClusterWorld; follower: number; leader: number } {
  const world = ClusterWorld.build({ brokers: 4 });
  world.runFor('3s');
  const [leader, follower, other] = world.brokerIds().filter((id) => id !== world.controller()!.id) as [number, number, number];
  world.createTopic({ name: 'orders', partitions: 1, replicationFactor: 3, assignment: [[leader, follower, other]] });
  world.runFor('2s');
  for (let batch = 0; batch < 5; batch++) expect(world.produce('orders/0', { records: 10 })!.error).toBe('NONE');
  world.runFor('1s');
  return { world, follower, leader };
}

function logEnd(world: ClusterWorld, broker: number): number {
  return world.broker(broker).server!.replicaManager.partitions.get('orders/0')?.logEndOffset ?? -1;
}

describe('log durability through the disk model', () => {
  it('a broker restarted before its old session expired cannot register (NodeExists) and exits, as Kafka does', () => {
    const { world, follower } = setup();
    world.broker(follower).crash();
    world.broker(follower).restart('1s');
    world.runFor('2s');
    expect(world.events('broker-start-failed').at(-1)).toMatchObject({ broker: follower });
    expect(world.broker(follower).isUp).toBe(false);
  });

  it('a crashed broker keeps its whole log: the OS still had the page cache', () => {
    const { world, follower } = setup();
    expect(logEnd(world, follower)).toBe(50);
    world.broker(follower).crash();
    // Restarted after its old ZooKeeper session expired (sooner, registration fails: NodeExists).
    world.broker(follower).restart('25s');
    world.runFor('26s');
    expect(world.events('log-recovered')).toHaveLength(0);
    expect(world.broker(follower).server!.logManager.log('orders/0')!.logEndOffset).toBe(50);
  });

  it('a power loss drops what was not yet written back, and the replica fetches it again from the leader', () => {
    const { world, follower, leader } = setup();
    world.broker(follower).powerLoss();
    world.broker(follower).restart('25s');
    world.runFor('25100ms');
    const recovered = world.events('log-recovered');
    expect(recovered).toHaveLength(1);
    expect(recovered[0]).toMatchObject({ broker: follower, partition: 'orders/0', fromLogEndOffset: 50, toLogEndOffset: 0, removedRecords: 50 });
    world.runUntil(() => logEnd(world, follower) === 50, '40s');
    expect(logEnd(world, leader)).toBe(50);
  });

  it('data older than vm.dirty_expire_centisecs has been written back and survives a power loss', () => {
    const { world, follower } = setup();
    world.runFor('40s');
    world.produce('orders/0', { records: 10 });
    world.runFor('1s');
    world.broker(follower).powerLoss();
    world.broker(follower).restart('25s');
    world.runFor('25100ms');
    expect(world.events('log-recovered')[0]).toMatchObject({ fromLogEndOffset: 60, toLogEndOffset: 50, removedRecords: 10 });
  });
});

describe('the last replica standing (FIDELITY A8 and A9), end to end', () => {
  /** 50 records acked with acks=all and min.insync.replicas=2; both followers die; then the last ISR member goes down `how`. */
  function lastStanding(how: 'powerLoss' | 'crash'): { world: ClusterWorld; ids: number[] } {
    const world = ClusterWorld.build({ brokers: 4, config: { 'min.insync.replicas': 2 } });
    world.runFor('3s');
    const [a, b, c] = world.brokerIds().filter((id) => id !== world.controller()!.id) as [number, number, number];
    world.createTopic({ name: 'orders', partitions: 1, replicationFactor: 3, assignment: [[b, a, c]] });
    world.runFor('3s');
    for (let batch = 0; batch < 5; batch++) expect(world.produce('orders/0', { records: 10 })!.error).toBe('NONE');
    world.runFor('1s');
    world.broker(a).crash();
    world.broker(c).crash();
    world.runUntil(() => world.partitionState('orders/0')!.isr.length === 1, '30s');
    world.broker(b)[how]();
    world.broker(b).restart('25s');
    world.runFor('27s');
    world.broker(a).restart();
    world.broker(c).restart();
    world.runFor('20s');
    return { world, ids: [a, b, c] };
  }

  it('power loss: the last ISR member comes back with less, is elected (the ISR was never emptied), and the others truncate to it', () => {
    const { world, ids } = lastStanding('powerLoss');
    const [a, b, c] = ids as [number, number, number];
    expect(world.events('leader-election').at(-1)).toMatchObject({ newLeader: b, kind: 'clean', fromIsr: [b] });
    for (const id of [a, b, c]) expect(logEnd(world, id)).toBe(0);
    expect(world.events('truncation').map((event) => event.broker).sort()).toEqual([a, c].sort());
  });

  it('crash: nothing is lost, the page cache had it all', () => {
    const { world, ids } = lastStanding('crash');
    for (const id of ids) expect(logEnd(world, id)).toBe(50);
    expect(world.events('truncation').filter((event) => (event.removedRecords as number) > 0)).toHaveLength(0);
  });
});
