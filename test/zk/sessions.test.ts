import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { brokerIdPath, BROKER_IDS_PATH } from '../../sim/zk/paths.ts';
import { ZkTestEnsemble } from './ensemble-harness.ts';

const TICK_MS = 2000;
const SESSION_TIMEOUT_MS = 6000;

/** broker-1 holds /brokers/ids/1; broker-2 watches it and the children of /brokers/ids. */
function registeredBroker(options: { seed?: number; clientServers?: Record<string, string[]> } = {}): ZkTestEnsemble {
  const zk = new ZkTestEnsemble({ servers: 3, clients: ['broker-1', 'broker-2'], sessionTimeoutMs: SESSION_TIMEOUT_MS, messages: true, ...options });
  zk.runUntil(() => zk.client('broker-1').state === 'connected' && zk.client('broker-2').state === 'connected');
  zk.sync('broker-1').create('/brokers', '', 'persistent');
  zk.sync('broker-1').create(BROKER_IDS_PATH, '', 'persistent');
  expect(zk.sync('broker-1').create(brokerIdPath(1), '{}', 'ephemeral').err).toBe('OK');
  expect(zk.sync('broker-2').exists(brokerIdPath(1), true).err).toBe('OK');
  expect(zk.sync('broker-2').getChildren(BROKER_IDS_PATH, true).children).toEqual(['1']);
  return zk;
}

/** When the last message from `from` to `to` was delivered, per the full-detail trace. */
function lastDeliveryUs(zk: ZkTestEnsemble, from: string, to: string, beforeUs: number): number {
  const deliveries = zk.events('msg').filter((event) => event.from === from && event.to === to && (event.t as number) <= beforeUs);
  return deliveries.at(-1)?.t as number;
}

