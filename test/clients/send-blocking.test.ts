import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../sim/core/scheduler.ts';
import { SendBlocking, type BlockTimeoutError, type SendBlockingParts } from '../../sim/clients/send-blocking.ts';

/** A SendBlocking on a bare scheduler, with the metadata, accumulator and Sender it touches reduced to counters. */
function blockingWorld() {
  const scheduler = new Scheduler();
  const log = { topicsAdded: [] as string[], updatesRequested: 0, wakeups: 0, retries: [] as [number, number][], expiries: [] as BlockTimeoutError[] };
  const accumulator = { memoryWaiter: false };
  const parts = {
    ctx: { get now() { return scheduler.now; }, setTimer: (delayUs: number, fn: () => void) => scheduler.schedule(delayUs, fn), cancelTimer: (id: number) => scheduler.cancel(id) },
    metadata: { addTopic: (topic: string) => log.topicsAdded.push(topic), requestUpdate: () => log.updatesRequested++ },
    accumulator,
    sender: { wakeup: () => log.wakeups++ },
  } as unknown as SendBlockingParts;
  const blocking = new SendBlocking(parts, { retry: (deadlineUs, partition) => log.retries.push([deadlineUs, partition]), expire: (error) => log.expiries.push(error) });
  return { scheduler, log, accumulator, blocking };
}

describe('SendBlocking (max.block.ms)', () => {
  it('asks for the topic and waits for metadata, then retries with the same deadline and no partition', () => {
    const { scheduler, log, blocking } = blockingWorld();
    expect(blocking.waitForMetadata('orders', 500)).toBeNull();
    expect(log.topicsAdded).toEqual(['orders']);
    expect(log.updatesRequested).toBe(1);
    expect(log.wakeups).toBe(1);
    expect(blocking.blocked).toBe(true);
    blocking.onMemoryFreed();
    expect(log.retries).toEqual([]);
    scheduler.runUntil(200);
    blocking.onMetadataUpdate();
    expect(log.retries).toEqual([[500, -1]]);
    expect(blocking.blocked).toBe(false);
    scheduler.runUntil(1_000);
    expect(log.expiries).toEqual([]);
  });

  it('marks the accumulator as having a memory waiter until buffer.memory is freed, and keeps the chosen partition', () => {
    const { log, accumulator, blocking } = blockingWorld();
    expect(blocking.waitForMemory(3, 800)).toBeNull();
    expect(accumulator.memoryWaiter).toBe(true);
    expect(log.wakeups).toBe(1);
    blocking.onMetadataUpdate();
    expect(log.retries).toEqual([]);
    blocking.onMemoryFreed();
    expect(log.retries).toEqual([[800, 3]]);
    expect(accumulator.memoryWaiter).toBe(false);
  });

  it('fails a wait with BUFFER_EXHAUSTED or METADATA_TIMEOUT exactly when max.block.ms runs out', () => {
    for (const [wait, error] of [[(b: SendBlocking) => b.waitForMemory(0, 300), 'BUFFER_EXHAUSTED'], [(b: SendBlocking) => b.waitForMetadata('orders', 300), 'METADATA_TIMEOUT']] as const) {
      const { scheduler, log, accumulator, blocking } = blockingWorld();
      expect(wait(blocking)).toBeNull();
      scheduler.runUntil(299);
      expect(log.expiries).toEqual([]);
      scheduler.runUntil(300);
      expect(log.expiries).toEqual([error]);
      expect(blocking.blocked).toBe(false);
      expect(accumulator.memoryWaiter).toBe(false);
    }
  });

  it('returns the error at once, without waiting, when the deadline has already passed', () => {
    const { scheduler, log, accumulator, blocking } = blockingWorld();
    scheduler.runUntil(300);
    expect(blocking.waitForMemory(1, 300)).toBe('BUFFER_EXHAUSTED');
    expect(blocking.waitForMetadata('orders', 300)).toBe('METADATA_TIMEOUT');
    expect(blocking.blocked).toBe(false);
    expect(accumulator.memoryWaiter).toBe(false);
    expect(scheduler.pending).toBe(0);
  });
});
