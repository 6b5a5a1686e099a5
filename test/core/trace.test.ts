import { describe, expect, it } from 'vitest';
import { Fnv1a64, Level, MemorySink, Trace } from '../../sim/core/trace.ts';
import { Scheduler } from '../../sim/core/scheduler.ts';

function run(detail: 'summary' | 'standard' | 'full', mutate = false): { hash: string; sink: MemorySink } {
  const scheduler = new Scheduler();
  const sink = new MemorySink(true);
  const trace = new Trace(scheduler, { detail, sinks: [sink] });
  scheduler.schedule(10, () => trace.emit('broker-down', { broker: 2 }, Level.Summary));
  scheduler.schedule(20, () => trace.emit('net-msg', { from: 1, to: 2 }, Level.Full));
  scheduler.schedule(30, () => trace.emit('isr', { partition: 'orders/0', isr: mutate ? [1] : [1, 3] }));
  scheduler.runToCompletion();
  return { hash: trace.traceHash, sink };
}

describe('Trace', () => {
  it('writes NDJSON lines with i, t and k first', () => {
    const { sink } = run('full');
    expect(sink.lines).toEqual([
      '{"i":0,"t":10,"k":"broker-down","broker":2}',
      '{"i":1,"t":20,"k":"net-msg","from":1,"to":2}',
      '{"i":2,"t":30,"k":"isr","partition":"orders/0","isr":[1,3]}',
    ]);
    expect(sink.events[2]).toEqual({ i: 2, t: 30, k: 'isr', partition: 'orders/0', isr: [1, 3] });
  });

  it('gives the same hash at every detail level and keeps event numbers stable', () => {
    const full = run('full');
    const summary = run('summary');
    expect(run('standard').hash).toBe(full.hash);
    expect(summary.hash).toBe(full.hash);
    expect(summary.sink.events.map((e) => e.i)).toEqual([0]);
  });

  it('changes the hash when any hashed event changes', () => {
    expect(run('standard', true).hash).not.toBe(run('standard').hash);
  });

  it('computes FNV-1a 64 exactly (published test vectors)', () => {
    const hash = (text: string): string => {
      const h = new Fnv1a64();
      for (const c of text) h.byte(c.charCodeAt(0));
      return h.hex();
    };
    expect(hash('')).toBe('cbf29ce484222325');
    expect(hash('a')).toBe('af63dc4c8601ec8c');
    expect(hash('foobar')).toBe('85944171f73967e8');
  });

  it('hashes non-ASCII text as UTF-8', () => {
    const viaString = new Fnv1a64();
    viaString.updateLine('é€😀');
    const viaBytes = new Fnv1a64();
    for (const b of [0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0x0a]) viaBytes.byte(b);
    expect(viaString.hex()).toBe(viaBytes.hex());
  });
});
