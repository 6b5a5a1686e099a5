import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Outcome, outcomeName, ProducerHistory } from '../../sim/clients/history.ts';
import { LatencyHistogram } from '../../sim/clients/producer-metrics.ts';
import { SimAssertionError } from '../../sim/core/assert.ts';
import { FC_SEED } from './producer-world.ts';

/** A history of one partition with batches of the given sizes, invoked 10 µs apart. */
function historyWithBatches(sizes: readonly number[]): ProducerHistory {
  const history = new ProducerHistory('p1');
  const partition = history.partitionIndex('orders/0');
  let timeUs = 0;
  for (const size of sizes) {
    const range = history.openRange(partition, timeUs);
    for (let i = 0; i < size; i++) history.appendRecord(partition, range, (timeUs += 10), -1);
  }
  return history;
}

describe('producer history', () => {
  it('finds the batch of any record and the offset it was acknowledged at', () => {
    const sizes = [3, 1, 70, 5, 200];
    const history = historyWithBatches(sizes);
    history.complete(0, Outcome.Ok, 5000, 100, 2, null);
    history.complete(2, Outcome.Info, 6000, -1, -1, 'REQUEST_TIMED_OUT');
    let first = 0;
    sizes.forEach((size, id) => {
      for (let record = first; record < first + size; record++) expect(history.rangeOf('orders/0', record).id).toBe(id);
      first += size;
    });
    expect(history.offsetOf('orders/0', 2)).toBe(102);
    expect(history.offsetOf('orders/0', 3)).toBe(-1);
    expect(history.rangeOf('orders/0', 10)).toMatchObject({ outcome: Outcome.Info, error: 'REQUEST_TIMED_OUT', firstRecord: 4, count: 70 });
    expect(history.recordCount('orders/0')).toBe(279);
    expect(history.invokeUs('orders/0', 0)).toBe(10);
  });

  it('counts records by outcome: ok, acknowledged (with an offset), failed, unknown, pending', () => {
    const history = historyWithBatches([2, 3, 4, 5]);
    history.complete(0, Outcome.Ok, 100, 0, 0, null);
    history.complete(1, Outcome.Ok, 100, -1, -1, null);
    history.complete(2, Outcome.Fail, 100, -1, -1, 'NOT_ENOUGH_REPLICAS');
    history.failUnappended(50, 60, 7, 'BUFFER_EXHAUSTED');
    expect(history.totals()).toEqual({ invoked: 15, ok: 5, acknowledged: 2, failed: 5, unknown: 0, pending: 5 });
    history.resolvePending(200, 'CLIENT_CRASHED');
    expect(history.totals()).toMatchObject({ unknown: 5, pending: 0 });
    expect(history.unappendedFailures).toEqual([{ invokeUs: 50, completeUs: 60, keyIndex: 7, error: 'BUFFER_EXHAUSTED' }]);
    expect(outcomeName(Outcome.Info)).toBe('info');
  });

  it('refuses to end a batch twice (a simulator bug)', () => {
    const history = historyWithBatches([1]);
    history.complete(0, Outcome.Ok, 1, 0, 0, null);
    expect(() => history.complete(0, Outcome.Fail, 2, -1, -1, 'X')).toThrow(SimAssertionError);
  });

  it('reports nearest-rank latency percentiles of the ok records', () => {
    const history = historyWithBatches([4]);
    history.complete(0, Outcome.Ok, 1000, 0, 0, null);
    // Invoked at 10, 20, 30, 40 µs and acknowledged at 1000 µs.
    expect(history.latencyPercentilesMs([0, 50, 75, 100])).toEqual([0.96, 0.97, 0.98, 0.99]);
    expect(historyWithBatches([1]).latencyPercentilesMs([50])).toEqual([Number.NaN]);
  });
});

describe('latency histogram', () => {
  it('is exact below 64 µs and within about 3 % above', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 200_000_000 }), { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 100 }), (values, percentile) => {
        const histogram = new LatencyHistogram();
        for (const value of values) histogram.record(value);
        const sorted = [...values].sort((a, b) => a - b);
        const exact = sorted[Math.max(1, Math.ceil((percentile / 100) * sorted.length)) - 1] as number;
        const estimate = histogram.percentileUs(percentile);
        if (exact < 64) expect(estimate).toBe(exact);
        else expect(Math.abs(estimate - exact)).toBeLessThanOrEqual(exact * (1 / 32));
      }),
      { seed: FC_SEED },
    );
  });

  it('is empty again after a reset', () => {
    const histogram = new LatencyHistogram();
    histogram.record(500);
    histogram.reset();
    expect(histogram.count).toBe(0);
    expect(histogram.percentileUs(99)).toBeNaN();
  });
});
