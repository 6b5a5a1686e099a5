import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../sim/core/scheduler.ts';
import { SimAssertionError, assert } from '../../sim/core/assert.ts';

describe('Scheduler', () => {
  it('runs events in time order and ties in the order they were scheduled', () => {
    const scheduler = new Scheduler();
    const log: string[] = [];
    scheduler.schedule(20, (name: string) => log.push(`${name}@${scheduler.now}`), 'late');
    scheduler.schedule(10, (name: string) => log.push(`${name}@${scheduler.now}`), 'first');
    scheduler.schedule(10, (name: string) => log.push(`${name}@${scheduler.now}`), 'second');
    scheduler.runToCompletion();
    expect(log).toEqual(['first@10', 'second@10', 'late@20']);
  });

  it('runUntil runs only what is due and leaves the clock at the horizon', () => {
    const scheduler = new Scheduler();
    const ran: number[] = [];
    for (const t of [5, 10, 15]) scheduler.schedule(t, () => ran.push(t));
    expect(scheduler.runUntil(10)).toBe(2);
    expect(ran).toEqual([5, 10]);
    expect(scheduler.now).toBe(10);
    scheduler.schedule(1, () => ran.push(11));
    scheduler.runUntil(100);
    expect(ran).toEqual([5, 10, 11, 15]);
    expect(scheduler.now).toBe(100);
  });

  it('a cancelled timer never fires', () => {
    const scheduler = new Scheduler();
    let fired = false;
    const id = scheduler.schedule(5, () => {
      fired = true;
    });
    scheduler.cancel(id);
    scheduler.runUntil(10);
    expect(fired).toBe(false);
    expect(scheduler.pending).toBe(0);
  });

  it('rejects a negative or fractional delay naming the value', () => {
    const scheduler = new Scheduler({ seed: 7 });
    expect(() => scheduler.schedule(-3, () => {})).toThrow(/delay -3us/);
    expect(() => scheduler.schedule(1.5, () => {})).toThrow(SimAssertionError);
  });

  it('stamps an assertion failing inside a handler with the seed and the time', () => {
    const scheduler = new Scheduler({ seed: 42 });
    scheduler.schedule(1234, () => assert(false, 'replica LEO went backwards'));
    expect(() => scheduler.runToCompletion()).toThrow(/t=1234us \(seed 42\): replica LEO went backwards/);
  });

  it('stops a run that exceeds its event budget', () => {
    const scheduler = new Scheduler({ maxEvents: 100 });
    const again = (): void => {
      scheduler.schedule(1, again);
    };
    again();
    expect(() => scheduler.runToCompletion()).toThrow(/limit of 100 events/);
  });

  it('run(n) executes at most n events', () => {
    const scheduler = new Scheduler();
    for (let i = 0; i < 10; i++) scheduler.schedule(i, () => {});
    expect(scheduler.run(4)).toBe(4);
    expect(scheduler.events).toBe(4);
    expect(scheduler.pending).toBe(6);
  });

  it('a late event runs after every ordinary event of its microsecond, even those scheduled during it', () => {
    const scheduler = new Scheduler();
    const log: string[] = [];
    scheduler.scheduleLate(10, 0, () => log.push(`late@${scheduler.now}`));
    scheduler.schedule(10, () => {
      log.push(`ordinary@${scheduler.now}`);
      scheduler.schedule(0, () => log.push(`spawned@${scheduler.now}`));
    });
    scheduler.schedule(11, () => log.push(`next@${scheduler.now}`));
    scheduler.runToCompletion();
    expect(log).toEqual(['ordinary@10', 'spawned@10', 'late@10', 'next@11']);
  });

  it('late events of one microsecond run by rank, then in the order they were scheduled', () => {
    const scheduler = new Scheduler();
    const log: string[] = [];
    scheduler.scheduleLate(5, 7, () => log.push('rank7-a'));
    scheduler.scheduleLate(5, 2, () => log.push('rank2'));
    scheduler.scheduleLate(5, 7, () => log.push('rank7-b'));
    scheduler.scheduleLate(4, 9, () => log.push('earlier'));
    scheduler.runToCompletion();
    expect(log).toEqual(['earlier', 'rank2', 'rank7-a', 'rank7-b']);
  });

  it('a cancelled late event never fires and cancelling it again is harmless', () => {
    const scheduler = new Scheduler();
    const log: string[] = [];
    const id = scheduler.scheduleLate(5, 1, () => log.push('cancelled'));
    scheduler.scheduleLate(5, 1, () => log.push('kept'));
    scheduler.cancel(id);
    scheduler.cancel(id);
    scheduler.runToCompletion();
    expect(log).toEqual(['kept']);
  });
});
