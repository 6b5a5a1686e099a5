// Verdicts and findings, in Jepsen's three values: `valid` (the history proves the property held),
// `invalid` (it proves a violation), `unknown` (it cannot tell: an `info` operation, a partition
// still offline at the end, data not yet committed). Checks combine with the worst dominating:
// invalid over unknown over valid.
//
// A *finding* is one anomaly as a check sees it: its kind, where (partition, producer records,
// offsets), how many records or instances it covers, and the history's own evidence (the
// operations that show it). explain.ts turns a finding into an *anomaly* by adding the causal
// story from the trace. Consecutive records with the same fault are one finding, so a lost
// suffix of 100,000 records is one anomaly, not 100,000.
//
// The sink counts everything but lists at most `listLimitPerKind` findings of each kind, so one
// flood of duplicates cannot hide the single lost write, and the report stays small.

import type { PartitionName } from '../kafka/protocol.ts';

export type Verdict = 'valid' | 'invalid' | 'unknown';

const RANK: Readonly<Record<Verdict, number>> = { valid: 0, unknown: 1, invalid: 2 };

export function worstVerdict(a: Verdict, b: Verdict): Verdict {
  return RANK[a] >= RANK[b] ? a : b;
}

/** One check per kind; each kind's spec is in the module that finds it. */
export const ANOMALY_KINDS = [
  'lost-acked-write',
  'failed-write-present',
  'duplicate',
  'reordered',
  'divergent-replica',
  'invariant-violation',
  'read-above-hw',
  'read-truncated',
  'poll-skip',
  'nonmonotonic-poll',
  'group-lost',
  'group-duplicate',
] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

/** A fact from the histories themselves (not the trace): an operation and when it happened. */
export interface Evidence {
  readonly timeUs: number;
  /** The trace event that recorded it, or null when the history is the only record. */
  readonly event: number | null;
  readonly text: string;
}

export interface Finding {
  readonly kind: AnomalyKind;
  readonly verdict: 'invalid' | 'unknown';
  readonly partition: PartitionName | null;
  /** Records, offsets or instances this finding covers (what the summary counts). */
  count: number;
  readonly producer?: string;
  readonly group?: string;
  readonly member?: string;
  readonly broker?: number;
  /** Producer record indices first… (count of them), for findings about producer records. */
  records?: { readonly first: number; count: number };
  /** Another record of the same producer the finding compares with (a reordering's later send). */
  readonly otherRecord?: number;
  /** The offsets that locate it; which ones each kind lists is in its module's spec. */
  readonly offsets: readonly number[];
  /** When it happened or was observed (µs); the explanation searches the trace around it. */
  readonly timeUs: number;
  /** The start of the window the explanation searches (e.g. a batch's first send). */
  readonly sinceUs?: number;
  readonly leaderEpoch?: number;
  /** The leader epoch on the other side of a comparison (the reference replica's batch). */
  readonly otherLeaderEpoch?: number;
  /** For an `unknown` finding: why the history cannot decide. */
  readonly unknownBecause?: string;
  readonly evidence: readonly Evidence[];
}

export interface Explanation {
  readonly text: string;
  /** Trace event ids, ascending: what the viewer jumps to. */
  readonly events: readonly number[];
}

export interface Anomaly extends Finding {
  /** One line: what the anomaly is. */
  readonly detail: string;
  /** Why it happened. */
  readonly explanation: Explanation;
}

export interface CheckResult {
  readonly kind: AnomalyKind;
  readonly verdict: Verdict;
  /** Records, offsets or instances proven anomalous. */
  readonly count: number;
  /** Records, offsets or instances that may be anomalous (outcome unknown). */
  readonly unknownCount: number;
  /** Findings counted but not listed (beyond the per-kind limit). */
  readonly omitted: number;
}

export const DEFAULT_LIST_LIMIT_PER_KIND = 100;

interface KindTally {
  count: number;
  unknownCount: number;
  listed: number;
  omitted: number;
}

export class FindingSink {
  private readonly tallies = new Map<AnomalyKind, KindTally>();
  private readonly listed: Finding[] = [];
  /** Proven counts per producer and kind, for the summary's producers[] (DESIGN §12). */
  private readonly producerCounts = new Map<string, Map<AnomalyKind, number>>();

