// Model-based check of PartitionLog: random appends, truncations, recoveries, start-offset moves
// and retention passes run against both the real log (slots, sparse index, incremental sizes,
// array compaction) and a naive model (segments as plain arrays, every query a linear scan).
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { PartitionLog, type LogConfig } from '../../sim/kafka/log.ts';
import type { EpochEntry } from '../../sim/kafka/epoch-cache.ts';

interface ModelBatch {
  base: number;
  last: number;
  records: number;
  size: number;
  timestampUs: number;
  epoch: number;
  endPosition: number;
}

interface ModelSegment {
  base: number;
  batches: ModelBatch[];
  indexKeys: number[];
  bytesSinceIndex: number;
}

const segmentAt = (base: number): ModelSegment => ({ base, batches: [], indexKeys: [], bytesSinceIndex: 0 });

const sum = (xs: readonly ModelBatch[], field: 'size' | 'records'): number =>
  xs.reduce((total, b) => total + b[field], 0);

class NaiveLog {
  segments: ModelSegment[] = [segmentAt(0)];
  leo = 0;
  start = 0;
  nextPosition = 0;

  constructor(readonly config: LogConfig) {}

  get all(): ModelBatch[] {
    return this.segments.flatMap((s) => s.batches);
  }

  append(records: number, size: number, timestampUs: number, epoch: number): void {
    const active = this.segments[this.segments.length - 1]!;
    const first = active.batches[0];
    if (first && (sum(active.batches, 'size') + size > this.config.segmentBytes ||
        timestampUs - first.timestampUs > this.config.segmentMs * 1000)) {
      this.segments.push(segmentAt(this.leo));
    }
    this.nextPosition += size;
    const batch = { base: this.leo, last: this.leo + records - 1, records, size, timestampUs, epoch, endPosition: this.nextPosition };
    const segment = this.segments[this.segments.length - 1]!;
    if (segment.bytesSinceIndex > this.config.indexIntervalBytes) {
      segment.indexKeys.push(batch.last);
      segment.bytesSinceIndex = 0;
    }
    segment.bytesSinceIndex += size;
    segment.batches.push(batch);
    this.leo = batch.last + 1;
  }

  truncateTo(target: number): void {
    if (target >= this.leo) return;
    if (target < this.segments[0]!.base) {
      this.segments = [segmentAt(target)];
      this.leo = this.start = target;
      return;
    }
    const newLeo = this.all.find((b) => b.last >= target)!.base;
    this.segments = this.segments.filter((s, i) => i === 0 || s.base <= newLeo);
    const active = this.segments[this.segments.length - 1]!;
    active.batches = active.batches.filter((b) => b.last < target);
    active.indexKeys = active.indexKeys.filter((key) => key < target);
    active.bytesSinceIndex = 0;
    this.leo = newLeo;
    this.start = Math.min(this.start, newLeo);
  }

  /** Returns the deleted segments as [base offset, reason]. */
  retention(nowUs: number, hw: number): [number, string][] {
    const deleted: [number, string][] = [];
    this.deleteOld((_, next) => next !== undefined && next.base <= this.start, hw, 'log-start-offset', deleted);
    const total = sum(this.all, 'size');
    if (this.config.retentionBytes >= 0 && total >= this.config.retentionBytes) {
      let excess = total - this.config.retentionBytes;
      const fits = (s: ModelSegment): boolean => excess - sum(s.batches, 'size') >= 0 && (excess -= sum(s.batches, 'size')) >= 0;
      this.deleteOld(fits, hw, 'retention-bytes', deleted);
    }
    if (this.config.retentionMs >= 0) {
      const expired = (s: ModelSegment): boolean =>
        nowUs - Math.max(-1, ...s.batches.map((b) => b.timestampUs)) > this.config.retentionMs * 1000;
      this.deleteOld(expired, hw, 'retention-ms', deleted);
    }
    return deleted;
  }

