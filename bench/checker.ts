// The history checker's benchmark: a synthetic run of N records (producers sending batches to
// partitions, three replicas per partition with their own batch objects, one consumer group
// reading and processing every batch), with a few anomalies planted (dropped and duplicated
// batches, info outcomes), checked by checkRun. It reports records per second of checking; the
// time to build the input is reported apart. Maelstrom's Kafka checker is known to take 45
// minutes on large histories; ours should take seconds on ten million records.

import { performance } from 'node:perf_hooks';
import { checkRun } from '../sim/check/checkers.ts';
import type { ConsumerOp, FinalBatch, PartitionFinalState, ProducedRange, ProducerHistoryInput } from '../sim/check/check-input.ts';
import { createRng, type Rng } from '../sim/core/rng.ts';

export interface CheckerCase {
  readonly name: string;
  readonly records: number;
  readonly partitions: number;
  readonly producers: number;
  /** Records per batch are drawn from 1…maxBatchRecords. */
  readonly maxBatchRecords: number;
}

export interface CheckerRow {
  readonly name: string;
  readonly records: number;
  readonly batches: number;
  readonly groupOps: number;
  readonly buildMs: number;
  /** Wall time of checkRun, and the process CPU time it took (steadier on a busy machine). */
  readonly checkMs: number;
  readonly checkCpuMs: number;
  readonly recordsPerSecond: number;
  readonly verdict: string;
  readonly lostAckedWrites: number;
  readonly duplicates: number;
}

export const CHECKER_CASES: readonly CheckerCase[] = [
  { name: '10M records, batches of 1-127', records: 10_000_000, partitions: 16, producers: 4, maxBatchRecords: 127 },
  { name: '1M records, one record per batch', records: 1_000_000, partitions: 16, producers: 4, maxBatchRecords: 1 },
];

interface Synthetic {
  readonly producers: ProducerHistoryInput[];
  readonly partitions: PartitionFinalState[];
  readonly ops: ConsumerOp[];
  readonly batches: number;
}

/**
 * Every 5,000th batch is lost (acknowledged, then absent), every 7,000th stored twice, every
 * 3,000th ends info. The group's members read and process each final log as it stands.
 */
function synthesize(spec: CheckerCase, rng: Rng): Synthetic {
  const ranges = new Map<string, ProducedRange[]>();
  const logs = Array.from({ length: spec.partitions }, () => [] as FinalBatch[]);
  const nextRecord = new Map<string, number>();
  const ops: ConsumerOp[] = [];
  let batchCount = 0;
  for (let sent = 0; sent < spec.records; batchCount++) {
    const count = Math.min(spec.records - sent, rng.intBetween(1, spec.maxBatchRecords));
    const producer = `p${rng.int(spec.producers)}`;
    const p = rng.int(spec.partitions);
    const partition = `t/${p}`;
    const log = logs[p]!;
    const key = `${producer}|${partition}`;
    const firstRecord = nextRecord.get(key) ?? 0;
    nextRecord.set(key, firstRecord + count);
    const baseOffset = logEnd(log);
    const info = batchCount % 3_000 === 2_999;
    const batch = { baseOffset, recordCount: count, leaderEpoch: 0, payload: { kind: 'records', producer, firstRecord, count } };
    if (batchCount % 5_000 !== 4_999) log.push(batch);
    if (batchCount % 7_000 === 6_999) log.push({ ...batch, baseOffset: logEnd(log) });
    const list = ranges.get(producer) ?? [];
    list.push({ partition, firstRecord, count, outcome: info ? 'info' : 'ok', baseOffset: info ? -1 : baseOffset, leaderEpoch: info ? -1 : 0, sentUs: sent, completeUs: sent + 1, attempts: 1, error: info ? 'REQUEST_TIMED_OUT' : null });
    ranges.set(producer, list);
    sent += count;
  }
  logs.forEach((log, p) => consumerOps(`t/${p}`, `c${p % 4}`, log, ops));
  const partitions = logs.map((log, p): PartitionFinalState => {
    const highWatermark = logEnd(log);
    const follower = (broker: number) => ({ broker, highWatermark, logStartOffset: 0, batches: log.map((batch) => ({ ...batch })) });
    return { partition: `t/${p}`, leader: 1, replicas: [{ broker: 1, highWatermark, logStartOffset: 0, batches: log }, follower(2), follower(3)] };
  });
  return { producers: [...ranges].map(([producer, list]) => ({ producer, ranges: list })), partitions, ops, batches: batchCount };
}

/** A member that polls and processes a partition's final log batch by batch, as it stands. */
function consumerOps(partition: string, member: string, log: readonly FinalBatch[], ops: ConsumerOp[]): void {
  ops.push({ type: 'assign', member, timeUs: 0, generation: 1, partitions: [partition] });
  for (const batch of log) {
    const { producer, firstRecord } = batch.payload as { producer: string; firstRecord: number };
    const spans = [{ offset: batch.baseOffset, count: batch.recordCount, producer, firstRecord }];
    ops.push({ type: 'poll', member, timeUs: batch.baseOffset, reads: [{ partition, spans }] }, { type: 'process', member, timeUs: batch.baseOffset, partition, spans });
  }
}

function logEnd(log: readonly FinalBatch[]): number {
  const last = log[log.length - 1];
  return last === undefined ? 0 : last.baseOffset + last.recordCount;
}

/** Runs each case; `quick` divides every case's size by ten. */
export function benchChecker(quick = false, cases: readonly CheckerCase[] = CHECKER_CASES): CheckerRow[] {
  return cases.map((full) => {
    const spec = quick ? { ...full, name: `${full.name} (quick: /10)`, records: Math.ceil(full.records / 10) } : full;
    const buildStart = performance.now();
    const input = synthesize(spec, createRng(`bench/checker/${spec.name}`));
    const buildMs = performance.now() - buildStart;
    const checkStart = performance.now();
    const cpuStart = process.cpuUsage();
    const report = checkRun({ producers: input.producers, partitions: input.partitions, groups: [{ group: 'g', ops: input.ops }] });
    const cpu = process.cpuUsage(cpuStart);
    const checkMs = performance.now() - checkStart;
    return {
      name: spec.name,
      records: spec.records,
      batches: input.batches,
      groupOps: input.ops.length,
      buildMs,
      checkMs,
      checkCpuMs: (cpu.user + cpu.system) / 1000,
      recordsPerSecond: spec.records / (checkMs / 1000),
      verdict: report.verdict,
      lostAckedWrites: report.anomalies.lostAckedWrites,
      duplicates: report.anomalies.duplicates,
    };
  });
}

/** The rows as text lines, for the bench report. */
export function checkerLines(rows: readonly CheckerRow[]): string[] {
  const lines = ['History checker: producers, 3 replicas per partition, one consumer group (checkRun, no trace)', ''];
  for (const row of rows) {
    lines.push(
      `  ${row.name}: ${row.records.toLocaleString('en-US')} records in ${row.batches.toLocaleString('en-US')} batches, ` +
        `${row.groupOps.toLocaleString('en-US')} group ops`,
      `    checked in ${(row.checkMs / 1000).toFixed(2)} s (${(row.checkCpuMs / 1000).toFixed(2)} s CPU): ` +
        `${(row.recordsPerSecond / 1e6).toFixed(2)} M records/s ` +
        `(input built in ${(row.buildMs / 1000).toFixed(2)} s; verdict ${row.verdict}, ${row.lostAckedWrites} lost, ${row.duplicates} duplicated)`,
    );
  }
  return lines;
}
