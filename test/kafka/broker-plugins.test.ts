import { describe, it, expect } from 'vitest';
import { ClusterWorld } from './cluster-builder.ts';
import { brokerNodeId } from '../../sim/kafka/broker-config.ts';
import type { BrokerServer } from '../../sim/kafka/broker.ts';
import type { PartitionRole } from '../../sim/kafka/replica-manager.ts';
import type { PartitionProduceResponse } from '../../sim/kafka/protocol.ts';

describe('broker plugins (the hook the group coordinator uses)', () => {
  it('get request types the core does not handle, hear of partition role changes, and can append through the replica path', () => {
    const roles: { broker: number; partition: string; role: PartitionRole; epoch: number }[] = [];
    const appended: PartitionProduceResponse[] = [];
    const plugin = (server: BrokerServer) => ({
      handleRequest(from: string, request: { type: string; correlationId: number }): boolean {
        if (request.type !== 'echo') return false;
        server.send(from, { type: 'echo-response', correlationId: request.correlationId, broker: server.settings.id }, 64);
        return true;
      },
      onRoleChange(partition: string, role: PartitionRole, epoch: number): void {
        roles.push({ broker: server.settings.id, partition, role, epoch });
        if (role !== 'leader') return;
        const batch = { baseOffset: -1, recordCount: 1, leaderEpoch: -1, producerId: -1, producerEpoch: -1, baseSequence: -1, sizeBytes: 100, createTimeUs: server.ctx.now, payload: { kind: 'offset-commit' as const, group: 'g', partition, offset: 0 } };
        server.requests.appendRecords({ acks: -1, timeoutMs: 5_000, partition, batch }, (response) => appended.push(response));
      },
    });
    const world = ClusterWorld.build({ brokers: 3, plugins: [plugin] });
    world.runFor('3s');
    world.createTopic({ name: '__internal', partitions: 1, replicationFactor: 3, assignment: [[1, 2, 3]] });
    world.runFor('3s');
    expect(roles.filter((entry) => entry.role === 'leader')).toEqual([{ broker: 1, partition: '__internal/0', role: 'leader', epoch: 0 }]);
    expect(roles.filter((entry) => entry.role === 'follower').map((entry) => entry.broker).sort()).toEqual([2, 3]);
    expect(appended).toEqual([expect.objectContaining({ error: 'NONE', baseOffset: 0 })]);
    const client = world.probe('client');
    client.send(brokerNodeId(2), { type: 'echo', correlationId: 9 });
    world.runFor('10ms');
    expect(client.response(9)).toEqual({ type: 'echo-response', correlationId: 9, broker: 2 });
  });
});
