// Sequential control flow for actor code that waits on the simulated world: the controller's
// event thread reads ZooKeeper, pays CPU time, writes ZooKeeper, and only then takes its next
// event (ControllerEventManager processes one event at a time). Written as callbacks, each such
// step nests one level deeper; written as a generator, it reads like Kafka's blocking Scala code:
//
//   const children = yield* wait<string[]>((resume) => zk.getChildren(path, resume));
//   yield* wait((resume) => ctx.setTimer(costUs, resume));
//
// A generator yields an `Await` (a function that starts an operation and calls `resume` once with
// its result); the driver resumes the generator with that result. JavaScript promises cannot do
// this job: their continuations run as microtasks after the whole scheduler loop returns, not at
// the simulated instant the result arrives.
//
// A task is abandoned, not cancelled: when `alive()` turns false (the controller resigned, the
// process was restarted), a later resume is ignored and the generator is never stepped again.
// A task may also give up by throwing `TaskAborted` (Kafka's code throws ControllerMovedException
// or a KeeperException out of a controller event): the driver reports it to `onAbort`. Any other
// exception is a simulator bug and propagates.

import { assert } from '../core/assert.ts';

/** Starts an operation; calls `resume` exactly once with its result (synchronously or later). */
export type Await<T> = (resume: (value: T) => void) => void;

export type Task<R> = Generator<Await<unknown>, R, unknown>;

/** Waits for one operation inside a task: `const x = yield* wait(op)`. */
export function* wait<T>(operation: Await<T>): Task<T> {
  return (yield operation as Await<unknown>) as T;
}

/** Waits for all operations, started together, and returns their results in order. */
export function* waitAll<T>(operations: readonly Await<T>[]): Task<T[]> {
  if (operations.length === 0) return [];
  return yield* wait<T[]>((resume) => {
    const results: T[] = new Array<T>(operations.length);
    let remaining = operations.length;
    operations.forEach((operation, index) => {
      operation((value) => {
        results[index] = value;
        if (--remaining === 0) resume(results);
      });
    });
  });
}

/** Thrown inside a task to end it early with a reason (see the header). */
export class TaskAborted extends Error {
  override readonly name = 'TaskAborted';
}

/**
 * Runs `task` to completion, then calls `onDone` with its result. Resumptions arriving while the
 * task is not `alive()` are dropped. A synchronous resume continues in a loop, not by recursion,
 * so long chains of immediately available results cannot overflow the stack.
 */
export function runTask<R>(
  task: Task<R>,
  onDone: (result: R) => void,
  alive: () => boolean,
  onAbort: (error: TaskAborted) => void = () => undefined,
): void {
  const advance = (input: unknown): void => {
    let value = input;
    for (;;) {
      let step: IteratorResult<Await<unknown>, R>;
      try {
        step = task.next(value);
      } catch (error) {
        if (!(error instanceof TaskAborted)) throw error;
        onAbort(error);
        return;
      }
      if (step.done === true) {
        onDone(step.value);
        return;
      }
      let synchronous = true;
      let resumedSynchronously = false;
      let resumed = false;
      let syncValue: unknown;
      step.value((result) => {
        assert(!resumed, 'runTask: an operation resumed its task twice');
        resumed = true;
        if (synchronous) {
          resumedSynchronously = true;
          syncValue = result;
        } else if (alive()) {
          advance(result);
        }
      });
      synchronous = false;
      if (!resumedSynchronously) return;
      value = syncValue;
    }
  };
  advance(undefined);
}
