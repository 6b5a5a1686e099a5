import { describe, expect, it } from 'vitest';
import { ZkTestEnsemble } from './ensemble-harness.ts';

function connected(options: { snapCount?: number } = {}): ZkTestEnsemble {
  const zk = new ZkTestEnsemble({ servers: 3, clients: ['broker-1'], sessionTimeoutMs: 18_000, ...options });
  zk.runUntil(() => zk.client('broker-1').state === 'connected');
  return zk;
}

describe('ZooKeeper durability and failover', () => {
  it('acknowledged writes survive a power loss of the whole ensemble (fsync before ACK)', () => {
    const zk = connected({ snapCount: 7 });
    const acked: string[] = [];
    for (let i = 0; i < 20; i++) {
      zk.client('broker-1').create(`/n${i}`, String(i), 'persistent', (result) => {
        if (result.err === 'OK') acked.push(`/n${i}`);
      });
    }
    zk.runUntil(() => acked.length === 20);
    for (const server of zk.servers) zk.world.powerLoss(`zk-${server.sid}`);
    zk.runForMs(1000);
    for (const server of zk.servers) zk.world.restart(`zk-${server.sid}`);
    expect(zk.runUntil(() => zk.leader() !== null && zk.servers.every((server) => server.serving))).toBe(true);
    for (const server of zk.servers) expect(acked.filter((path) => server.db.tree.stat(path) === null)).toEqual([]);
  });

  it('a lagging server catches up with a SNAP once the others have snapshotted past it', () => {
    const zk = connected({ snapCount: 5 });
    const leader = zk.server(3);
    const syncModes: string[] = [];
    const sendPeer = leader.sendPeer.bind(leader);
    leader.sendPeer = (sid, message) => {
      if (message.zk === 'sync' && sid === 1) syncModes.push(message.mode);
      sendPeer(sid, message);
    };
    zk.world.crash('zk-1');
    for (let i = 0; i < 30; i++) zk.sync('broker-1').create(`/n${i}`, '', 'persistent');
    zk.world.restart('zk-1');
    expect(zk.runUntil(() => zk.server(1).serving)).toBe(true);
    zk.runForMs(1000);
    expect(syncModes).toEqual(['snap']);
    expect(zk.server(1).db.tree.digest()).toBe(zk.server(3).db.tree.digest());
  });

  it('a client whose server crashes gets CONNECTIONLOSS for its pending request and fails over', () => {
    const zk = connected();
    const client = zk.client('broker-1');
    const server = client.connectedServer as string;
    const answers: string[] = [];
    zk.world.pause(server, 5_000_000);
    client.getData('/zookeeper', false, (result) => answers.push(result.err));
    zk.runForMs(100);
    zk.world.crash(server);
    expect(zk.runUntil(() => answers.length > 0, 1000)).toBe(true);
    expect(answers).toEqual(['CONNECTIONLOSS']);
    expect(zk.runUntil(() => client.state === 'connected' && client.connectedServer !== server, 30_000)).toBe(true);
    expect(zk.host('broker-1').sessionEvents).toEqual(['SyncConnected', 'Disconnected', 'SyncConnected']);
  });
});
