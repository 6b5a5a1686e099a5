import { describe, expect, it } from 'vitest';
import type { ActorContext } from '../../sim/hw/actor.ts';
import { ScriptedActor, at, buildWorld, type TestWorld } from './harness.ts';

const REQUEST_TIMEOUT_US = 30_000_000;

/** A server that answers every message with a 100-byte reply. */
function echoServer(): ScriptedActor {
  return new ScriptedActor({ onMessage: (ctx, from, message) => ctx.send(from, { reply: message }, 100) });
}

/** Client and server in one rack: 100-byte messages take 0.8 + 50 + 0.8 µs, delivered at 52 µs. */
function clientAndServer(): TestWorld {
  return buildWorld([{ id: 'client' }, { id: 'server', actor: echoServer() }]);
}

type Outcome = { kind: 'response' | 'timeout' | 'reset'; atUs: number };

/**
 * The client sends a request at `atUs` and waits up to REQUEST_TIMEOUT_US, closing the connection
 * on a timeout as Kafka's NetworkClient does. Resolves to what the client saw first.
 */
function request(t: TestWorld, atUs: number, name: string): Outcome[] {
  const outcomes: Outcome[] = [];
  const client = t.actor('client');
  at(t.scheduler, atUs, () => {
    const ctx: ActorContext = client.ctx;
    const repliesBefore = client.received.length;
    const resetsBefore = client.disconnects.length;
    ctx.send('server', name, 100);
    const check = (): void => {
      if (outcomes.length > 0) return;
      if (client.received.length > repliesBefore) outcomes.push({ kind: 'response', atUs: client.received[repliesBefore]?.atUs as number });
      else if (client.disconnects.length > resetsBefore) outcomes.push({ kind: 'reset', atUs: client.disconnects[resetsBefore]?.atUs as number });
    };
    ctx.setTimer(REQUEST_TIMEOUT_US, () => {
      check();
      if (outcomes.length > 0) return;
      outcomes.push({ kind: 'timeout', atUs: ctx.now });
      ctx.closeConnection('server');
    });
    for (let waitUs = 1; waitUs < REQUEST_TIMEOUT_US; waitUs *= 2) ctx.setTimer(waitUs, check);
  });
  return outcomes;
}

function firstOutcome(outcomes: Outcome[]): Outcome | undefined {
  return outcomes[0];
}

