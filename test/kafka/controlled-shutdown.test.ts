import { describe, it, expect } from 'vitest';
import { ClusterWorld } from './cluster-builder.ts';
import { brokerNodeId } from '../../sim/kafka/broker-config.ts';

const SESSION_TIMEOUT_MS = 18_000;
const PING_INTERVAL_MS = 5_000;

/** 30 partitions over 3 brokers (4 with the controller kept out of the assignment); returns the broker to stop. */
function cluster(): { cluster: ClusterWorld; victim: number; led: string[] } {
  const world = ClusterWorld.build({ brokers: 4, sessionTimeoutMs: SESSION_TIMEOUT_MS });
  world.runFor('3s');
  const controller = world.controller()!.id;
  const ids = world.brokerIds().filter((id) => id !== controller);
  const assignment = Array.from({ length: 30 }, (_, index) => [0, 1, 2].map((shift) => ids[(index + shift) % 3]!));
  world.createTopic({ name: 'orders', partitions: 30, replicationFactor: 3, assignment });
  world.runFor('2s');
  const victim = ids[0]!;
  const led = assignment.flatMap((replicas, index) => (replicas[0] === victim ? [`orders/${index}`] : []));
  return { cluster: world, victim, led };
}

describe('controlled shutdown', () => {
  it('moves every leadership away before the broker stops, each partition unavailable for milliseconds', () => {
    const { cluster: world, victim, led } = cluster();
    const startedAt = world.nowUs;
    world.broker(victim).shutdown();
    world.runUntil(() => !world.broker(victim).isUp, '30s');
    const stoppedAt = world.events('node-down').find((event) => event.node === brokerNodeId(victim) && event.t >= startedAt)!;
    expect(stoppedAt.how).toBe('stop');
    const moves = world.events('leader-election').filter((event) => event.t >= startedAt && event.oldLeader === victim);
    expect(moves.map((event) => event.partition).sort()).toEqual([...led].sort());
    for (const move of moves) {
      expect(move.kind).toBe('controlled');
      expect(move.t).toBeLessThan(stoppedAt.t);
      expect(move.isr).not.toContain(victim);
    }
    for (const name of led) {
      const epoch = world.partitionState(name)!.leaderEpoch;
      const newLeader = world.partitionState(name)!.leader;
      expect(newLeader).not.toBe(victim);
      const applied = world.events('leader-and-isr').filter((event) => event.partition === name && event.leaderEpoch === epoch);
      const stepDown = applied.find((event) => event.broker === victim && event.role === 'follower')!;
      const takeOver = applied.find((event) => event.broker === newLeader && event.role === 'leader')!;
      expect(stepDown.t).toBeLessThan(stoppedAt.t);
      expect(Math.max(0, takeOver.t - stepDown.t)).toBeLessThan(5_000);
    }
    expect(world.events('controlled-shutdown-done').at(-1)).toMatchObject({ broker: victim, succeeded: true, attempts: 1 });
  });

  it('a crash instead leaves the same partitions without a leader for at least the session timeout less one ping interval', () => {
    const { cluster: world, victim, led } = cluster();
    const crashedAt = world.nowUs;
    world.broker(victim).crash();
    world.runUntil(() => led.every((name) => world.leaderOf(name) !== -1 && world.leaderOf(name) !== victim), '40s');
    for (const name of led) {
      const epoch = world.partitionState(name)!.leaderEpoch;
      const takeOver = world.events('leader-and-isr').find((event) => event.partition === name && event.leaderEpoch === epoch && event.role === 'leader')!;
      expect((takeOver.t - crashedAt) / 1000).toBeGreaterThanOrEqual(SESSION_TIMEOUT_MS - PING_INTERVAL_MS);
    }
  });

  it('the controller hands over its own leaderships, then the controller role moves at once', () => {
    const world = ClusterWorld.build({ brokers: 3 });
    world.runFor('3s');
    world.createTopic({ name: 'orders', partitions: 6, replicationFactor: 3 });
    const controller = world.controller()!;
    const startedAt = world.nowUs;
    world.broker(controller.id).shutdown();
    world.runUntil(() => world.controller() !== null && world.controller()!.id !== controller.id, '10s');
    expect((world.nowUs - startedAt) / 1000).toBeLessThan(1_000);
    expect(world.controller()!.epoch).toBe(controller.epoch + 1);
    for (let index = 0; index < 6; index++) expect(world.partitionState(`orders/${index}`)!.leader).not.toBe(controller.id);
  });

  it('a broker whose single-replica partitions cannot move retries controlled.shutdown.max.retries times, then stops anyway', () => {
    const world = ClusterWorld.build({ brokers: 3 });
    world.runFor('3s');
    const victim = world.brokerIds().find((id) => id !== world.controller()!.id)!;
    world.createTopic({ name: 'solo', partitions: 1, replicationFactor: 1, assignment: [[victim]] });
    const startedAt = world.nowUs;
    world.broker(victim).shutdown();
    world.runUntil(() => !world.broker(victim).isUp, '30s');
    expect(world.events('controlled-shutdown-done').at(-1)).toMatchObject({ broker: victim, succeeded: false, attempts: 3 });
    expect((world.nowUs - startedAt) / 1000).toBeGreaterThanOrEqual(3 * 5_000);
    world.runFor('1s');
    expect(world.partitionState('solo/0')).toMatchObject({ leader: -1, isr: [victim] });
  });
});
