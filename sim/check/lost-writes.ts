// The producer side of the history against the committed logs (after log-scan.ts has recorded
// where every record ended up). One pass over every producer's ranges:
//
// - lost-acked-write: a record of an `ok` range the broker acknowledged (it returned an offset) has
//   no copy below the partition's final HW. That is the loss Kafka promises against with acks=all
//   and enough in-sync replicas (FIDELITY A1, A2, A3, A8). It is only `unknown` when a copy sits
//   above the HW (appended, not yet committed), when the partition is offline at the end (no
//   leader decides; another replica may still come back with it), when the acknowledged offset is
//   below the log start offset (retention may have deleted it), or when the run gave no final log
//   for the partition. The finding lists offsets [acknowledged offset of its first record].
// - failed-write-present: a record of a `fail` range has a committed copy. The producer was told
//   the write definitely did not happen, and it did (Jepsen's G1a, an aborted read, seen in the log).
//
// `ok` without acknowledgement (acks=0) promises nothing and is never a lost-acked-write; `info`
// and `pending` records may or may not have happened and are never counted as lost. Duplicates of
// them in the log are still duplicates (log-scan.ts), because there the log itself is the proof.
//
// Sends that completed without an offset are still tallied per producer, as figures a reader
// compares with acks=1 and acks=all (FIDELITY A2). They are *assumed* written: with acks=0
// KafkaProducer completes a send once it is written to the socket (offset −1) and no answer ever
// comes; an idempotent retry the broker recognised as a duplicate (DUPLICATE_SEQUENCE_NUMBER) also
// completes without an offset. An assumed record is *missing* when it has no committed copy, no
// copy above the HW, its partition is decided at the end, and a record the producer sent to that
// partition later is committed: the log moved on without it. (Without that last condition a record
// still on the wire when the run stops would count as missing.)
//
// The same pass gives the duplicate and reordered findings their times: the ranges that sent the
// records (first send, completion, attempts), which the explanations search the trace around.

import type { PartitionName } from '../kafka/protocol.ts';
import type { ProducedRange, ProducerHistoryInput } from './check-input.ts';
import type { CommittedLog } from './committed-log.ts';
import { ABOVE_HW_FLAG, COMMITTED_COPIES_MASK, type RecordPresence } from './log-scan.ts';
import { formatSeconds, RunMerger, type Evidence, type Finding } from './verdict.ts';

export interface ProducedTotals {
  ranges: number;
  records: number;
  acknowledged: number;
  /** Per producer: records completed without an offset (assumed written), and those missing. */
  assumed: Map<string, AssumedWrites>;
}

export interface AssumedWrites {
  assumed: number;
  missing: number;
}

/** Checks every range of every producer; findings go to `emit`, timings to `timer`. */
export function checkProducedRanges(
  producers: readonly ProducerHistoryInput[],
  logs: ReadonlyMap<PartitionName, CommittedLog>,
  presence: RecordPresence,
  emit: (finding: Finding) => void,
  timer: FindingTimer,
): ProducedTotals {
  const totals: ProducedTotals = { ranges: 0, records: 0, acknowledged: 0, assumed: new Map() };
  const runs = new RunMerger(emit);
  const lastCommitted = new LastCommittedRecord();
  for (const history of producers) {
    const assumed: AssumedWrites = { assumed: 0, missing: 0 };
    totals.assumed.set(history.producer, assumed);
    for (const range of history.ranges) {
      totals.ranges++;
      totals.records += range.count;
      timer.observe(history.producer, range);
      const table = presence.table(range.partition, history.producer);
      if (range.outcome === 'ok' && range.baseOffset >= 0) {
        totals.acknowledged += range.count;
        checkAcknowledged(history.producer, range, logs.get(range.partition), table, runs);
      } else if (range.outcome === 'ok') {
        assumed.assumed += range.count;
        assumed.missing += missingAssumed(range, logs.get(range.partition), table, lastCommitted.of(table));
      } else if (range.outcome === 'fail' && table !== undefined) {
        checkFailed(history.producer, range, table, runs);
      }
    }
  }
  runs.closeAll();
  return totals;
}

/** Records of an assumed range (ok, no offset) that the log moved on without (see the header). */
function missingAssumed(range: ProducedRange, log: CommittedLog | undefined, table: Uint8Array | undefined, lastCommitted: number): number {
  if (log === undefined || !log.decided || table === undefined) return 0;
  let missing = 0;
  const end = Math.min(range.firstRecord + range.count, lastCommitted);
  for (let record = range.firstRecord; record < end; record++) {
    if (table[record] === 0) missing++;
  }
  return missing;
}

/** The highest record index with a committed copy in each presence table, found once per table. */
class LastCommittedRecord {
  private readonly known = new Map<Uint8Array, number>();

  of(table: Uint8Array | undefined): number {
    if (table === undefined) return -1;
    let last = this.known.get(table);
    if (last !== undefined) return last;
    last = table.length - 1;
    while (last >= 0 && (table[last]! & COMMITTED_COPIES_MASK) === 0) last--;
    this.known.set(table, last);
    return last;
  }
}