describe('connections and faults, as a TCP client sees them', () => {
  it('a request to a healthy peer gets its response after one round trip', () => {
    const t = clientAndServer();
    const outcomes = request(t, 1000, 'ping');
    t.world.runUntil(40_000_000);
    expect(t.actor('server').received.map((r) => r.atUs)).toEqual([1052]);
    expect(t.actor('client').received.map((r) => r.atUs)).toEqual([1104]);
    expect(firstOutcome(outcomes)?.kind).toBe('response');
  });

  it('a request to a partitioned peer times out at the caller’s timeout, with no disconnect', () => {
    const t = clientAndServer();
    t.world.partition({ kind: 'isolate', nodes: ['server'] });
    const outcomes = request(t, 1000, 'ping');
    t.world.runUntil(40_000_000);
    expect(outcomes).toEqual([{ kind: 'timeout', atUs: 1000 + REQUEST_TIMEOUT_US }]);
    expect(t.actor('client').disconnects).toEqual([]);
    expect(t.actor('server').received).toEqual([]);
  });

  it('a request to a crashed process on a live machine is reset after one round trip', () => {
    const t = clientAndServer();
    t.world.crash('server');
    const outcomes = request(t, 1000, 'ping');
    t.world.runUntil(40_000_000);
    // The request reaches the server's kernel at 1052 µs; its RST travels back in 50 µs.
    expect(t.actor('client').disconnects).toEqual([{ peer: 'server', reason: 'reset', atUs: 1102 }]);
    expect(firstOutcome(outcomes)).toEqual({ kind: 'reset', atUs: 1102 });
  });

  it('peers of a crashed process hear a reset one propagation delay later', () => {
    const t = clientAndServer();
    request(t, 1000, 'connect');
    at(t.scheduler, 10_000, () => t.world.crash('server'));
    t.world.runUntil(1_000_000);
    expect(t.actor('client').disconnects).toEqual([{ peer: 'server', reason: 'reset', atUs: 10_050 }]);
  });

  it('a powered-off peer is silent: the connection just stops answering', () => {
    const t = clientAndServer();
    request(t, 1000, 'connect');
    at(t.scheduler, 10_000, () => t.world.powerLoss('server'));
    const outcomes = request(t, 20_000, 'ping');
    t.world.runUntil(40_000_000);
    expect(t.actor('client').disconnects).toEqual([]);
    expect(outcomes).toEqual([{ kind: 'timeout', atUs: 20_000 + REQUEST_TIMEOUT_US }]);
  });

  it('a rebooted machine resets a connection from before the reboot when data arrives on it', () => {
    const t = clientAndServer();
    request(t, 1000, 'connect');
    at(t.scheduler, 10_000, () => t.world.powerLoss('server'));
    at(t.scheduler, 20_000, () => t.world.restart('server'));
    const outcomes = request(t, 30_000, 'ping');
    t.world.runUntil(1_000_000);
    expect(firstOutcome(outcomes)).toEqual({ kind: 'reset', atUs: 30_102 });
    expect(t.actor('server').received.map((r) => r.incarnation)).toEqual([1]);
  });

  it('a clean stop delivers what was sent, then the peer hears the connection closed', () => {
    const t = clientAndServer();
    request(t, 1000, 'connect');
    at(t.scheduler, 10_000, () => {
      t.actor('server').ctx.send('client', 'goodbye', 1000);
      t.world.stop('server');
    });
    t.world.runUntil(1_000_000);
    expect(t.actor('server').stops).toBe(1);
    expect(t.actor('client').received.at(-1)).toMatchObject({ message: 'goodbye', atUs: 10_066 });
    expect(t.actor('client').disconnects).toEqual([{ peer: 'server', reason: 'closed', atUs: 10_066 }]);
  });

  it('a message dropped by a short partition is retransmitted once it heals, in order with what followed (TCP)', () => {
    const t = clientAndServer();
    const client = () => t.actor('client').ctx;
    request(t, 1000, 'connect');
    let fault = 0;
    at(t.scheduler, 10_000, () => (fault = t.world.partition({ kind: 'one-way', from: ['client'], to: ['server'] })));
    at(t.scheduler, 11_000, () => client().send('server', 'first', 100));
    at(t.scheduler, 12_000, () => client().send('server', 'second', 100));
    at(t.scheduler, 100_000, () => t.world.heal(fault));
    at(t.scheduler, 150_000, () => client().send('server', 'third', 100));
    t.world.runUntil(10_000_000);
    const server = t.actor('server');
    expect(server.received.map((r) => r.message)).toEqual(['connect', 'first', 'second', 'third']);
    // Dropped as it reached the partition (11.051 ms), retransmitted one RTO (200 ms) later, when
    // the path is open again: it arrives one transfer (52 µs) after that.
    expect(server.received[1]!.atUs).toBe(211_103);
    expect(server.disconnects).toEqual([]);
  });

  it('a partition outlasting tcp_retries2 retransmissions times the connection out: the sender hears a reset', () => {
    const t = clientAndServer();
    request(t, 1000, 'connect');
    at(t.scheduler, 10_000, () => t.world.partition({ kind: 'isolate', nodes: ['server'] }));
    at(t.scheduler, 11_000, () => t.actor('client').ctx.send('server', 'never arrives', 100));
    t.world.runUntil(30 * 60 * 1_000_000);
    const [timedOut] = t.actor('client').disconnects;
    expect(timedOut?.reason).toBe('reset');
    // 0.2 + 0.4 + … doubling, capped at 120 s: about 15 minutes after the drop.
    expect(timedOut!.atUs).toBeGreaterThan(13 * 60 * 1_000_000);
    expect(timedOut!.atUs).toBeLessThan(17 * 60 * 1_000_000);
    expect(t.actor('server').received.map((r) => r.message)).toEqual(['connect']);
  });

  it('a stalled connection the sender closes and replaces never delivers what was queued on it', () => {
    const t = clientAndServer();
    const client = () => t.actor('client').ctx;
    request(t, 1000, 'connect');
    let fault = 0;
    at(t.scheduler, 10_000, () => (fault = t.world.partition({ kind: 'one-way', from: ['client'], to: ['server'] })));
    at(t.scheduler, 11_000, () => client().send('server', 'lost to the partition', 100));
    at(t.scheduler, 20_000, () => t.world.heal(fault));
    at(t.scheduler, 21_000, () => client().send('server', 'lost behind the gap', 100));
    at(t.scheduler, 30_000, () => client().closeConnection('server'));
    at(t.scheduler, 31_000, () => client().send('server', 'on a new connection', 100));
    t.world.runUntil(1_000_000);
    const server = t.actor('server');
    expect(server.received.map((r) => r.message)).toEqual(['connect', 'on a new connection']);
    // The FIN was stuck behind the gap too; the new connection tells the server the old one is dead.
    expect(server.disconnects).toEqual([{ peer: 'client', reason: 'reset', atUs: 31_052 }]);
    expect(t.actor('client').received.map((r) => r.message)).toEqual([{ reply: 'connect' }, { reply: 'on a new connection' }]);
  });

  it('a connection broken by a partition is reset once the peer has restarted since (the retransmission meets no socket)', () => {
    const t = clientAndServer();
    const client = () => t.actor('client').ctx;
    request(t, 1000, 'connect');
    let fault = 0;
    at(t.scheduler, 10_000, () => (fault = t.world.partition({ kind: 'one-way', from: ['client'], to: ['server'] })));
    at(t.scheduler, 11_000, () => client().send('server', 'lost to the partition', 100));
    at(t.scheduler, 15_000, () => t.world.restart('server'));
    at(t.scheduler, 20_000, () => t.world.heal(fault));
    at(t.scheduler, 21_000, () => client().send('server', 'meets the new process', 100));
    at(t.scheduler, 40_000, () => client().send('server', 'on a new connection', 100));
    t.world.runUntil(1_000_000);
    expect(t.actor('client').disconnects.map((d) => d.reason)).toEqual(['reset']);
    expect(t.actor('client').disconnects[0]!.atUs).toBeLessThan(40_000);
    expect(t.actor('server').received.map((r) => r.message)).toContain('on a new connection');
  });

  it('a peer’s connection whose first message was lost is not shared: a request opens a fresh one and gets its answer', () => {
    const t = clientAndServer();
    let fault = 0;
    at(t.scheduler, 0, () => (fault = t.world.partition({ kind: 'one-way', from: ['server'], to: ['client'] })));
    at(t.scheduler, 1000, () => t.actor('server').ctx.send('client', 'lost hello', 100));
    at(t.scheduler, 5000, () => t.world.heal(fault));
    const outcomes = request(t, 10_000, 'ping');
    t.world.runUntil(40_000_000);
    // Sharing the server's connection would send the reply down its broken direction, unheard.
    expect(outcomes).toEqual([{ kind: 'response', atUs: 10_104 }]);
  });

  it('two nodes opening a connection to each other at once share one', () => {
    const t = buildWorld([{ id: 'a' }, { id: 'b' }]);
    t.actor('a').ctx.send('b', 'from a', 100);
    t.actor('b').ctx.send('a', 'from b', 100);
    at(t.scheduler, 1000, () => t.actor('a').ctx.closeConnection('b'));
    t.world.runUntil(1_000_000);
    expect(t.actor('a').received.map((r) => r.message)).toEqual(['from b']);
    expect(t.actor('b').received.map((r) => r.message)).toEqual(['from a']);
    expect(t.actor('b').disconnects).toEqual([{ peer: 'a', reason: 'closed', atUs: 1050 }]);
    expect(t.world.network.isConnected('b', 'a')).toBe(false);
  });

  it('a crashed process restarted later is a new incarnation that peers reach on a new connection', () => {
    const t = clientAndServer();
    request(t, 1000, 'first');
    at(t.scheduler, 10_000, () => t.world.crash('server'));
    at(t.scheduler, 20_000, () => t.world.restart('server'));
    const outcomes = request(t, 30_000, 'second');
    t.world.runUntil(1_000_000);
    expect(t.actor('client').disconnects.map((d) => d.atUs)).toEqual([10_050]);
    expect(firstOutcome(outcomes)?.kind).toBe('response');
    expect(t.actor('server').received.map((r): [unknown, number] => [r.message, r.incarnation])).toEqual([['first', 1], ['second', 2]]);
  });
});
