import { describe, it, expect } from 'vitest';
import { Scheduler } from '../../sim/core/scheduler.ts';
import { TaskAborted, runTask, wait, waitAll, type Await, type Task } from '../../sim/kafka/task.ts';

/** An operation that answers `value` after `delayUs` of simulated time. */
function later<T>(scheduler: Scheduler, delayUs: number, value: T): Await<T> {
  return (resume) => scheduler.schedule(delayUs, () => resume(value));
}

describe('tasks over simulated time', () => {
  it('run sequentially, each wait resuming at the simulated instant its result arrives', () => {
    const scheduler = new Scheduler();
    const seen: [string, number][] = [];
    function* steps(): Task<number> {
      const a = yield* wait(later(scheduler, 5, 1));
      seen.push(['a', scheduler.now]);
      const b = yield* wait(later(scheduler, 7, 2));
      seen.push(['b', scheduler.now]);
      return a + b;
    }
    let result = 0;
    runTask(steps(), (value) => (result = value), () => true);
    scheduler.runToCompletion();
    expect(seen).toEqual([['a', 5], ['b', 12]]);
    expect(result).toBe(3);
  });

  it('waitAll starts every operation at once and returns results in order', () => {
    const scheduler = new Scheduler();
    function* both(): Task<string[]> {
      return yield* waitAll([later(scheduler, 9, 'slow'), later(scheduler, 2, 'fast')]);
    }
    let result: string[] = [];
    runTask(both(), (value) => (result = value), () => true);
    scheduler.runToCompletion();
    expect(result).toEqual(['slow', 'fast']);
    expect(scheduler.now).toBe(9);
  });

  it('a long chain of synchronous results does not grow the stack', () => {
    function* many(): Task<number> {
      let sum = 0;
      for (let i = 0; i < 200_000; i++) sum += yield* wait<number>((resume) => resume(1));
      return sum;
    }
    let result = 0;
    runTask(many(), (value) => (result = value), () => true);
    expect(result).toBe(200_000);
  });

  it('an abandoned task never resumes, and TaskAborted ends a task through onAbort', () => {
    const scheduler = new Scheduler();
    let alive = true;
    let resumed = false;
    function* abandoned(): Task<void> {
      yield* wait(later(scheduler, 5, 0));
      resumed = true;
    }
    runTask(abandoned(), () => undefined, () => alive);
    alive = false;
    scheduler.runToCompletion();
    expect(resumed).toBe(false);
    function* failing(): Task<void> {
      yield* wait<void>((resume) => resume());
      throw new TaskAborted('controller moved');
    }
    let reason = '';
    runTask(failing(), () => undefined, () => true, (error) => (reason = error.message));
    expect(reason).toBe('controller moved');
  });

  it('any other exception is a simulator bug and propagates', () => {
    function* broken(): Task<void> {
      throw new Error('bug');
    }
    expect(() => runTask(broken(), () => undefined, () => true)).toThrow('bug');
  });
});