  private deleteOld(
    shouldDelete: (s: ModelSegment, next: ModelSegment | undefined) => boolean,
    hw: number,
    reason: string,
    deleted: [number, string][],
  ): void {
    let count = 0;
    for (; count < this.segments.length; count++) {
      const s = this.segments[count]!;
      const next = this.segments[count + 1];
      if (!next && s.batches.length === 0) break;
      if (hw < (next ? next.base : this.leo) || !shouldDelete(s, next)) break;
    }
    if (count === 0) return;
    if (count === this.segments.length) this.segments.push(segmentAt(this.leo));
    for (const s of this.segments.splice(0, count)) deleted.push([s.base, reason]);
    this.start = Math.max(this.start, this.segments[0]!.base);
  }

  read(from: number, maxBytes: number, maxOffset: number): number[] {
    if (from >= this.leo || from >= maxOffset) return [];
    const segment = this.segments.find((s) => s.batches.some((b) => b.last >= from))!;
    const out: ModelBatch[] = [];
    for (const b of segment.batches.filter((b) => b.last >= from)) {
      if (b.last >= maxOffset || (out.length > 0 && sum(out, 'size') + b.size > maxBytes)) break;
      out.push(b);
    }
    return out.map((b) => b.base);
  }
}

type Op =
  | { kind: 'append'; records: number; size: number; stepMs: number }
  | { kind: 'bumpEpoch' }
  | { kind: 'truncate'; at: number }
  | { kind: 'truncateFully'; at: number }
  | { kind: 'recover'; at: number }
  | { kind: 'advanceStart'; at: number }
  | { kind: 'retention'; stepMs: number; hwAt: number };

/** A position in a range, as a fraction (fc.double would crowd near 0: it is uniform over doubles). */
const fraction = fc.integer({ min: 0, max: 1100 }).map((permille) => permille / 1000);
/** Ops; `destructive` weighs truncations and recoveries (0 lets logs grow and retention bite). */
const op = (destructive: number): fc.Arbitrary<Op> => fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('append' as const), records: fc.integer({ min: 1, max: 4 }), size: fc.integer({ min: 20, max: 160 }), stepMs: fc.nat(2500) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('bumpEpoch' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('advanceStart' as const), at: fraction }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('retention' as const), stepMs: fc.nat(20_000), hwAt: fraction }) },
  { weight: destructive, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fraction }) },
  { weight: destructive, arbitrary: fc.record({ kind: fc.constant('truncateFully' as const), at: fraction }) },
  { weight: destructive, arbitrary: fc.record({ kind: fc.constant('recover' as const), at: fraction }) },
);
const steps = fc.constantFrom(0, 1, 2).chain((destructive) =>
  fc.array(fc.tuple(op(destructive), fraction, fc.nat(700)), { maxLength: 150, size: 'max' }));

const config: fc.Arbitrary<LogConfig> = fc.record({
  segmentBytes: fc.constantFrom(160, 400, 1000),
  segmentMs: fc.constantFrom(3000, 60_000),
  retentionMs: fc.constantFrom(-1, -1, 4000, 60_000),
  retentionBytes: fc.constantFrom(-1, -1, 300, 2000),
  indexIntervalBytes: fc.constantFrom(0, 100, 300),
});

const between = (low: number, high: number, f: number): number => Math.floor(low + (high - low) * f);

function epochAt(entries: readonly EpochEntry[], offset: number): number | undefined {
  let epoch: number | undefined;
  for (const entry of entries) if (entry.startOffset <= offset) epoch = entry.epoch;
  return epoch;
}

