import { describe, expect, it } from 'vitest';
import { SimAssertionError } from '../../sim/core/assert.ts';
import type { ActorContext } from '../../sim/hw/actor.ts';
import { ScriptedActor, at, buildWorld } from './harness.ts';

describe('process lifecycle', () => {
  it('a paused process handles messages that arrived during the pause only after it resumes, in order', () => {
    const t = buildWorld([{ id: 'a' }, { id: 'b' }]);
    at(t.scheduler, 1000, () => t.world.pause('b', 10_000));
    for (const sendUs of [2000, 3000, 4000]) at(t.scheduler, sendUs, () => t.actor('a').ctx.send('b', sendUs, 100));
    at(t.scheduler, 20_000, () => t.actor('a').ctx.send('b', 'after', 100));
    t.world.runUntil(100_000);
    expect(t.actor('b').received.map((r) => [r.message, r.atUs])).toEqual([
      [2000, 11_000],
      [3000, 11_000],
      [4000, 11_000],
      ['after', 20_052],
    ]);
  });

  it('timers due during a pause fire late, at resume; later ones fire on time', () => {
    const fired: [string, number][] = [];
    const actor = new ScriptedActor({
      onStart: (ctx) => {
        ctx.setTimer(5000, () => fired.push(['due in the pause', ctx.now]));
        ctx.setTimer(50_000, () => fired.push(['due after', ctx.now]));
      },
    });
    const t = buildWorld([{ id: 'a', actor }]);
    at(t.scheduler, 1000, () => t.world.pause('a', 10_000));
    t.world.runUntil(100_000);
    expect(fired).toEqual([['due in the pause', 11_000], ['due after', 50_000]]);
  });

  it('messages and timers that came due in a pause run in the order they came due', () => {
    const seen: string[] = [];
    const actor = new ScriptedActor({
      onStart: (ctx) => ctx.setTimer(3000, () => seen.push('timer')),
      onMessage: (_ctx, _from, message) => seen.push(String(message)),
    });
    const t = buildWorld([{ id: 'a' }, { id: 'b', actor }]);
    at(t.scheduler, 1000, () => t.world.pause('b', 10_000));
    at(t.scheduler, 2000, () => t.actor('a').ctx.send('b', 'before timer', 100));
    at(t.scheduler, 4000, () => t.actor('a').ctx.send('b', 'after timer', 100));
    t.world.runUntil(20_000);
    expect(seen).toEqual(['before timer', 'timer', 'after timer']);
  });

  it('a pause while paused extends it, never shortens it', () => {
    const t = buildWorld([{ id: 'a' }]);
    t.world.pause('a', 10_000);
    expect(t.world.pause('a', 5000)).toBe(false);
    at(t.scheduler, 2000, () => t.world.pause('a', 20_000));
    t.world.runUntil(100_000);
    expect(t.sink.events.filter((e) => e.k.startsWith('node-')).map((e) => [e.k, e.t])).toEqual([
      ['node-up', 0],
      ['node-paused', 0],
      ['node-paused', 2000],
      ['node-resumed', 22_000],
    ]);
  });

  it('a crashed incarnation’s timers never fire, and a restart is a new incarnation', () => {
    const fired: number[] = [];
    const actor = new ScriptedActor({ onStart: (ctx) => ctx.setTimer(5000, () => fired.push(ctx.incarnation)) });
    const t = buildWorld([{ id: 'a', actor }]);
    at(t.scheduler, 1000, () => t.world.crash('a'));
    at(t.scheduler, 2000, () => t.world.restart('a'));
    t.world.runUntil(100_000);
    expect(fired).toEqual([2]);
    expect(actor.starts).toBe(2);
    expect(t.world.machine('a').incarnations).toBe(2);
  });

  it('the running clock stops during a pause, and death hooks see it when the process dies', () => {
    const seen: [number, number][] = [];
    let context: ActorContext | undefined;
    const actor = new ScriptedActor({
      onStart: (ctx) => {
        context = ctx;
        ctx.onDeath((nowUs) => seen.push([nowUs, ctx.runningUs]));
      },
    });
    const t = buildWorld([{ id: 'a', actor }]);
    at(t.scheduler, 1000, () => t.world.pause('a', 10_000));
    at(t.scheduler, 5000, () => seen.push([5000, context!.runningUs]));
    at(t.scheduler, 30_000, () => t.world.crash('a'));
    t.world.runUntil(40_000);
    // Started at 0; paused 1 ms → 11 ms; crashed at 30 ms: 20 ms of running.
    expect(seen).toEqual([[5000, 1000], [30_000, 20_000]]);
  });

  it('using the context of a dead incarnation is a simulator bug', () => {
    const t = buildWorld([{ id: 'a' }, { id: 'b' }]);
    const stale: ActorContext = t.actor('a').ctx;
    t.world.crash('a');
    expect(() => stale.send('b', 'zombie', 10)).toThrow(SimAssertionError);
    expect(() => stale.setTimer(10, () => {})).toThrow(/incarnation 1, which has ended/);
  });

  it('restart after a delay passes through restarting; a crash meanwhile cancels it', () => {
    const t = buildWorld([{ id: 'a' }]);
    t.world.crash('a');
    t.world.restart('a', 5000);
    expect(t.world.machine('a').state).toBe('restarting');
    at(t.scheduler, 1000, () => t.world.crash('a'));
    t.world.runUntil(100_000);
    expect(t.world.machine('a').state).toBe('crashed');
    expect(t.actor('a').starts).toBe(1);
    t.world.restart('a', 5000);
    t.world.runUntil(200_000);
    expect(t.world.machine('a').state).toBe('up');
    expect(t.sink.events.filter((e) => e.k === 'node-up').map((e) => [e.t, e.incarnation])).toEqual([[0, 1], [105_000, 2]]);
  });

  it('faults that do not apply to the current state change nothing', () => {
    const t = buildWorld([{ id: 'a' }]);
    expect(t.world.start('a')).toBe(false);
    expect(t.world.resume('a')).toBe(false);
    expect(t.world.powerOn('a')).toBe(false);
    t.world.powerLoss('a');
    expect(t.world.crash('a')).toBe(false);
    expect(t.world.pause('a', 1000)).toBe(false);
    expect(t.world.stop('a')).toBe(false);
    expect(t.world.powerLoss('a')).toBe(false);
    expect(t.world.machine('a').state).toBe('powered-off');
  });

  it('traces node transitions with how the node went down', () => {
    const t = buildWorld([{ id: 'a' }]);
    at(t.scheduler, 1000, () => t.world.crash('a'));
    at(t.scheduler, 2000, () => t.world.restart('a'));
    at(t.scheduler, 3000, () => t.world.stop('a'));
    at(t.scheduler, 4000, () => t.world.start('a'));
    at(t.scheduler, 5000, () => t.world.powerLoss('a'));
    at(t.scheduler, 6000, () => t.world.restart('a'));
    t.world.runUntil(10_000);
    const nodeEvents = t.sink.events.filter((e) => e.k.startsWith('node-')).map(({ i: _i, ...rest }) => rest);
    expect(nodeEvents).toEqual([
      { t: 0, k: 'node-up', node: 'a', incarnation: 1 },
      { t: 1000, k: 'node-down', node: 'a', how: 'crash' },
      { t: 2000, k: 'node-up', node: 'a', incarnation: 2 },
      { t: 3000, k: 'node-down', node: 'a', how: 'stop' },
      { t: 4000, k: 'node-up', node: 'a', incarnation: 3 },
      { t: 5000, k: 'node-down', node: 'a', how: 'power-loss', lostBytes: 0 },
      { t: 6000, k: 'node-power-on', node: 'a' },
      { t: 6000, k: 'node-up', node: 'a', incarnation: 4 },
    ]);
  });
});

