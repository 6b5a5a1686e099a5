// The history checker (DESIGN §9): a finished run's histories and final logs in, a verdict out,
// with every anomaly explained. Jepsen's roles: this is the checker; it reads plain data
// (check-input.ts) and never the simulator's live objects, so a trace read back from disk is
// checked exactly as a live run is.
//
// Checks, each specified in prose in the module that runs it:
//   log-scan.ts          duplicate, reordered            (the committed log alone)
//   lost-writes.ts       lost-acked-write, failed-write-present   (producer histories vs the log)
//   divergence.ts        divergent-replica               (every replica vs the leader)
//   consumer-polls.ts    read-above-hw, read-truncated, poll-skip, nonmonotonic-poll
//   group-processing.ts  group-lost, group-duplicate     (what each consumer group processed)
//   invariant-violation: the live invariants (invariants.ts), as the run recorded them
// A check runs only when its input is present (no consumer groups: no consumer checks). Each
// ends `valid`, `invalid` or `unknown` (verdict.ts); the run's verdict is the worst of them.
//
// Cost: one pass over each committed log, one over the producers' ranges, a merge walk per
// replica, one pass over each group's operations; typed arrays of one byte per record. Work per
// record is a few array operations, and strings are built only for the anomalies listed, so ten
// million records take seconds (bench/checker.ts measures it).

import type { PartitionName } from '../kafka/protocol.ts';
import type { CheckInput, RecordedViolation } from './check-input.ts';
import { CommittedLog } from './committed-log.ts';
import { checkGroups } from './consumer-checks.ts';
import { checkDivergence } from './divergence.ts';
import { explainFinding } from './explain.ts';
import type { GroupTotals } from './group-processing.ts';
import { scanCommittedLog, RecordPresence } from './log-scan.ts';
import { checkProducedRanges, FindingTimer, type ProducedTotals } from './lost-writes.ts';
import { TraceIndex } from './trace-index.ts';
import {
  ANOMALY_KINDS,
  DEFAULT_LIST_LIMIT_PER_KIND,
  FindingSink,
  formatSeconds,
  worstVerdict,
  type Anomaly,
  type AnomalyKind,
  type CheckResult,
  type Finding,
  type Verdict,
} from './verdict.ts';

export interface CheckOptions {
  /** Findings listed (and explained) per kind; all are counted. */
  readonly listLimitPerKind?: number;
}

/** The anomaly counts of the JSON summary (DESIGN §12). */
export interface AnomalyCounts {
  readonly lostAckedWrites: number;
  readonly duplicates: number;
  readonly reordered: number;
  readonly divergentReplicas: number;
  readonly invariantViolations: number;
}

/** One producer's proven anomalies and assumed writes, for the summary's producers[] (DESIGN §12). */
export interface ProducerTotals {
  readonly producer: string;
  readonly lostAckedWrites: number;
  /** Records completed without an offset (acks=0): assumed written. */
  readonly assumed: number;
  /** Assumed records the log moved on without (lost-writes.ts). */
  readonly lostAssumedWrites: number;
  readonly duplicates: number;
  readonly reordered: number;
}

export interface CheckStats {
  readonly partitions: number;
  readonly committedRecords: number;
  readonly producedRanges: number;
  readonly producedRecords: number;
  readonly acknowledgedRecords: number;
}

export interface CheckReport {
  readonly verdict: Verdict;
  readonly checks: readonly CheckResult[];
  readonly anomalies: AnomalyCounts;
  /** Per group, for the summary's groups[] (DESIGN §12). */
  readonly groups: readonly GroupTotals[];
  /** Per producer, in the input's order. */
  readonly producers: readonly ProducerTotals[];
  /** Records processed and processed again, over all groups (the summary's consumed{}). */
  readonly consumed: { readonly records: number; readonly duplicates: number };
  /** Listed anomalies, explained, by kind then time. */
  readonly anomalyList: readonly Anomaly[];
  readonly stats: CheckStats;
}

