import { describe, expect, it } from 'vitest';
import { ZkTestEnsemble } from './ensemble-harness.ts';

describe('ZooKeeper ensemble on the virtual hardware', () => {
  it('elects the highest server id when histories are equal, and serves a client', () => {
    const zk = new ZkTestEnsemble({ servers: 3, clients: ['broker-1'] });
    expect(zk.runUntil(() => zk.client('broker-1').state === 'connected')).toBe(true);
    expect(zk.leader()).toBe(3);
    expect(zk.events('zk-leader')).toHaveLength(1);
    const created = zk.sync('broker-1').create('/brokers', '', 'persistent');
    expect(created).toEqual({ err: 'OK', path: '/brokers' });
    const read = zk.sync('broker-1').getData('/brokers', false);
    expect(read.err).toBe('OK');
    expect(zk.events('zk-session')).toEqual([expect.objectContaining({ op: 'created', owner: 'broker-1' })]);
    expect(zk.events('znode')).toEqual([expect.objectContaining({ op: 'create', path: '/brokers' })]);
  });

  it('a single server is its own quorum', () => {
    const zk = new ZkTestEnsemble({ servers: 1, clients: ['broker-1'] });
    expect(zk.runUntil(() => zk.client('broker-1').state === 'connected')).toBe(true);
    expect(zk.sync('broker-1').create('/a', 'x', 'ephemeral').err).toBe('OK');
  });

  it('every server applies the same writes in the same order', () => {
    const zk = new ZkTestEnsemble({ servers: 5, clients: ['broker-1', 'broker-2'] });
    zk.runUntil(() => zk.client('broker-1').state === 'connected' && zk.client('broker-2').state === 'connected');
    for (let i = 0; i < 10; i++) {
      zk.client('broker-1').create(`/a${i}`, String(i), 'persistent', () => undefined);
      zk.client('broker-2').create(`/b${i}`, String(i), 'persistent', () => undefined);
    }
    zk.runForMs(5000);
    const digests = zk.servers.map((server) => server.db.tree.digest());
    expect(new Set(digests).size).toBe(1);
    expect(zk.servers.map((server) => zk.ledger.appliedZxid(server.sid))).toEqual(Array(5).fill(zk.ledger.committed.at(-1)?.zxid));
  });
});