describe('CPU pools', () => {
  it('serve jobs first come first served on their threads', () => {
    const done: [string, number][] = [];
    const actor = new ScriptedActor({
      onStart: (ctx) => {
        ctx.definePool('request-handler', 2);
        for (const name of ['j1', 'j2', 'j3', 'j4', 'j5']) ctx.compute('request-handler', 10, () => done.push([name, ctx.now]));
      },
    });
    const t = buildWorld([{ id: 'a', actor }]);
    t.world.runUntil(1000);
    expect(done).toEqual([['j1', 10], ['j2', 10], ['j3', 20], ['j4', 20], ['j5', 30]]);
  });

  it('the default pool has one thread per core and fractional costs add up exactly', () => {
    const done: number[] = [];
    const actor = new ScriptedActor({
      onStart: (ctx) => {
        // 4 cores (TEST_HARDWARE); 0.25 µs jobs: 4000 of them per thread take 1000 µs.
        for (let i = 0; i < 16_000; i++) ctx.compute(0.25, (index: number) => done.push(index), i);
        ctx.compute(0.25, () => done.push(ctx.now));
      },
    });
    const t = buildWorld([{ id: 'a', actor }]);
    t.world.runUntil(10_000);
    expect(done).toHaveLength(16_001);
    expect(done.at(-1)).toBe(1001);
  });

  it('a pause delays CPU work in progress by the pause’s length', () => {
    const done: number[] = [];
    const actor = new ScriptedActor({
      onStart: (ctx) => {
        ctx.definePool('one', 1);
        ctx.compute('one', 10_000, () => done.push(ctx.now));
        ctx.compute('one', 10_000, () => done.push(ctx.now));
      },
    });
    const t = buildWorld([{ id: 'a', actor }]);
    at(t.scheduler, 5000, () => t.world.pause('a', 20_000));
    t.world.runUntil(100_000);
    expect(done).toEqual([30_000, 40_000]);
  });

  it('a crash discards unfinished CPU work', () => {
    const done: number[] = [];
    const actor = new ScriptedActor({ onStart: (ctx) => ctx.compute(10_000, () => done.push(ctx.incarnation)) });
    const t = buildWorld([{ id: 'a', actor }]);
    at(t.scheduler, 5000, () => t.world.crash('a'));
    at(t.scheduler, 6000, () => t.world.restart('a'));
    t.world.runUntil(100_000);
    expect(done).toEqual([2]);
  });

  it('an unknown pool is a simulator bug naming the pool', () => {
    const actor = new ScriptedActor({ onStart: (ctx) => ctx.compute('network', 1, () => {}) });
    expect(() => buildWorld([{ id: 'a', actor }])).toThrow(/no CPU pool "network"/);
  });
});