export function checkRun(input: CheckInput, options: CheckOptions = {}): CheckReport {
  const sink = new FindingSink(options.listLimitPerKind ?? DEFAULT_LIST_LIMIT_PER_KIND);
  const logs = new Map<PartitionName, CommittedLog>();
  for (const state of input.partitions) {
    const log = CommittedLog.of(state);
    if (log !== undefined) logs.set(state.partition, log);
  }
  const { assumed, ...produced } = checkProducers(input, logs, sink);
  if (input.partitions.some((state) => state.replicas.length > 1)) {
    sink.ran('divergent-replica');
    for (const state of input.partitions) {
      const log = logs.get(state.partition);
      if (log !== undefined) checkDivergence(log, state.replicas, (finding) => sink.add(finding));
    }
  }
  if (input.violations !== undefined) {
    sink.ran('invariant-violation');
    for (const violation of input.violations) sink.add(violationFinding(violation));
  }
  const groups = checkConsumers(input, logs, sink);
  const index = input.trace === undefined ? undefined : new TraceIndex(input.trace);
  const anomalyList = sortFindings(sink.findings()).map((finding) => explainFinding(finding, index));
  const checks = sink.results();
  return {
    verdict: checks.reduce<Verdict>((verdict, check) => worstVerdict(verdict, check.verdict), 'valid'),
    checks,
    anomalies: {
      lostAckedWrites: sink.count('lost-acked-write'),
      duplicates: sink.count('duplicate'),
      reordered: sink.count('reordered'),
      divergentReplicas: sink.count('divergent-replica'),
      invariantViolations: sink.count('invariant-violation'),
    },
    groups,
    producers: input.producers.map(({ producer }) => ({
      producer,
      lostAckedWrites: sink.countFor('lost-acked-write', producer),
      assumed: assumed.get(producer)?.assumed ?? 0,
      lostAssumedWrites: assumed.get(producer)?.missing ?? 0,
      duplicates: sink.countFor('duplicate', producer),
      reordered: sink.countFor('reordered', producer),
    })),
    consumed: {
      records: groups.reduce((sum, group) => sum + group.processed, 0),
      duplicates: groups.reduce((sum, group) => sum + group.duplicates, 0),
    },
    anomalyList,
    stats: { partitions: logs.size, ...produced },
  };
}

/** Log scans, then one pass over the ranges; duplicate and reordered findings wait for their times. */
function checkProducers(
  input: CheckInput,
  logs: ReadonlyMap<PartitionName, CommittedLog>,
  sink: FindingSink,
): Omit<CheckStats, 'partitions'> & { assumed: ProducedTotals['assumed'] } {
  const presence = new RecordPresence();
  const waiting: Finding[] = [];
  const waitingPerKind = new Map<AnomalyKind, number>();
  const hold = (finding: Finding): void => {
    const held = waitingPerKind.get(finding.kind) ?? 0;
    if (held >= sink.listLimit) return sink.tally(finding);
    waitingPerKind.set(finding.kind, held + 1);
    waiting.push(finding);
  };
  if (logs.size > 0) {
    sink.ran('duplicate');
    sink.ran('reordered');
  }
  let committedRecords = 0;
  for (const log of logs.values()) committedRecords += scanCommittedLog(log, presence, hold);
  if (input.producers.length > 0) {
    sink.ran('lost-acked-write');
    sink.ran('failed-write-present');
  }
  const timer = new FindingTimer(waiting);
  const totals = checkProducedRanges(input.producers, logs, presence, (finding) => sink.add(finding), timer);
  for (const finding of timer.completed()) sink.add(finding);
  return {
    committedRecords,
    producedRanges: totals.ranges,
    producedRecords: totals.records,
    acknowledgedRecords: totals.acknowledged,
    assumed: totals.assumed,
  };
}

function checkConsumers(input: CheckInput, logs: ReadonlyMap<PartitionName, CommittedLog>, sink: FindingSink): GroupTotals[] {
  const groups = input.groups ?? [];
  if (groups.length === 0) return [];
  for (const kind of ['read-truncated', 'poll-skip', 'nonmonotonic-poll', 'group-lost', 'group-duplicate'] as const) sink.ran(kind);
  const outcome = checkGroups(groups, logs, (finding) => sink.add(finding), sink.listLimit);
  if (outcome.sawHighWatermarks) sink.ran('read-above-hw');
  return [...outcome.totals];
}

function violationFinding(violation: RecordedViolation): Finding {
  return {
    kind: 'invariant-violation',
    verdict: 'invalid',
    partition: violation.partition,
    count: 1,
    offsets: [],
    timeUs: violation.timeUs,
    sinceUs: violation.timeUs,
    evidence: [{ timeUs: violation.timeUs, event: violation.event, text: `${violation.invariant} broke at ${formatSeconds(violation.timeUs)}: ${violation.detail}` }],
  };
}

function sortFindings(findings: readonly Finding[]): Finding[] {
  const rank = new Map(ANOMALY_KINDS.map((kind, position) => [kind, position]));
  return [...findings].sort((a, b) => rank.get(a.kind)! - rank.get(b.kind)! || a.timeUs - b.timeUs);
}

/** The report as `sim run` prints it: one line per check, then each anomaly and its story. */
export function reportLines(report: CheckReport): string[] {
  const lines = [`history check: ${report.verdict}`];
  for (const check of report.checks) {
    const unknown = check.unknownCount > 0 ? `, ${check.unknownCount} unknown` : '';
    lines.push(`  ${check.kind.padEnd(22)} ${check.verdict.padEnd(8)} ${check.count}${unknown}`);
  }
  for (const anomaly of report.anomalyList) {
    lines.push('', `${anomaly.kind}: ${anomaly.detail}`, `  ${anomaly.explanation.text}`);
    if (anomaly.explanation.events.length > 0) lines.push(`  events: ${anomaly.explanation.events.join(', ')}`);
  }
  const omitted = report.checks.reduce((sum, check) => sum + check.omitted, 0);
  if (omitted > 0) lines.push('', `(${omitted} more anomalies counted but not listed)`);
  return lines;
}
