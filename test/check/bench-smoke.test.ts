import { describe, expect, it } from 'vitest';
import { benchChecker, checkerLines } from '../../bench/checker.ts';

describe('checker benchmark', () => {
  it('checks a synthetic history and finds exactly the planted lost and duplicated batches', () => {
    const [row] = benchChecker(false, [{ name: 'smoke', records: 100_000, partitions: 4, producers: 2, maxBatchRecords: 10 }]);
    expect(row).toMatchObject({ records: 100_000, verdict: 'invalid' });
    expect(row!.batches).toBeGreaterThan(15_000);
    expect(row!.lostAckedWrites).toBeGreaterThan(0);
    expect(row!.duplicates).toBeGreaterThan(0);
    expect(checkerLines([row!]).join('\n')).toMatch(/M records\/s/);
  });
});