  constructor(private readonly listLimitPerKind = DEFAULT_LIST_LIMIT_PER_KIND) {}

  /** Declares a check that ran: it appears in the results, `valid` unless a finding says otherwise. */
  ran(kind: AnomalyKind): void {
    if (!this.tallies.has(kind)) this.tallies.set(kind, { count: 0, unknownCount: 0, listed: 0, omitted: 0 });
  }

  add(finding: Finding): void {
    this.ran(finding.kind);
    const tally = this.tallies.get(finding.kind)!;
    if (tally.listed >= this.listLimitPerKind) {
      this.tally(finding);
      return;
    }
    this.addToTally(tally, finding);
    tally.listed++;
    this.listed.push(finding);
  }

  /** Counts a finding without listing it (one past the caller's own listing budget). */
  tally(finding: Finding): void {
    this.ran(finding.kind);
    const tally = this.tallies.get(finding.kind)!;
    this.addToTally(tally, finding);
    tally.omitted++;
  }

  get listLimit(): number {
    return this.listLimitPerKind;
  }

  /** Results of the checks that ran, in ANOMALY_KINDS order. */
  results(): CheckResult[] {
    return ANOMALY_KINDS.flatMap((kind) => {
      const tally = this.tallies.get(kind);
      if (tally === undefined) return [];
      const verdict: Verdict = tally.count > 0 ? 'invalid' : tally.unknownCount > 0 ? 'unknown' : 'valid';
      return [{ kind, verdict, count: tally.count, unknownCount: tally.unknownCount, omitted: tally.omitted }];
    });
  }

  count(kind: AnomalyKind): number {
    return this.tallies.get(kind)?.count ?? 0;
  }

  /** Proven records or instances of `kind` that belong to `producer`. */
  countFor(kind: AnomalyKind, producer: string): number {
    return this.producerCounts.get(producer)?.get(kind) ?? 0;
  }

  findings(): readonly Finding[] {
    return this.listed;
  }

  private addToTally(tally: KindTally, finding: Finding): void {
    if (finding.verdict !== 'invalid') {
      tally.unknownCount += finding.count;
      return;
    }
    tally.count += finding.count;
    if (finding.producer === undefined) return;
    let kinds = this.producerCounts.get(finding.producer);
    if (kinds === undefined) this.producerCounts.set(finding.producer, (kinds = new Map()));
    kinds.set(finding.kind, (kinds.get(finding.kind) ?? 0) + finding.count);
  }
}

/**
 * Grows findings over consecutive records: `extend` succeeds when the next record and offset
 * continue the open finding with the same key, so runs merge across batches; a closed run goes to
 * `emit` (a FindingSink's add, or a stage that completes findings first).
 */
export class RunMerger {
  private readonly open = new Map<string, { finding: Finding; nextRecord: number; nextOffset: number }>();

  constructor(private readonly emit: (finding: Finding) => void) {}

  /** Extends the open run under `key` by `count` records, if it ends at (record, offset). */
  extend(key: string, record: number, offset: number, count: number): boolean {
    const run = this.open.get(key);
    if (run === undefined || run.nextRecord !== record || run.nextOffset !== offset) return false;
    run.finding.count += count;
    if (run.finding.records !== undefined) run.finding.records.count += count;
    run.nextRecord += count;
    run.nextOffset += count;
    return true;
  }

  /** Starts a run (closing the previous one under the key) whose next record would be at (record, offset). */
  start(key: string, finding: Finding, nextRecord: number, nextOffset: number): void {
    this.close(key);
    this.open.set(key, { finding, nextRecord, nextOffset });
  }

  close(key: string): void {
    const run = this.open.get(key);
    if (run === undefined) return;
    this.open.delete(key);
    this.emit(run.finding);
  }

  closeAll(): void {
    for (const key of [...this.open.keys()]) this.close(key);
  }
}

/** Simulated time for people: "12.345 s". */
export function formatSeconds(timeUs: number): string {
  return `${(timeUs / 1_000_000).toFixed(3)} s`;
}

/** "p1#4" or "p1#4–9". */
export function formatRecords(producer: string, first: number, count: number): string {
  return count <= 1 ? `${producer}#${first}` : `${producer}#${first}–${first + count - 1}`;
}
