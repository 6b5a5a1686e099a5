// What each consumer read, poll by poll, in Jepsen's Kafka taxonomy (jepsen.tests.kafka), judged
// against the fetch responses and the final committed logs:
//
// - read-above-hw: a poll returned a record at or above the high watermark its fetch response
//   carried. Kafka's leader serves consumers only below the HW (Partition.fetchRecords with
//   FetchIsolation.HIGH_WATERMARK), so any such read is a broker bug. Checked only when the
//   history recorded the response's HW. Offsets [first offset at or above it].
// - read-truncated: a poll returned records the final committed log does not hold at those
//   offsets (other records, or none): the consumer saw data that was later truncated away, the
//   consumer-visible face of a lost write (Jepsen's inconsistent offsets, judged against the final
//   log). `unknown` when the same records are still there but not yet below the HW, or when the
//   partition is offline at the end. Offsets [first offset that differs].
// - poll-skip: within one assignment of one member, a read on a partition starts past the offset
//   after that member's previous read there, and the committed log holds records in between: the
//   member skipped them. Offsets [expected offset, offset read]; it counts the skipped records.
// - nonmonotonic-poll: within one assignment, a read starts at or before the member's previous
//   read's last offset, with no seek in between: the member went backwards. Offsets
//   [previous read's last offset, offset read]; it counts occurrences.
//
// An assign op (a rebalance's new assignment, or assign()) starts the member's expectations over,
// as Jepsen does for subscribe/assign, and a seek op moves one partition's expectation: Kafka
// consumers re-read from the committed offset after a rebalance and jump on auto.offset.reset,
// and neither is an anomaly. What the group as a whole lost or did twice is
// group-processing.ts's business.

import type { PartitionName } from '../kafka/protocol.ts';
import type { AssignOp, PartitionRead, PollOp, ReadSpan, SeekOp } from './check-input.ts';
import type { CommittedLog } from './committed-log.ts';
import { formatRecords, formatSeconds, type Evidence, type Finding } from './verdict.ts';

/**
 * Where a member's next read of a partition should start, and what set it: a seek, or a poll's
 * span. Kept as references and turned into evidence text only for a finding, and updated in
 * place, so the common path allocates nothing.
 */
interface Position {
  next: number;
  op: PollOp | SeekOp;
  span: ReadSpan | null;
}

export class PollChecker {
  /** member → partition → where its next read should start, within its current assignment. */
  private readonly positions = new Map<string, Map<PartitionName, Position>>();

  constructor(
    private readonly group: string,
    private readonly logs: ReadonlyMap<PartitionName, CommittedLog>,
    private readonly emit: (finding: Finding) => void,
  ) {}

  assign(op: AssignOp): void {
    this.positions.delete(op.member);
  }

  seek(op: SeekOp): void {
    this.positionsOf(op.member).set(op.partition, { next: op.offset, op, span: null });
  }

  poll(op: PollOp): void {
    for (const read of op.reads) {
      for (const span of read.spans) {
        if (span.count <= 0) continue;
        this.checkHighWatermark(op, read, span);
        this.checkCommitted(op, read.partition, span);
        this.checkPosition(op, read.partition, span);
      }
    }
  }

  private checkHighWatermark(op: PollOp, read: PartitionRead, span: ReadSpan): void {
    const highWatermark = read.highWatermark;
    const end = span.offset + span.count;
    if (highWatermark === undefined || end <= highWatermark) return;
    const from = Math.max(span.offset, highWatermark);
    this.emit({
      ...this.base('read-above-hw', op, read.partition, end - from, [from]),
      records: { first: span.firstRecord + (from - span.offset), count: end - from },
      producer: span.producer,
      evidence: [
        positionEvidence(read.partition, { next: end, op, span }),
        { timeUs: op.timeUs, event: op.event ?? null, text: `the fetch response's high watermark was ${highWatermark}` },
      ],
    });
  }

  private checkCommitted(op: PollOp, partition: PartitionName, span: ReadSpan): void {
    const log = this.logs.get(partition);
    if (log === undefined) return;
    const match = log.matchSpan(span);
    if (match.kind === 'committed') return;
    const now = log.describeAt(match.offset);
    const unknownBecause = match.kind === 'uncommitted'
      ? `the records are still in broker ${log.referenceBroker}'s log but not below its high watermark ${log.highWatermark}`
      : log.decided ? undefined : 'the partition is offline at the end';
    this.emit({
      ...this.base('read-truncated', op, partition, match.count, [match.offset]),
      verdict: unknownBecause === undefined ? 'invalid' : 'unknown',
      records: { first: span.firstRecord + (match.offset - span.offset), count: match.count },
      producer: span.producer,
      ...(unknownBecause === undefined ? {} : { unknownBecause }),
      evidence: [
        positionEvidence(partition, { next: span.offset + span.count, op, span }),
        { timeUs: -1, event: null, text: `at the end, offset ${match.offset} holds ${now}` },
      ],
    });
  }

  private checkPosition(op: PollOp, partition: PartitionName, span: ReadSpan): void {
    const positions = this.positionsOf(op.member);
    const previous = positions.get(partition);
    if (previous === undefined) {
      positions.set(partition, { next: span.offset + span.count, op, span });
      return;
    }
    if (span.offset !== previous.next) this.reportJump(op, partition, span, previous);
    previous.next = span.offset + span.count;
    previous.op = op;
    previous.span = span;
  }

  private reportJump(op: PollOp, partition: PartitionName, span: ReadSpan, previous: Position): void {
    const evidence = [positionEvidence(partition, previous), positionEvidence(partition, { next: span.offset + span.count, op, span })];
    const sinceUs = previous.op.timeUs;
    if (span.offset < previous.next) {
      this.emit({ ...this.base('nonmonotonic-poll', op, partition, 1, [previous.next - 1, span.offset]), sinceUs, evidence });
      return;
    }
    const log = this.logs.get(partition);
    const skipped = log === undefined
      ? span.offset - previous.next
      : Math.max(0, Math.min(span.offset, log.highWatermark) - Math.max(previous.next, log.logStartOffset));
    if (skipped > 0) {
      this.emit({ ...this.base('poll-skip', op, partition, skipped, [previous.next, span.offset]), sinceUs, evidence });
    }
  }

  private base(kind: Finding['kind'], op: PollOp, partition: PartitionName, count: number, offsets: number[]): Finding {
    return { kind, verdict: 'invalid', partition, group: this.group, member: op.member, count, offsets, timeUs: op.timeUs, evidence: [] };
  }

  private positionsOf(member: string): Map<PartitionName, Position> {
    let positions = this.positions.get(member);
    if (positions === undefined) this.positions.set(member, (positions = new Map()));
    return positions;
  }
}

function positionEvidence(partition: PartitionName, position: Position): Evidence {
  const { op, span } = position;
  const event = op.event ?? null;
  if (op.type === 'seek' || span === null) {
    const why = op.type === 'seek' ? ` (${op.reason})` : '';
    return { timeUs: op.timeUs, event, text: `${op.member} moved to offset ${position.next} of ${partition}${why} at ${formatSeconds(op.timeUs)}` };
  }
  const offsets = span.count === 1 ? `offset ${span.offset}` : `offsets ${span.offset}–${span.offset + span.count - 1}`;
  const records = formatRecords(span.producer, span.firstRecord, span.count);
  return { timeUs: op.timeUs, event, text: `${op.member} read ${offsets} of ${partition} (${records}) at ${formatSeconds(op.timeUs)}` };
}
