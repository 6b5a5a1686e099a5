// Assertions guard the simulator's own invariants (DESIGN §1.6): a Kafka-level failure is a value
// that clients handle, but a broken assertion is a bug in kafka-sim. It stops the run with exit
// code 3, and the scheduler stamps it with the seed and simulated time so the failure replays with
// one command.

export const EXIT_SIMULATOR_BUG = 3;

export class SimAssertionError extends Error {
  override readonly name = 'SimAssertionError';
  readonly exitCode = EXIT_SIMULATOR_BUG;
  seed: number | string | undefined;
  timeUs: number | undefined;

  constructor(readonly detail: string) {
    super(detail);
  }

  /** Adds the seed and time once, at the point the scheduler catches the failure. */
  withContext(seed: number | string, timeUs: number): this {
    if (this.seed === undefined) {
      this.seed = seed;
      this.timeUs = timeUs;
      this.message = `simulator assertion failed at t=${timeUs}us (seed ${seed}): ${this.detail}`;
    }
    return this;
  }
}

export function assert(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) {
    throw new SimAssertionError(typeof message === 'function' ? message() : message);
  }
}

export function unreachable(value: never, what: string): never {
  throw new SimAssertionError(`unreachable: unexpected ${what} ${JSON.stringify(value)}`);
}
