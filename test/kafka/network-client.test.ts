// NetworkClient's request timeouts (NetworkClient.handleTimedOutRequests): every request times
// out at its own deadline, whatever else is in flight to the same peer, and a timeout closes the
// connection and fails everything else on it.
import { describe, expect, it } from 'vitest';
import { NetworkClient, type RequestFailure } from '../../sim/kafka/network-client.ts';
import { ScriptedActor, at, buildWorld, type TestWorld } from '../hw/harness.ts';

type Outcome = { id: number; kind: 'response' | RequestFailure; atUs: number };

/** A client whose requests a server answers only when `answer` says so. */
function world(answer: (id: number) => boolean): { t: TestWorld; client: () => NetworkClient; outcomes: Outcome[] } {
  let network: NetworkClient | undefined;
  const client = new ScriptedActor({
    onStart: (ctx) => (network = new NetworkClient(ctx, () => undefined)),
    onMessage: (_ctx, _from, message) => network!.handleResponse(message as { correlationId: number }),
  });
  const server = new ScriptedActor({
    onMessage: (ctx, from, message) => {
      const { correlationId } = message as { correlationId: number };
      if (answer(correlationId)) ctx.send(from, { correlationId }, 100);
    },
  });
  const t = buildWorld([{ id: 'client', actor: client }, { id: 'server', actor: server }]);
  return { t, client: () => network!, outcomes: [] };
}

function send(w: ReturnType<typeof world>, atUs: number, timeoutMs: number): void {
  at(w.t.scheduler, atUs, () => {
    const network = w.client();
    const id = network.correlationId();
    const ctx = w.t.actor('client').ctx;
    network.send(
      'server',
      { correlationId: id },
      100,
      timeoutMs,
      () => w.outcomes.push({ id, kind: 'response', atUs: ctx.now }),
      (failure) => w.outcomes.push({ id, kind: failure, atUs: ctx.now }),
    );
  });
}

describe('NetworkClient request timeouts', () => {
  it('an unanswered request times out at its own deadline, though an earlier one to the same peer was answered', () => {
    const w = world((id) => id === 1);
    send(w, 1000, 30);
    send(w, 5000, 30);
    w.t.world.runUntil(1_000_000);
    expect(w.outcomes.map((o) => [o.id, o.kind])).toEqual([[1, 'response'], [2, 'timeout']]);
    expect(w.outcomes[1]!.atUs).toBe(35_000);
    // The timeout closed the connection: the server hears it.
    expect(w.t.actor('server').disconnects.map((d) => d.reason)).toEqual(['closed']);
  });

  it('a later request with a shorter timeout times out first, and takes the older one down with it', () => {
    const w = world(() => false);
    send(w, 1000, 100);
    send(w, 2000, 10);
    w.t.world.runUntil(1_000_000);
    // Both fail when the shorter deadline passes, in the order they were sent.
    expect(w.outcomes).toEqual([
      { id: 1, kind: 'timeout', atUs: 12_000 },
      { id: 2, kind: 'timeout', atUs: 12_000 },
    ]);
  });

  it('answered requests leave no timeout behind: a long quiet run fails nothing', () => {
    const w = world(() => true);
    for (let i = 0; i < 50; i++) send(w, 1000 + i * 1000, 30);
    w.t.world.runUntil(10_000_000);
    expect(w.outcomes.every((o) => o.kind === 'response')).toBe(true);
    expect(w.outcomes).toHaveLength(50);
  });
});
