// One pass over a partition's committed log, in offset order, that records where every producer
// record ended up and finds the anomalies the log proves by itself:
//
// - duplicate: a producer record (producer, partition, index in its send order) is held at two or
//   more offsets below the HW. Every copy after the first counts once. The log is the proof, so
//   this holds whatever the producer was told: an `info` batch stored twice is a duplicate too.
//   The finding lists offsets [first copy, this copy] of its first record. (Retries without
//   idempotence, FIDELITY A10/A11.)
// - reordered: one producer's records to one partition must first appear in the order they were
//   sent. A record whose first copy comes after the first copy of a record sent later is
//   reordered; the finding lists offsets [its offset, the later record's offset] and that record
//   as `otherRecord`. A gap is not a reordering (missing records are lost-writes.ts's business).
//
// Presence is kept per (partition, producer) in a Uint8Array indexed by record: the low seven bits
// count committed copies (saturating at 127), the top bit says a copy sits above the HW (appended,
// not committed). That is one byte per record, and the pass does a few typed-array operations per
// record with no allocation unless it finds an anomaly, so ten million records take well under a
// second. Duplicates' first copies are located afterwards by a second pass over the batches of the
// producers concerned, only when there are duplicates to list.

import type { PartitionName } from '../kafka/protocol.ts';
import { isRecordsPayload, type RecordsPayload } from './check-input.ts';
import type { CommittedLog } from './committed-log.ts';
import { RunMerger, type Finding } from './verdict.ts';

export const COMMITTED_COPIES_MASK = 0x7f;
export const ABOVE_HW_FLAG = 0x80;

/** Where every producer record ended up, per partition and producer (see the header). */
export class RecordPresence {
  private readonly tables = new Map<PartitionName, Map<string, Uint8Array>>();

  /** The partitions whose final log was scanned. */
  has(partition: PartitionName): boolean {
    return this.tables.has(partition);
  }

  /** The producer's table on the partition; undefined when none of its records is in the log. */
  table(partition: PartitionName, producer: string): Uint8Array | undefined {
    return this.tables.get(partition)?.get(producer);
  }

  set(partition: PartitionName, tables: Map<string, Uint8Array>): void {
    this.tables.set(partition, tables);
  }
}

interface SendOrder {
  /** The highest record index whose first copy has been seen, and its offset. */
  maxRecord: number;
  maxOffset: number;
}

/** Scans one committed log; findings go to `emit`, presence into `presence`. Returns records scanned. */
export function scanCommittedLog(log: CommittedLog, presence: RecordPresence, emit: (finding: Finding) => void): number {
  const tables = allocateTables(log);
  presence.set(log.partition, tables);
  const orders = new Map<string, SendOrder>();
  const duplicates: Finding[] = [];
  const duplicateRuns = new RunMerger((finding) => duplicates.push(finding));
  const reorderRuns = new RunMerger(emit);
  let scanned = 0;
  for (const batch of log.batches) {
    const payload = batch.payload;
    if (!isRecordsPayload(payload)) continue;
    const table = tables.get(payload.producer)!;
    let order = orders.get(payload.producer);
    if (order === undefined) orders.set(payload.producer, (order = { maxRecord: -1, maxOffset: -1 }));
    const committed = Math.max(0, Math.min(batch.recordCount, log.highWatermark - batch.baseOffset));
    for (let i = 0; i < committed; i++) {
      const record = payload.firstRecord + i;
      const offset = batch.baseOffset + i;
      const copies = table[record]! & COMMITTED_COPIES_MASK;
      if (copies > 0) duplicate(log, payload, record, offset, duplicateRuns);
      else if (record < order.maxRecord) reordered(log, payload, record, offset, order, reorderRuns);
      else {
        order.maxRecord = record;
        order.maxOffset = offset;
      }
      if (copies < COMMITTED_COPIES_MASK) table[record] = table[record]! + 1;
    }
    for (let i = committed; i < batch.recordCount; i++) table[payload.firstRecord + i] = table[payload.firstRecord + i]! | ABOVE_HW_FLAG;
    scanned += committed;
  }
  reorderRuns.closeAll();
  duplicateRuns.closeAll();
  for (const finding of locateFirstCopies(log, duplicates)) emit(finding);
  return scanned;
}

