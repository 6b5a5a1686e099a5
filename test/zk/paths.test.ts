import { describe, expect, it } from 'vitest';
import * as paths from '../../sim/zk/paths.ts';
import { isValidPath } from '../../sim/zk/znode-tree.ts';

describe("Kafka's znode layout", () => {
  it('places brokers, topics and partition state where ZkData does', () => {
    expect(paths.brokerIdPath(3)).toBe('/brokers/ids/3');
    expect(paths.topicPath('orders')).toBe('/brokers/topics/orders');
    expect(paths.topicPartitionStatePath('orders', 0)).toBe('/brokers/topics/orders/partitions/0/state');
    expect(paths.ISR_CHANGE_NOTIFICATION_PREFIX).toBe('/isr_change_notification/isr_change_');
    expect(paths.deleteTopicPath('orders')).toBe('/admin/delete_topics/orders');
  });

  it('lists the persistent paths a broker creates at startup, all valid', () => {
    expect(paths.PERSISTENT_ZK_PATHS).toContain('/brokers/ids');
    expect(paths.PERSISTENT_ZK_PATHS).toContain('/config/topics');
    expect(paths.PERSISTENT_ZK_PATHS.every(isValidPath)).toBe(true);
  });

  it('gives the ancestors createRecursive must create first, outermost first', () => {
    expect(paths.ancestorPaths('/brokers/topics/orders/partitions/0/state')).toEqual([
      '/brokers',
      '/brokers/topics',
      '/brokers/topics/orders',
      '/brokers/topics/orders/partitions',
      '/brokers/topics/orders/partitions/0',
    ]);
    expect(paths.ancestorPaths('/controller')).toEqual([]);
  });

  it('round-trips the JSON of the controller, its epoch and partition state', () => {
    expect(paths.encodeController(2, 1500)).toBe('{"version":1,"brokerid":2,"timestamp":"1500"}');
    expect(paths.decodeControllerId(paths.encodeController(2, 1500))).toBe(2);
    expect(paths.decodeControllerEpoch(paths.encodeControllerEpoch(17))).toBe(17);
    const state = { leader: 1, leaderEpoch: 4, isr: [1, 3], controllerEpoch: 2 };
    expect(paths.encodePartitionState(state)).toBe('{"controller_epoch":2,"leader":1,"version":1,"leader_epoch":4,"isr":[1,3]}');
    expect(paths.decodePartitionState(paths.encodePartitionState(state))).toEqual(state);
  });

  it('round-trips topic assignments, ISR change notifications and broker registrations', () => {
    const assignment = new Map([
      [1, [2, 3]],
      [0, [1, 2]],
    ]);
    expect(paths.decodeTopicAssignment(paths.encodeTopicAssignment(assignment))).toEqual(new Map([[0, [1, 2]], [1, [2, 3]]]));
    const changes = [{ topic: 'orders', partition: 0 }];
    expect(paths.decodeIsrChangeNotification(paths.encodeIsrChangeNotification(changes))).toEqual(changes);
    const registration = { brokerId: 1, host: 'broker-1', port: 9092, rack: 'r1', timestampMs: 10 };
    expect(paths.decodeBrokerRegistration(1, paths.encodeBrokerRegistration(registration))).toEqual(registration);
    expect(paths.decodeBrokerRegistration(1, paths.encodeBrokerRegistration({ ...registration, rack: null })).rack).toBeNull();
  });
});