function expectSameState(log: PartitionLog<number>, model: NaiveLog, probe: number, maxBytes: number): void {
  const all = model.all;
  const fromStart = all.filter((b) => b.last >= model.start);
  const entries = log.epochCache.epochEntries();
  const from = between(model.start, model.leo + 1, Math.min(probe, 0.999));
  const bound = between(from, model.leo + 2, probe);
  const actual = {
    offsets: [log.logStartOffset, log.logEndOffset, log.nextBytePosition, log.sizeBytes, log.recordCount],
    batches: [...log.batches()].map((b) => [b.baseOffset, b.lastOffset, b.endBytePosition]),
    segments: log.segmentInfos().map((s) => [s.baseOffset, s.batchCount, s.sizeBytes, s.largestTimestampUs, s.indexEntryCount]),
    lookups: all.map((b) => log.batchContaining(b.last)?.baseOffset),
    epochs: fromStart.map((b) => epochAt(entries, Math.max(b.base, model.start))),
    read: log.read(from, maxBytes, bound).batches.map((b) => b.baseOffset),
  };
  const expected = {
    offsets: [model.start, model.leo, model.nextPosition, sum(all, 'size'), sum(all, 'records')],
    batches: all.map((b) => [b.base, b.last, b.endPosition]),
    segments: model.segments.map((s) =>
      [s.base, s.batches.length, sum(s.batches, 'size'), Math.max(-1, ...s.batches.map((b) => b.timestampUs)), s.indexKeys.length]),
    lookups: all.map((b) => b.base),
    epochs: fromStart.map((b) => b.epoch),
    read: model.read(from, maxBytes, bound),
  };
  // Comparing the serialised forms first keeps 30,000 checks fast; toEqual then shows the diff.
  if (JSON.stringify(actual) !== JSON.stringify(expected)) expect(actual).toEqual(expected);
  expectEpochsInStep(entries, model);
}

/** One cache entry per epoch of the records from the log start on, none outside [start, LEO). */
function expectEpochsInStep(entries: readonly EpochEntry[], model: NaiveLog): void {
  const epochs = [...new Set(model.all.filter((b) => b.last >= model.start).map((b) => b.epoch))];
  if (epochs.length > 0) expect(entries.map((e) => e.epoch)).toEqual(epochs);
  else expect(entries.length).toBeLessThanOrEqual(1);
  const outside = entries.filter((e) => e.startOffset < model.start || (e.startOffset >= model.leo && e.startOffset !== model.start));
  expect(outside).toEqual([]);
}

function run(log: PartitionLog<number>, model: NaiveLog, o: Op, clock: { nowUs: number; epoch: number }): void {
  switch (o.kind) {
    case 'append': {
      clock.nowUs += o.stepMs * 1000;
      const input = { recordCount: o.records, leaderEpoch: clock.epoch, producerId: -1, producerEpoch: -1, baseSequence: -1, sizeBytes: o.size, appendTimeUs: clock.nowUs, maxTimestampUs: clock.nowUs, payload: model.leo };
      if (o.size > model.config.segmentBytes) return;
      log.append(input);
      model.append(o.records, o.size, clock.nowUs, clock.epoch);
      return;
    }
    case 'bumpEpoch':
      clock.epoch++;
      return;
    case 'truncate':
      log.truncateTo(between(0, model.leo + 1, o.at));
      model.truncateTo(between(0, model.leo + 1, o.at));
      return;
    case 'truncateFully': {
      const at = between(0, model.leo + 3, o.at);
      log.truncateFullyAndStartAt(at);
      model.segments = [segmentAt(at)];
      model.leo = model.start = at;
      return;
    }
    case 'recover': {
      const firstLost = model.all.find((b) => b.endPosition > between(0, model.nextPosition + 1, o.at));
      log.recoverTo(between(0, model.nextPosition + 1, o.at));
      if (firstLost) model.truncateTo(firstLost.base);
      return;
    }
    case 'advanceStart': {
      const at = Math.min(model.leo, between(model.start, model.leo + 1, o.at));
      log.advanceLogStartOffset(at);
      model.start = Math.max(model.start, at);
      return;
    }
    case 'retention': {
      clock.nowUs += o.stepMs * 1000;
      const hw = Math.min(model.leo, between(model.start, model.leo + 1, o.hwAt));
      const deleted = log.applyRetention(clock.nowUs, hw).map((s) => [s.baseOffset, s.reason]);
      expect(deleted).toEqual(model.retention(clock.nowUs, hw));
      return;
    }
  }
}

describe('PartitionLog against a naive model', () => {
  it('agrees on offsets, segments, sizes, positions, lookups, reads and epochs after every step', () => {
    fc.assert(
      fc.property(config, steps, (cfg, stepList) => {
        const log = new PartitionLog<number>({ config: cfg });
        const model = new NaiveLog(cfg);
        const clock = { nowUs: 0, epoch: 0 };
        for (const [o, probe, maxBytes] of stepList) {
          run(log, model, o, clock);
          expectSameState(log, model, probe, maxBytes);
        }
      }),
      { numRuns: 200 },
    );
  });
});
