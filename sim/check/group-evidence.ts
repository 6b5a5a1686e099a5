// The consumer-group history's own account of a group finding, gathered in one pass over the
// group's operations for the listed findings only:
//
// - records lost to the group: who read the first lost offset, the commit(s) that moved past it,
//   the assignment(s) that followed, and where processing resumed after the gap. The finding's
//   time is the resumption (when the loss was certain); its window starts at the first read.
// - records processed twice: the first two processings of the first offset, and the commits and
//   assignments between them (the last ones before the second processing). The finding's time is
//   the second processing.
//
// Each role keeps at most EVIDENCE_PER_ROLE operations. Spans are matched to findings by binary
// search, so the pass costs O(operations × log findings).

import type { PartitionName } from '../kafka/protocol.ts';
import type { AssignOp, CommitOp, ConsumerOp, ReadSpan } from './check-input.ts';
import { formatSeconds, type Evidence, type Finding } from './verdict.ts';

const EVIDENCE_PER_ROLE = 2;

interface Collector {
  readonly finding: Finding;
  readonly first: number;
  /** The offset just after the run. */
  readonly end: number;
  readonly reads: Evidence[];
  readonly processings: Evidence[];
  readonly commits: Evidence[];
  readonly assigns: Evidence[];
  resume: Evidence | undefined;
}

/** The findings with evidence, times and windows from the group's operations. */
export function attachGroupEvidence(findings: readonly Finding[], ops: readonly ConsumerOp[]): Finding[] {
  if (findings.length === 0) return [];
  const byPartition = new Map<PartitionName, Collector[]>();
  const lostByEnd = new Map<PartitionName, Collector[]>();
  const collectors = findings.map((finding) => {
    const collector: Collector = {
      finding,
      first: finding.offsets[0]!,
      end: finding.offsets[0]! + finding.offsets[1]!,
      reads: [],
      processings: [],
      commits: [],
      assigns: [],
      resume: undefined,
    };
    append(byPartition, finding.partition!, collector);
    if (finding.kind === 'group-lost') append(lostByEnd, finding.partition!, collector);
    return collector;
  });
  for (const list of byPartition.values()) list.sort((a, b) => a.first - b.first);
  for (const list of lostByEnd.values()) list.sort((a, b) => a.end - b.end);
  for (const op of ops) observe(op, byPartition, lostByEnd);
  return collectors.map(complete);
}

function append(map: Map<PartitionName, Collector[]>, partition: PartitionName, collector: Collector): void {
  const list = map.get(partition);
  if (list === undefined) map.set(partition, [collector]);
  else list.push(collector);
}

function observe(op: ConsumerOp, byPartition: ReadonlyMap<PartitionName, Collector[]>, lostByEnd: ReadonlyMap<PartitionName, Collector[]>): void {
  switch (op.type) {
    case 'poll':
      for (const read of op.reads) {
        const list = byPartition.get(read.partition);
        if (list === undefined) continue;
        for (const span of read.spans) forCovering(list, byFirst, span, (c) => keep(c.reads, spanEvidence(op, read.partition, span, 'read')));
      }
      return;
    case 'process': {
      const list = byPartition.get(op.partition);
      if (list === undefined) return;
      const lost = lostByEnd.get(op.partition) ?? [];
      for (const span of op.spans) {
        forCovering(list, byFirst, span, (c) => keep(c.processings, spanEvidence(op, op.partition, span, 'processed')));
        forCovering(lost, byEnd, span, (c) => (c.resume ??= spanEvidence(op, op.partition, span, 'processed')));
      }
      return;
    }
    case 'commit':
      for (const { partition, offset } of op.offsets) {
        for (const c of byPartition.get(partition) ?? []) observeCommit(c, op, partition, offset);
      }
      return;
    case 'assign':
      for (const partition of op.partitions) {
        for (const c of byPartition.get(partition) ?? []) observeAssign(c, op, partition);
      }
      return;
    case 'seek':
      return;
  }
}

function observeCommit(c: Collector, op: CommitOp, partition: PartitionName, offset: number): void {
  const evidence = { timeUs: op.timeUs, event: op.event ?? null, text: `${op.member} committed offset ${offset} of ${partition} at ${formatSeconds(op.timeUs)} (${op.outcome})` };
  if (c.finding.kind === 'group-lost') {
    if (op.outcome !== 'fail' && offset > c.first && c.resume === undefined) keep(c.commits, evidence);
  } else if (c.processings.length === 1) {
    keepLast(c.commits, evidence);
  }
}

function observeAssign(c: Collector, op: AssignOp, partition: PartitionName): void {
  const evidence = { timeUs: op.timeUs, event: op.event ?? null, text: `${op.member} was assigned ${partition} in generation ${op.generation} at ${formatSeconds(op.timeUs)}` };
  const between = c.finding.kind === 'group-lost' ? c.reads.length > 0 && c.resume === undefined : c.processings.length === 1;
  if (!between) return;
  if (c.finding.kind === 'group-lost') keep(c.assigns, evidence);
  else keepLast(c.assigns, evidence);
}

function complete(c: Collector): Finding {
  const lost = c.finding.kind === 'group-lost';
  const evidence = lost
    ? [...c.reads, ...c.commits, ...c.assigns, ...(c.resume === undefined ? [] : [c.resume])]
    : [...c.processings.slice(0, 1), ...c.commits, ...c.assigns, ...c.processings.slice(1)];
  evidence.sort((a, b) => a.timeUs - b.timeUs);
  const timeUs = lost ? (c.resume?.timeUs ?? -1) : (c.processings[1]?.timeUs ?? -1);
  const sinceUs = evidence[0]?.timeUs ?? -1;
  return { ...c.finding, timeUs, sinceUs, evidence };
}

const byFirst = (c: Collector): number => c.first;
const byEnd = (c: Collector): number => c.end;

/** Calls `visit` for every collector whose key offset the span covers; `list` is sorted by key. */
function forCovering(list: readonly Collector[], key: (c: Collector) => number, span: ReadSpan, visit: (collector: Collector) => void): void {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (key(list[mid]!) < span.offset) low = mid + 1;
    else high = mid;
  }
  for (let k = low; k < list.length && key(list[k]!) < span.offset + span.count; k++) visit(list[k]!);
}

function keep(list: Evidence[], evidence: Evidence): void {
  if (list.length < EVIDENCE_PER_ROLE) list.push(evidence);
}

function keepLast(list: Evidence[], evidence: Evidence): void {
  list.push(evidence);
  if (list.length > EVIDENCE_PER_ROLE) list.shift();
}

function spanEvidence(op: ConsumerOp, partition: PartitionName, span: ReadSpan, verb: string): Evidence {
  const offsets = span.count === 1 ? `offset ${span.offset}` : `offsets ${span.offset}–${span.offset + span.count - 1}`;
  return { timeUs: op.timeUs, event: op.event ?? null, text: `${op.member} ${verb} ${offsets} of ${partition} at ${formatSeconds(op.timeUs)}` };
}
