import { describe, expect, it } from 'vitest';
import type { CreateResult } from '../../sim/zk/client-results.ts';
import { ZkTestEnsemble } from './ensemble-harness.ts';

const SESSION_TIMEOUT_MS = 6000;

/** Keeps retrying a create after connection losses, as Kafka's ZooKeeperClient retries; records when it succeeded. */
function createWithRetries(zk: ZkTestEnsemble, name: string, path: string): { result: CreateResult | null; atMs: number } {
  const outcome: { result: CreateResult | null; atMs: number } = { result: null, atMs: -1 };
  const attempt = (): void =>
    zk.client(name).create(path, 'v', 'persistent', (result) => {
      if (result.err === 'CONNECTIONLOSS') {
        zk.host(name).ctx.setTimer(500_000, attempt);
        return;
      }
      outcome.result = result;
      outcome.atMs = zk.nowMs;
    });
  attempt();
  return outcome;
}

function connectedEnsemble(clients: string[], options: Partial<ConstructorParameters<typeof ZkTestEnsemble>[0]> = {}): ZkTestEnsemble {
  const zk = new ZkTestEnsemble({ servers: 3, clients, sessionTimeoutMs: SESSION_TIMEOUT_MS, ...options });
  zk.runUntil(() => clients.every((name) => zk.client(name).state === 'connected'));
  return zk;
}

describe('ZooKeeper quorum', () => {
  it('three servers tolerate the loss of one, even the leader', () => {
    const zk = connectedEnsemble(['broker-1']);
    const before = zk.sync('broker-1').create('/before', '', 'persistent');
    expect(before.err).toBe('OK');
    const oldLeader = zk.leader() as number;
    zk.world.crash(`zk-${oldLeader}`);
    const write = createWithRetries(zk, 'broker-1', '/after');
    expect(zk.runUntil(() => write.result !== null, 60_000)).toBe(true);
    expect(write.result?.err).toBe('OK');
    expect(zk.leader()).not.toBe(oldLeader);
    expect(zk.sync('broker-1').exists('/before', false).err).toBe('OK');
  });

  it('with two of three servers down writes stall, and resume when one returns', () => {
    const zk = connectedEnsemble(['broker-1']);
    zk.sync('broker-1').create('/brokers', '', 'persistent');
    zk.world.crash('zk-1');
    zk.world.crash('zk-2');
    const committedBefore = zk.ledger.committed.length;
    const write = createWithRetries(zk, 'broker-1', '/brokers/stalled');
    zk.runForMs(60_000);
    expect(write.result).toBeNull();
    expect(zk.ledger.committed.length).toBe(committedBefore);
    expect(zk.server(3).serving).toBe(false);
    const restartMs = zk.nowMs;
    zk.world.restart('zk-1');
    expect(zk.runUntil(() => write.result !== null, 60_000)).toBe(true);
    // The first attempt reached the stalled leader's log before the connection was lost, so it
    // commits once the quorum is back and the retry finds it done: CONNECTIONLOSS means "unknown".
    expect(write.result?.err).toBe('NODEEXISTS');
    expect(write.atMs - restartMs).toBeLessThan(10_000);
    expect(zk.sync('broker-1').exists('/brokers/stalled', false).err).toBe('OK');
  });

  it('without a quorum no session expires; with it back the silent session expires a full timeout later', () => {
    const zk = connectedEnsemble(['broker-1', 'broker-2']);
    zk.sync('broker-1').create('/broker-1', '', 'ephemeral');
    zk.world.crash('zk-1');
    zk.world.crash('zk-2');
    zk.world.crash('broker-1');
    zk.runForMs(10 * SESSION_TIMEOUT_MS);
    expect(zk.events('zk-session').filter((event) => event.op === 'expired')).toEqual([]);
    expect(zk.server(3).db.tree.stat('/broker-1')).not.toBeNull();
    zk.world.restart('zk-1');
    zk.runUntil(() => zk.leader() !== null);
    const electedMs = zk.nowMs;
    zk.runForMs(3 * SESSION_TIMEOUT_MS);
    const expired = zk.events('zk-session').filter((event) => event.op === 'expired');
    expect(expired).toEqual([expect.objectContaining({ owner: 'broker-1' })]);
    const expiredMs = (expired[0]?.t as number) / 1000;
    expect(expiredMs - electedMs).toBeGreaterThan(SESSION_TIMEOUT_MS);
    expect(expiredMs - electedMs).toBeLessThanOrEqual(SESSION_TIMEOUT_MS + zk.config.tickTimeMs + 1);
  });

  it('a read from a lagging follower can return stale data', () => {
    // broker-1 writes through the leader zk-3; broker-2 reads from zk-1, cut off from the leader.
    const zk = connectedEnsemble(['broker-1', 'broker-2'], { clientServers: { 'broker-1': ['zk-3'], 'broker-2': ['zk-1'] } });
    zk.sync('broker-1').create('/controller_epoch', '1', 'persistent');
    zk.runForMs(100);
    expect(zk.sync('broker-2').getData('/controller_epoch', false).data).toBe('1');
    zk.world.partition({ kind: 'between', groups: [['zk-1'], ['zk-3']] });
    expect(zk.sync('broker-1').setData('/controller_epoch', '2', 0).err).toBe('OK');
    const stale = zk.sync('broker-2').getData('/controller_epoch', false);
    expect(stale).toMatchObject({ err: 'OK', data: '1', stat: { version: 0 } });
    expect(zk.server(3).db.tree.data('/controller_epoch')).toBe('2');
  });

  it('a conditional update with a stale version fails, and a failing multi applies nothing', () => {
    const zk = connectedEnsemble(['broker-1', 'broker-2']);
    zk.sync('broker-1').create('/controller_epoch', '1', 'persistent');
    expect(zk.sync('broker-1').setData('/controller_epoch', '2', 0).err).toBe('OK');
    expect(zk.sync('broker-2').setData('/controller_epoch', '2', 0)).toEqual({ err: 'BADVERSION', stat: null });
    const multi = zk.sync('broker-2').multi([
      { type: 'create', path: '/controller', data: '{"brokerid":2}', mode: 'ephemeral' },
      { type: 'setData', path: '/controller_epoch', data: '3', version: 0 },
    ]);
    expect(multi).toEqual({ err: 'BADVERSION', results: [{ type: 'error', err: 'OK' }, { type: 'error', err: 'BADVERSION' }] });
    expect(zk.sync('broker-2').exists('/controller', false).err).toBe('NONODE');
    const won = zk.sync('broker-1').multi([
      { type: 'create', path: '/controller', data: '{"brokerid":1}', mode: 'ephemeral' },
      { type: 'setData', path: '/controller_epoch', data: '3', version: 1 },
    ]);
    expect(won.err).toBe('OK');
    expect(zk.sync('broker-2').getData('/controller_epoch', false).data).toBe('3');
  });
});