/** One table per producer, sized by the highest record index the log holds. */
function allocateTables(log: CommittedLog): Map<string, Uint8Array> {
  const sizes = new Map<string, number>();
  for (const batch of log.batches) {
    const payload = batch.payload;
    if (!isRecordsPayload(payload)) continue;
    sizes.set(payload.producer, Math.max(sizes.get(payload.producer) ?? 0, payload.firstRecord + batch.recordCount));
  }
  return new Map([...sizes].map(([producer, size]) => [producer, new Uint8Array(size)]));
}

function duplicate(log: CommittedLog, payload: RecordsPayload, record: number, offset: number, runs: RunMerger): void {
  startOrExtend(runs, log, payload, record, offset, { kind: 'duplicate', offsets: [-1, offset] });
}

function reordered(log: CommittedLog, payload: RecordsPayload, record: number, offset: number, order: SendOrder, runs: RunMerger): void {
  startOrExtend(runs, log, payload, record, offset, { kind: 'reordered', otherRecord: order.maxRecord, offsets: [offset, order.maxOffset] });
}

/** Adds one record at `offset` to the producer's open run, or opens a run of `fields`' kind with it. */
function startOrExtend(
  runs: RunMerger,
  log: CommittedLog,
  payload: RecordsPayload,
  record: number,
  offset: number,
  fields: Pick<Finding, 'kind' | 'offsets' | 'otherRecord'>,
): void {
  if (runs.extend(payload.producer, record, offset, 1)) return;
  // Fields in the order findings have always been written in (the JSON summary shows them).
  const { kind, otherRecord, offsets } = fields;
  const finding: Finding = {
    kind,
    verdict: 'invalid',
    partition: log.partition,
    producer: payload.producer,
    count: 1,
    records: { first: record, count: 1 },
    ...(otherRecord === undefined ? {} : { otherRecord }),
    offsets,
    timeUs: -1,
    evidence: [],
  };
  runs.start(payload.producer, finding, record + 1, offset + 1);
}

/**
 * Fills in each duplicate run's first-copy offset with one more pass over the committed batches:
 * the wanted records are sorted per producer, and each batch binary-searches its own range.
 */
function locateFirstCopies(log: CommittedLog, duplicates: readonly Finding[]): Finding[] {
  if (duplicates.length === 0) return [];
  const wanted = new Map<string, { records: number[]; offsets: number[] }>();
  for (const finding of duplicates) {
    let entry = wanted.get(finding.producer!);
    if (entry === undefined) wanted.set(finding.producer!, (entry = { records: [], offsets: [] }));
    entry.records.push(finding.records!.first);
  }
  for (const entry of wanted.values()) {
    entry.records = [...new Set(entry.records)].sort((a, b) => a - b);
    entry.offsets = entry.records.map(() => -1);
  }
  for (const batch of log.batches) {
    const payload = batch.payload;
    if (!isRecordsPayload(payload) || batch.baseOffset >= log.highWatermark) continue;
    const entry = wanted.get(payload.producer);
    if (entry === undefined) continue;
    const end = payload.firstRecord + batch.recordCount;
    for (let k = lowerBound(entry.records, payload.firstRecord); k < entry.records.length && entry.records[k]! < end; k++) {
      if (entry.offsets[k]! < 0) entry.offsets[k] = batch.baseOffset + (entry.records[k]! - payload.firstRecord);
    }
  }
  return duplicates.map((finding) => {
    const entry = wanted.get(finding.producer!)!;
    const first = entry.offsets[lowerBound(entry.records, finding.records!.first)]!;
    return { ...finding, offsets: [first, finding.offsets[1]!] };
  });
}

function lowerBound(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return low;
}
