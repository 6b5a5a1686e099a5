// Hard bounds of the kernel (TigerBeetle's rule: every queue and loop has a limit, and exceeding
// it is a clear error rather than a hang or an out-of-memory crash).

/** Events pending at once. 16 M events is far beyond any sane scenario (10^6 is benchmarked). */
export const MAX_PENDING_EVENTS = 2 ** 24;

/** Events one run may execute before it is stopped as runaway. */
export const MAX_EVENTS_PER_RUN = 2_000_000_000;

/** Events that may run at one instant of simulated time before we call it a livelock. */
export const MAX_EVENTS_AT_ONE_INSTANT = 10_000_000;