function checkAcknowledged(producer: string, range: ProducedRange, log: CommittedLog | undefined, table: Uint8Array | undefined, runs: RunMerger): void {
  for (let i = 0; i < range.count; i++) {
    const record = range.firstRecord + i;
    const flags = table === undefined || record >= table.length ? 0 : table[record]!;
    if ((flags & COMMITTED_COPIES_MASK) !== 0) continue;
    const offset = range.baseOffset + i;
    const unknownBecause = whyUnknown(flags, log, offset);
    const key = `lost|${producer}|${range.partition}|${unknownBecause ?? ''}`;
    if (runs.extend(key, record, offset, 1)) continue;
    runs.start(key, {
      kind: 'lost-acked-write',
      verdict: unknownBecause === undefined ? 'invalid' : 'unknown',
      partition: range.partition,
      producer,
      count: 1,
      records: { first: record, count: 1 },
      offsets: [offset],
      timeUs: range.completeUs,
      sinceUs: range.sentUs,
      leaderEpoch: range.leaderEpoch,
      ...(unknownBecause === undefined ? {} : { unknownBecause }),
      evidence: [rangeEvidence(producer, range)],
    }, record + 1, offset + 1);
  }
}

function whyUnknown(flags: number, log: CommittedLog | undefined, offset: number): string | undefined {
  if ((flags & ABOVE_HW_FLAG) !== 0) return 'a copy is in the leader\'s log above the high watermark (not yet committed)';
  if (log === undefined) return 'the run gave no final log for the partition';
  if (!log.decided) return `the partition is offline at the end; broker ${log.referenceBroker}'s log stands in`;
  if (offset < log.logStartOffset) return `it was acknowledged below the log start offset ${log.logStartOffset} (retention may have deleted it)`;
  return undefined;
}

function checkFailed(producer: string, range: ProducedRange, table: Uint8Array, runs: RunMerger): void {
  for (let i = 0; i < range.count; i++) {
    const record = range.firstRecord + i;
    if (record >= table.length || (table[record]! & COMMITTED_COPIES_MASK) === 0) continue;
    const key = `failed|${producer}|${range.partition}`;
    if (runs.extend(key, record, -1, 1)) continue;
    runs.start(key, {
      kind: 'failed-write-present',
      verdict: 'invalid',
      partition: range.partition,
      producer,
      count: 1,
      records: { first: record, count: 1 },
      offsets: [],
      timeUs: range.completeUs,
      sinceUs: range.sentUs,
      evidence: [rangeEvidence(producer, range)],
    }, record + 1, -1);
  }
}

/** "p1 sent the batch at 1.000 s (2 attempts); it ended ok at 1.200 s at offset 40 in epoch 3." */
export function rangeEvidence(producer: string, range: ProducedRange): Evidence {
  const attempts = `${range.attempts} attempt${range.attempts === 1 ? '' : 's'}`;
  const sent = range.sentUs < 0 ? `${producer} never sent the batch` : `${producer} sent the batch at ${formatSeconds(range.sentUs)} (${attempts})`;
  const where = range.baseOffset >= 0 ? ` at offset ${range.baseOffset} in leader epoch ${range.leaderEpoch}` : '';
  const error = range.error === null ? '' : ` (${range.error})`;
  const ended = range.completeUs < 0 ? 'it never completed' : `it ended ${range.outcome}${error} at ${formatSeconds(range.completeUs)}${where}`;
  return { timeUs: range.sentUs < 0 ? range.completeUs : range.sentUs, event: null, text: `${sent}; ${ended}` };
}

/**
 * Duplicate and reordered findings wait here for the ranges that sent their records: the record
 * itself and, for a reordering, the later-sent record that overtook it. Only listed findings wait
 * (a bounded number), so the lookup costs one map probe per range.
 */
export class FindingTimer {
  /** partition → producer → record → the range that sent it. */
  private readonly waiting = new Map<PartitionName, Map<string, Map<number, ProducedRange | undefined>>>();

  constructor(private readonly findings: readonly Finding[]) {
    for (const finding of findings) {
      const records = this.recordsOf(finding.partition!, finding.producer!);
      records.set(finding.records!.first, undefined);
      if (finding.otherRecord !== undefined) records.set(finding.otherRecord, undefined);
    }
  }

  observe(producer: string, range: ProducedRange): void {
    if (this.waiting.size === 0) return;
    const records = this.waiting.get(range.partition)?.get(producer);
    if (records === undefined) return;
    for (const record of records.keys()) {
      if (record >= range.firstRecord && record < range.firstRecord + range.count) records.set(record, range);
    }
  }

  /** The findings with times and evidence from their ranges (unchanged when no range was seen). */
  completed(): Finding[] {
    return this.findings.map((finding) => {
      const records = this.recordsOf(finding.partition!, finding.producer!);
      const own = records.get(finding.records!.first);
      if (own === undefined) return finding;
      const other = finding.otherRecord === undefined ? undefined : records.get(finding.otherRecord);
      const evidence = [rangeEvidence(finding.producer!, own)];
      if (other !== undefined && other !== own) evidence.push(rangeEvidence(finding.producer!, other));
      const times = evidence.map((fact) => fact.timeUs).filter((timeUs) => timeUs >= 0);
      const sinceUs = times.length === 0 ? -1 : Math.min(...times);
      return { ...finding, timeUs: Math.max(own.completeUs, other?.completeUs ?? -1), sinceUs, evidence };
    });
  }

  private recordsOf(partition: PartitionName, producer: string): Map<number, ProducedRange | undefined> {
    let producers = this.waiting.get(partition);
    if (producers === undefined) this.waiting.set(partition, (producers = new Map()));
    let records = producers.get(producer);
    if (records === undefined) producers.set(producer, (records = new Map()));
    return records;
  }
}
