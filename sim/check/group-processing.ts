// What a consumer group as a whole did with each committed record: Kafka's delivery semantics
// ("Message Delivery Semantics" in the Kafka docs), measured on the records the application
// processed, not merely fetched:
//
// - group-lost: a committed record, at an offset between the first offset the group read on the
//   partition and the highest offset it processed there, that no member processed. At-most-once
//   delivery (commit before processing, then a crash; FIDELITY A13) loses records this way.
//   Records past the highest processed offset are lag, not loss. `unknown` for a partition
//   offline at the end. Offsets [first lost offset, number of offsets]; it counts records.
// - group-duplicate: a committed record processed more than once by the group. At-least-once
//   delivery (auto-commit, or processing before a commit that never happened, then a rebalance;
//   FIDELITY A12) does this. Each processing after the first counts. Offsets [first offset,
//   number of offsets].
//
// Processing counts are one byte per committed offset (saturating at 255), below the final HW.
// A processed span that the final log does not hold (truncated data) is not counted here; the
// poll that fetched it is a read-truncated finding. Evidence (who fetched, committed, processed,
// and which assignment came between) is gathered in a second pass over the operations, only for
// the findings that are listed.

import type { PartitionName } from '../kafka/protocol.ts';
import type { ConsumerOp, ProcessOp, ReadSpan } from './check-input.ts';
import type { CommittedLog } from './committed-log.ts';
import { attachGroupEvidence } from './group-evidence.ts';
import type { Finding } from './verdict.ts';

export interface GroupTotals {
  readonly group: string;
  /** Distinct committed records processed. */
  readonly processed: number;
  /** Processings beyond the first of a record. */
  readonly duplicates: number;
  /** Records lost to the group (proven; unknown ones are not counted). */
  readonly lost: number;
}

interface PartitionProgress {
  readonly log: CommittedLog;
  /** Processings per committed offset, indexed from the log start offset. */
  readonly counts: Uint8Array;
  /** Lowest offset the group read or processed; highest it processed. */
  lowestRead: number;
  highestProcessed: number;
}

/** Consecutive offsets with the same finding. */
interface OffsetRun {
  readonly kind: 'group-lost' | 'group-duplicate';
  readonly verdict: 'invalid' | 'unknown';
  readonly first: number;
  length: number;
  count: number;
}

export class GroupProcessing {
  private readonly progress = new Map<PartitionName, PartitionProgress>();

  constructor(
    private readonly group: string,
    private readonly logs: ReadonlyMap<PartitionName, CommittedLog>,
  ) {}

  read(partition: PartitionName, span: ReadSpan): void {
    const progress = this.progressOf(partition);
    if (progress !== undefined && span.offset < progress.lowestRead) progress.lowestRead = span.offset;
  }

  process(op: ProcessOp): void {
    const progress = this.progressOf(op.partition);
    if (progress === undefined) return;
    for (const span of op.spans) {
      if (span.count <= 0) continue;
      const match = progress.log.matchSpan(span);
      const end = match.kind === 'committed' ? span.offset + span.count : match.offset;
      const from = Math.max(span.offset, progress.log.logStartOffset);
      const counts = progress.counts;
      const base = progress.log.logStartOffset;
      for (let offset = from; offset < end; offset++) {
        if (counts[offset - base]! < 255) counts[offset - base] = counts[offset - base]! + 1;
      }
      if (span.offset < progress.lowestRead) progress.lowestRead = span.offset;
      if (end - 1 > progress.highestProcessed) progress.highestProcessed = end - 1;
    }
  }

  /** Emits the group's findings; `ops` is read again only for listed findings' evidence. */
  finish(ops: readonly ConsumerOp[], emit: (finding: Finding) => void, listLimit: number): GroupTotals {
    let processed = 0;
    let duplicates = 0;
    let lost = 0;
    const findings: Finding[] = [];
    const collect = (finding: Finding): void => {
      if (findings.length < listLimit * 2) findings.push(finding);
      else emit(finding);
    };
    for (const [partition, progress] of this.progress) {
      const tally = this.scanPartition(partition, progress, collect);
      processed += tally.processed;
      duplicates += tally.duplicates;
      lost += tally.lost;
    }
    for (const finding of attachGroupEvidence(findings, ops)) emit(finding);
    return { group: this.group, processed, duplicates, lost };
  }

  private scanPartition(partition: PartitionName, progress: PartitionProgress, collect: (finding: Finding) => void): { processed: number; duplicates: number; lost: number } {
    const { log, counts } = progress;
    const tally = { processed: 0, duplicates: 0, lost: 0 };
    const verdict = log.decided ? 'invalid' : 'unknown';
    let run: OffsetRun | undefined;
    for (let offset = Math.max(progress.lowestRead, log.logStartOffset); offset <= progress.highestProcessed; offset++) {
      const times = counts[offset - log.logStartOffset]!;
      const kind = times === 0 ? 'group-lost' : times > 1 ? 'group-duplicate' : undefined;
      if (times > 0) tally.processed++;
      if (times > 1) tally.duplicates += times - 1;
      if (times === 0 && verdict === 'invalid') tally.lost++;
      if (run !== undefined && (run.kind !== kind || run.first + run.length !== offset)) {
        collect(this.runFinding(partition, run));
        run = undefined;
      }
      if (kind === undefined) continue;
      run ??= { kind, verdict: kind === 'group-lost' ? verdict : 'invalid', first: offset, length: 0, count: 0 };
      run.length++;
      run.count += kind === 'group-lost' ? 1 : times - 1;
    }
    if (run !== undefined) collect(this.runFinding(partition, run));
    return tally;
  }

  private runFinding(partition: PartitionName, run: OffsetRun): Finding {
    return {
      kind: run.kind,
      verdict: run.verdict,
      partition,
      group: this.group,
      count: run.count,
      offsets: [run.first, run.length],
      timeUs: -1,
      ...(run.verdict === 'unknown' ? { unknownBecause: 'the partition is offline at the end' } : {}),
      evidence: [],
    };
  }

  private progressOf(partition: PartitionName): PartitionProgress | undefined {
    let progress = this.progress.get(partition);
    if (progress !== undefined) return progress;
    const log = this.logs.get(partition);
    if (log === undefined) return undefined;
    progress = { log, counts: new Uint8Array(Math.max(0, log.highWatermark - log.logStartOffset)), lowestRead: Number.MAX_SAFE_INTEGER, highestProcessed: -1 };
    this.progress.set(partition, progress);
    return progress;
  }
}
