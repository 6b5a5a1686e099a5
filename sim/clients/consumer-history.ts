// What a consumer group did, Jepsen style, in the checker's vocabulary (sim/check/check-input.ts,
// section c): per member, in time order, every new assignment (`assign`), every position set
// without a read (`seek`: a committed offset fetched, auto.offset.reset), every poll() that
// returned records (`poll`, with the high watermark each fetch response carried), every offset
// commit and how it ended (`commit`), and every record the application finished processing
// (`process`). The history belongs to the member, not to a process incarnation: it outlives
// crashes and restarts, as a Jepsen client's history does.
//
// Processing is recorded record by record as it completes, so a crash in the middle of a batch
// leaves exactly the records whose side effect happened. Consecutive records of one partition
// extend the member's last `process` operation while nothing else was recorded in between, which
// keeps the history at about one operation per partition per poll.
//
// Spans: a fetched batch becomes one span of consecutive offsets of one producer's records
// (trimmed to the part past the fetch position), so a poll of 500 records is a handful of spans.

import type { AssignOp, CommitOp, ConsumerGroupHistory, ConsumerOp, PartitionRead, PollOp, ProcessOp, ReadSpan, SeekOp } from '../check/check-input.ts';
import type { PartitionName } from '../kafka/protocol.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type MutableSpan = Mutable<ReadSpan>;

/** Operations one member may record before the run is treated as runaway. */
export const MAX_CONSUMER_OPS = 50_000_000;

export class ConsumerHistory {
  private readonly list: ConsumerOp[] = [];
  private processedRecords = 0;
  private polledRecords = 0;

  constructor(readonly member: string) {}

  /** Every operation so far, in time order. */
  get ops(): readonly ConsumerOp[] {
    return this.list;
  }

  get processed(): number {
    return this.processedRecords;
  }

  get polled(): number {
    return this.polledRecords;
  }

  assign(timeUs: number, generation: number, partitions: readonly PartitionName[], event?: number): void {
    const op: AssignOp = { type: 'assign', member: this.member, timeUs, generation, partitions: [...partitions], ...(event === undefined ? {} : { event }) };
    this.push(op);
  }

  seek(timeUs: number, partition: PartitionName, offset: number, reason: string): void {
    const op: SeekOp = { type: 'seek', member: this.member, timeUs, partition, offset, reason };
    this.push(op);
  }

  poll(timeUs: number, reads: readonly PartitionRead[], event?: number): void {
    for (const read of reads) for (const span of read.spans) this.polledRecords += span.count;
    const op: PollOp = { type: 'poll', member: this.member, timeUs, reads, ...(event === undefined ? {} : { event }) };
    this.push(op);
  }

  commit(timeUs: number, outcome: CommitOp['outcome'], offsets: readonly { partition: PartitionName; offset: number }[], event?: number): void {
    const op: CommitOp = { type: 'commit', member: this.member, timeUs, outcome, offsets: offsets.map((entry) => ({ ...entry })), ...(event === undefined ? {} : { event }) };
    this.push(op);
  }

  /** `count` records of `partition` from `offset` finished processing at `timeUs`. */
  processedSpan(timeUs: number, partition: PartitionName, offset: number, count: number, producer: string, firstRecord: number): void {
    this.processedRecords += count;
    const last = this.list[this.list.length - 1] as Mutable<ProcessOp> | undefined;
    if (last !== undefined && last.type === 'process' && last.partition === partition) {
      const tail = last.spans[last.spans.length - 1] as MutableSpan | undefined;
      if (tail !== undefined && tail.producer === producer && tail.offset + tail.count === offset && tail.firstRecord + tail.count === firstRecord) {
        tail.count += count;
      } else {
        (last.spans as MutableSpan[]).push({ offset, count, producer, firstRecord });
      }
      last.timeUs = timeUs;
      return;
    }
    const op: ProcessOp = { type: 'process', member: this.member, timeUs, partition, spans: [{ offset, count, producer, firstRecord }] };
    this.push(op);
  }

  private push(op: ConsumerOp): void {
    if (this.list.length >= MAX_CONSUMER_OPS) throw new RangeError(`consumer ${this.member}: more than ${MAX_CONSUMER_OPS} operations recorded`);
    this.list.push(op);
  }
}

/** A group's history for the checker: every member's operations merged in time order. */
export function groupHistory(group: string, members: readonly ConsumerHistory[]): ConsumerGroupHistory {
  const ops: ConsumerOp[] = [];
  for (const member of members) for (const op of member.ops) ops.push(op);
  // A stable sort keeps each member's own order, and members in the order given at equal times.
  ops.sort((a, b) => a.timeUs - b.timeUs);
  return { group, ops };
}
