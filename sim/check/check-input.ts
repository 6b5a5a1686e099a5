// What the history checker reads: plain data only, so one checker serves a live run (adapters at
// the end of this file read the producers' histories and the brokers' logs) and a trace read back
// from disk. Four inputs, as in Jepsen's Kafka workload (jepsen.tests.kafka), plus the final
// state only an omniscient simulator has:
//
// (a) Producer histories: every batch of one producer to one partition is a *range* of records,
//     consecutive in that producer's per-partition send order, with one outcome (ok / fail / info,
//     or pending if the run ended first). A record's identity is (producer, partition, index in
//     the send order): what ProducerRecords carries on the wire (sim/kafka/protocol.ts).
// (b) The final log of every replica of every partition, as batches in offset order, with the
//     replica's high watermark. The partition's leader at the end decides what is committed: its
//     batches below its HW. All replicas are compared for divergence.
// (c) Consumer-group histories: per group, the operations of its members in time order. Their
//     vocabulary follows Jepsen's Kafka taxonomy, where a consumer's `assign`/`subscribe` resets
//     what it may expect, `poll` returns records per partition with offsets, and the checker
//     looks for poll skips and non-monotonic polls within one assignment; Kafka adds seeks
//     (auto.offset.reset after OFFSET_OUT_OF_RANGE, or an explicit seek), commits, and the
//     application's processing, which decides what the group lost or did twice.
// (d) The trace events (DESIGN §10), only to explain anomalies (see trace-index.ts), and the live
//     invariant violations (sim/check/invariants.ts) with the event that broke them.
//
// The adapters read a live run without copying: a ProducerHistory (sim/clients/history.ts) range
// by range, and a replica's PartitionLog (sim/kafka/log.ts) as its batches.
//
// Records read by a consumer travel as spans, not one object per record: `count` consecutive
// offsets from `offset` holding records firstRecord… of one producer, which is how a fetched batch
// (or its tail past the fetch position) looks. A span never crosses batches of two producers.

import { outcomeName, type ProducerHistory } from '../clients/history.ts';
import type { TraceEvent } from '../core/trace.ts';
import type { PartitionLog } from '../kafka/log.ts';
import type { PartitionName } from '../kafka/protocol.ts';
import type { Violation } from './invariants.ts';

// ---- (a) producers ------------------------------------------------------------------------------

export type ProducedOutcome = 'ok' | 'fail' | 'info' | 'pending';

/** One batch of a producer's records to one partition and how it ended (times in µs, −1: none). */
export interface ProducedRange {
  readonly partition: PartitionName;
  readonly firstRecord: number;
  readonly count: number;
  readonly outcome: ProducedOutcome;
  /** The offset the broker acknowledged the first record at; −1 when not ok, or ok with acks=0. */
  readonly baseOffset: number;
  /** The leader epoch the broker appended in (from the produce response); −1 when unknown. */
  readonly leaderEpoch: number;
  readonly sentUs: number;
  readonly completeUs: number;
  /** Produce requests that carried the batch (more than one: retried). */
  readonly attempts: number;
  readonly error: string | null;
}

export interface ProducerHistoryInput {
  readonly producer: string;
  /** Every range, read once, in any order. */
  readonly ranges: Iterable<ProducedRange>;
}

// ---- (b) final logs -----------------------------------------------------------------------------

/** A batch as the log holds it (PartitionLog's LogBatch fits); payload is a BatchPayload. */
export interface FinalBatch {
  readonly baseOffset: number;
  readonly recordCount: number;
  readonly leaderEpoch: number;
  readonly payload: unknown;
}

export interface ReplicaFinalLog {
  readonly broker: number;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  /**
   * In the partition's final ISR (default true). A replica outside it may still truncate when it
   * catches up, so its divergence is only `unknown`.
   */
  readonly inSync?: boolean;
  /** Batches in offset order. */
  readonly batches: readonly FinalBatch[];
}

export interface PartitionFinalState {
  readonly partition: PartitionName;
  /** The leader at the end of the run; null while the partition is offline. */
  readonly leader: number | null;
  readonly replicas: readonly ReplicaFinalLog[];
}

// ---- (c) consumer groups ------------------------------------------------------------------------

