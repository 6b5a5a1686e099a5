import { describe, it, expect } from 'vitest';
import { ClusterWorld } from './cluster-builder.ts';
import { brokerNodeId } from '../../sim/kafka/broker-config.ts';
import { ErrorCode, type ControllerResponse, type LeaderAndIsrRequest } from '../../sim/kafka/protocol.ts';

const SESSION_TIMEOUT_MS = 18_000;
/** The ZooKeeper client pings after 5 s of silence (readTimeout 12 s / 2 − 1 s), so the last heartbeat is at most that old. */
const PING_INTERVAL_MS = 5_000;
/** ZooKeeper expires sessions in tick-sized buckets (tickTime 2 s). */
const TICK_MS = 2_000;

function clusterWithTopic(): ClusterWorld {
  const cluster = ClusterWorld.build({ brokers: 3, sessionTimeoutMs: SESSION_TIMEOUT_MS });
  cluster.runFor('3s');
  cluster.createTopic({ name: 'orders', partitions: 6, replicationFactor: 3 });
  cluster.runFor('1s');
  return cluster;
}

describe('controller election', () => {
  it('elects exactly one controller, whose epoch ZooKeeper records', () => {
    const cluster = ClusterWorld.build({ brokers: 3 });
    cluster.runFor('3s');
    const controller = cluster.controller();
    expect(controller).not.toBeNull();
    expect(controller!.epoch).toBe(1);
    expect(cluster.controllerEpochInZk()).toBe(1);
    expect(cluster.events('controller')).toHaveLength(1);
    for (const id of cluster.brokerIds()) expect(cluster.broker(id).server!.controller.controllerId).toBe(controller!.id);
  });

  it('a killed controller is replaced after its session expires, with a higher epoch', () => {
    const cluster = clusterWithTopic();
    const old = cluster.controller()!;
    const killedAt = cluster.nowUs;
    cluster.broker(old.id).crash();
    const electedAt = cluster.runUntil(() => {
      const now = cluster.controller();
      return now !== null && now.id !== old.id;
    }, '40s');
    const replacement = cluster.controller()!;
    expect(replacement.epoch).toBe(old.epoch + 1);
    expect(cluster.controllerEpochInZk()).toBe(old.epoch + 1);
    const waitedMs = (electedAt - killedAt) / 1000;
    expect(waitedMs).toBeGreaterThanOrEqual(SESSION_TIMEOUT_MS - PING_INTERVAL_MS);
    expect(waitedMs).toBeLessThanOrEqual(SESSION_TIMEOUT_MS + TICK_MS + 1_000);
    const expired = cluster.events('zk-session').filter((event) => event.owner === brokerNodeId(old.id) && event.op === 'expired');
    expect(expired.length).toBeGreaterThan(0);
    expect(expired[0]!.t).toBeLessThanOrEqual(electedAt);
  });

  it('brokers reject a LeaderAndIsr from the replaced controller epoch (a zombie is fenced)', () => {
    const cluster = clusterWithTopic();
    const old = cluster.controller()!;
    cluster.broker(old.id).crash();
    cluster.runUntil(() => cluster.controller()?.epoch === old.epoch + 1, '40s');
    cluster.runFor('1s');
    const target = cluster.brokerIds().find((id) => id !== old.id)!;
    const before = cluster.partitionState('orders/0')!;
    const zombie = cluster.probe('zombie');
    const request: LeaderAndIsrRequest = {
      type: 'leader-and-isr',
      correlationId: 77,
      controllerId: old.id,
      controllerEpoch: old.epoch,
      partitions: [{ partition: 'orders/0', controllerEpoch: old.epoch, leader: target, leaderEpoch: before.leaderEpoch + 5, isr: [target], zkVersion: 0, replicas: [1, 2, 3], isNew: false }],
      liveLeaders: [{ id: target, rack: '' }],
    };
    zombie.send(brokerNodeId(target), request);
    cluster.runFor('100ms');
    expect(zombie.response<ControllerResponse>(77)?.error).toBe(ErrorCode.STALE_CONTROLLER_EPOCH);
    expect(cluster.broker(target).server!.replicaManager.partitions.get('orders/0')!.leaderEpoch).toBeLessThan(before.leaderEpoch + 5);
    const fenced = cluster.events('stale-controller-request').filter((event) => event.broker === target);
    expect(fenced.at(-1)).toMatchObject({ controllerEpoch: old.epoch, knownControllerEpoch: old.epoch + 1 });
  });

  it('a paused controller comes back as a zombie, learns its session expired and resigns', () => {
    const cluster = clusterWithTopic();
    const old = cluster.controller()!;
    cluster.broker(old.id).pause('30s');
    cluster.runUntil(() => cluster.controller() !== null && cluster.controller()!.id !== old.id, '40s');
    cluster.runFor('20s');
    const resigned = cluster.events('controller-resigned').filter((event) => event.broker === old.id);
    expect(resigned).toHaveLength(1);
    expect(cluster.controller()!.epoch).toBe(old.epoch + 1);
    expect(cluster.broker(old.id).server!.replicaManager.controllerEpoch).toBe(old.epoch + 1);
  });
});

describe('controller failover with a broker that died with the old controller', () => {
  it('the new controller removes the dead broker from every ISR (ReplicaStateMachine.startup → OfflineReplica)', () => {
    const cluster = ClusterWorld.build({ brokers: 4, sessionTimeoutMs: SESSION_TIMEOUT_MS });
    cluster.runFor('3s');
    cluster.createTopic({ name: 'orders', partitions: 8, replicationFactor: 3 });
    cluster.runFor('1s');
    const old = cluster.controller()!;
    const other = cluster.brokerIds().find((id) => id !== old.id)!;
    cluster.broker(old.id).crash();
    cluster.broker(other).crash();
    cluster.runUntil(() => {
      const now = cluster.controller();
      return now !== null && now.id !== old.id;
    }, '40s');
    cluster.runFor('2s');
    for (let p = 0; p < 8; p++) {
      const state = cluster.partitionState(`orders/${p}`)!;
      const dead = state.isr.filter((id) => id === old.id || id === other);
      expect({ partition: p, dead }).toEqual({ partition: p, dead: state.isr.length === dead.length ? dead : [] });
    }
  });
});