describe('ZooKeeper sessions', () => {
  it('the server clamps the requested session timeout to [2, 20] ticks', () => {
    for (const [requestedMs, grantedMs] of [
      [1000, 2 * TICK_MS],
      [18_000, 18_000],
      [90_000, 20 * TICK_MS],
    ] as const) {
      const zk = new ZkTestEnsemble({ servers: 3, clients: ['broker-1'], sessionTimeoutMs: requestedMs });
      zk.runUntil(() => zk.client('broker-1').state === 'connected');
      expect(zk.client('broker-1').sessionTimeoutMs).toBe(grantedMs);
    }
  });

  it('a client that stops heartbeating loses its session between timeout and timeout + one tick', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4000 }), fc.integer({ min: 1, max: 1000 }), (crashAfterMs, seed) => {
        // broker-1 talks to the leader (zk-3) directly, so the leader hears each of its packets.
        const zk = registeredBroker({ seed, clientServers: { 'broker-1': ['zk-3'] } });
        zk.runForMs(crashAfterMs);
        const crashUs = zk.scheduler.now;
        zk.world.crash('broker-1');
        const lastHeardUs = lastDeliveryUs(zk, 'broker-1', 'zk-3', crashUs);
        zk.runForMs(SESSION_TIMEOUT_MS + 2 * TICK_MS);
        const expiry = zk.events('zk-session').find((event) => event.op === 'expired');
        const silentUs = (expiry?.t as number) - lastHeardUs;
        return silentUs > SESSION_TIMEOUT_MS * 1000 && silentUs <= (SESSION_TIMEOUT_MS + TICK_MS) * 1000 + 1000;
      }),
      { numRuns: 25 },
    );
  });

  it('through a follower, the leader hears of a session only at its next ping, up to half a tick later', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4000 }), fc.integer({ min: 1, max: 1000 }), (crashAfterMs, seed) => {
        const zk = registeredBroker({ seed, clientServers: { 'broker-1': ['zk-1'] } });
        zk.runForMs(crashAfterMs);
        const crashUs = zk.scheduler.now;
        zk.world.crash('broker-1');
        const lastHeardUs = lastDeliveryUs(zk, 'broker-1', 'zk-1', crashUs);
        zk.runForMs(SESSION_TIMEOUT_MS + 3 * TICK_MS);
        const expiry = zk.events('zk-session').find((event) => event.op === 'expired');
        const silentUs = (expiry?.t as number) - lastHeardUs;
        return silentUs > SESSION_TIMEOUT_MS * 1000 && silentUs <= (SESSION_TIMEOUT_MS + 1.5 * TICK_MS) * 1000 + 2000;
      }),
      { numRuns: 25 },
    );
  });

  it("an expired session's ephemeral znodes vanish and each watcher is notified once", () => {
    const zk = registeredBroker();
    zk.world.crash('broker-1');
    zk.runForMs(SESSION_TIMEOUT_MS + 3 * TICK_MS);
    expect(zk.events('zk-session').filter((event) => event.op === 'expired')).toEqual([expect.objectContaining({ owner: 'broker-1' })]);
    expect(zk.sync('broker-2').exists(brokerIdPath(1), false).err).toBe('NONODE');
    expect(zk.host('broker-2').watchEvents).toEqual([
      { type: 'NodeDeleted', path: brokerIdPath(1) },
      { type: 'NodeChildrenChanged', path: BROKER_IDS_PATH },
    ]);
    expect(zk.servers.map((server) => server.db.tree.stat(brokerIdPath(1)))).toEqual([null, null, null]);
  });

  it('an expired client is told so when it reconnects, and must start a new session', () => {
    const zk = registeredBroker();
    zk.world.pause('broker-1', (SESSION_TIMEOUT_MS + 3 * TICK_MS) * 1000);
    zk.runUntil(() => zk.client('broker-1').state === 'expired', 60_000);
    expect(zk.host('broker-1').sessionEvents).toEqual(['SyncConnected', 'Disconnected', 'Expired']);
    expect(zk.sync('broker-1').getData('/brokers', false).err).toBe('SESSIONEXPIRED');
    const oldSession = zk.client('broker-1').sessionId;
    zk.client('broker-1').start(zk.host('broker-1').ctx);
    expect(zk.runUntil(() => zk.client('broker-1').state === 'connected')).toBe(true);
    expect(zk.client('broker-1').sessionId).not.toBe(oldSession);
    expect(zk.sync('broker-1').create(brokerIdPath(1), '{}', 'ephemeral').err).toBe('OK');
  });

  it('a client cut off from its server reconnects to another within the timeout and keeps its session and ephemeral znodes', () => {
    const zk = registeredBroker();
    const client = zk.client('broker-1');
    const session = client.sessionId;
    const server = client.connectedServer as string;
    zk.world.partition({ kind: 'between', groups: [['broker-1'], [server]] });
    expect(zk.runUntil(() => client.state === 'connected' && client.connectedServer !== server, SESSION_TIMEOUT_MS)).toBe(true);
    zk.runForMs(3 * SESSION_TIMEOUT_MS);
    expect(client.sessionId).toBe(session);
    expect(zk.host('broker-1').sessionEvents).toEqual(['SyncConnected', 'Disconnected', 'SyncConnected']);
    expect(zk.events('zk-session').filter((event) => event.op === 'expired')).toEqual([]);
    expect(zk.sync('broker-2').exists(brokerIdPath(1), false).stat?.ephemeralOwner).toBe(session);
    expect(zk.host('broker-2').watchEvents).toEqual([]);
  });

  it('watches survive a reconnect to another server (SetWatches)', () => {
    const zk = registeredBroker();
    const watcher = zk.client('broker-2');
    const server = watcher.connectedServer as string;
    zk.world.partition({ kind: 'between', groups: [['broker-2'], [server]] });
    zk.runUntil(() => watcher.state === 'connected' && watcher.connectedServer !== server, SESSION_TIMEOUT_MS);
    zk.sync('broker-1').delete(brokerIdPath(1), -1);
    zk.runForMs(1000);
    expect(zk.host('broker-2').watchEvents).toEqual([
      { type: 'NodeDeleted', path: brokerIdPath(1) },
      { type: 'NodeChildrenChanged', path: BROKER_IDS_PATH },
    ]);
  });

  it('closing a session removes its ephemeral znodes at once', () => {
    const zk = registeredBroker();
    zk.client('broker-1').close();
    zk.runUntil(() => zk.client('broker-1').state === 'closed');
    zk.runForMs(100);
    expect(zk.events('zk-session').filter((event) => event.op === 'closed')).toHaveLength(1);
    expect(zk.host('broker-2').watchEvents[0]).toEqual({ type: 'NodeDeleted', path: brokerIdPath(1) });
  });
});