export interface ReadSpan {
  readonly offset: number;
  readonly count: number;
  readonly producer: string;
  readonly firstRecord: number;
}

/** Fields every consumer operation has; `event` is the trace event that recorded it, if any. */
interface ConsumerOpBase {
  readonly member: string;
  readonly timeUs: number;
  readonly event?: number;
}

/** A new assignment (a completed rebalance, or assign()): positions start over. */
export interface AssignOp extends ConsumerOpBase {
  readonly type: 'assign';
  readonly generation: number;
  readonly partitions: readonly PartitionName[];
}

/** The position moved without a read: seek(), auto.offset.reset, a committed offset fetched. */
export interface SeekOp extends ConsumerOpBase {
  readonly type: 'seek';
  readonly partition: PartitionName;
  readonly offset: number;
  readonly reason: string;
}

export interface PartitionRead {
  readonly partition: PartitionName;
  /** In the order the consumer returned them. */
  readonly spans: readonly ReadSpan[];
  /** The high watermark the fetch response carried, when recorded. */
  readonly highWatermark?: number;
}

/** What one poll() returned. */
export interface PollOp extends ConsumerOpBase {
  readonly type: 'poll';
  readonly reads: readonly PartitionRead[];
}

/** An offset commit (commitSync, commitAsync or auto-commit) and how it ended. */
export interface CommitOp extends ConsumerOpBase {
  readonly type: 'commit';
  readonly outcome: 'ok' | 'fail' | 'info';
  readonly offsets: readonly { readonly partition: PartitionName; readonly offset: number }[];
}

/** Records the application finished processing (its side effect happened). */
export interface ProcessOp extends ConsumerOpBase {
  readonly type: 'process';
  readonly partition: PartitionName;
  readonly spans: readonly ReadSpan[];
}

export type ConsumerOp = AssignOp | SeekOp | PollOp | CommitOp | ProcessOp;

export interface ConsumerGroupHistory {
  readonly group: string;
  /** Every member's operations, in time order. */
  readonly ops: readonly ConsumerOp[];
}

// ---- (d) live invariants and the whole input ----------------------------------------------------

/** A live invariant violation as the run recorded it. */
export interface RecordedViolation extends Violation {
  readonly timeUs: number;
  /** The trace event after which the monitor found it, or null. */
  readonly event: number | null;
}

export interface CheckInput {
  readonly producers: readonly ProducerHistoryInput[];
  readonly partitions: readonly PartitionFinalState[];
  readonly groups?: readonly ConsumerGroupHistory[];
  /** Omitted: the invariants were not monitored (no verdict); empty: monitored, none broken. */
  readonly violations?: readonly RecordedViolation[];
  /** For the explanations only. */
  readonly trace?: Iterable<TraceEvent>;
}

/** The producer records a batch carries (BatchPayload kind 'records'), recognised structurally. */
export interface RecordsPayload {
  readonly kind: 'records';
  readonly producer: string;
  readonly firstRecord: number;
  readonly count: number;
}

export function isRecordsPayload(payload: unknown): payload is RecordsPayload {
  return typeof payload === 'object' && payload !== null && (payload as { kind?: unknown }).kind === 'records';
}

// ---- adapters from a live run ---------------------------------------------------------------------

/** A producer's history as checker input; its ranges can be iterated more than once. */
export function producerHistoryInput(history: ProducerHistory): ProducerHistoryInput {
  return {
    producer: history.producer,
    ranges: {
      *[Symbol.iterator](): IterableIterator<ProducedRange> {
        for (const range of history.ranges()) {
          yield {
            partition: range.partition,
            firstRecord: range.firstRecord,
            count: range.count,
            outcome: outcomeName(range.outcome),
            baseOffset: range.baseOffset,
            leaderEpoch: range.leaderEpoch,
            sentUs: range.sentUs,
            completeUs: range.completeUs,
            attempts: range.attempts,
            error: range.error,
          };
        }
      },
    },
  };
}

/** One replica's final log: its batches are shared, not copied. */
export function replicaFinalLog(broker: number, log: PartitionLog<unknown>, highWatermark: number, inSync: boolean): ReplicaFinalLog {
  return { broker, highWatermark, logStartOffset: log.logStartOffset, inSync, batches: [...log.batches()] };
}
