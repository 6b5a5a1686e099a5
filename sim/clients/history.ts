// The producer's history, Jepsen style: every send() is an operation that is invoked and then ends
// `ok` (acknowledged, with its offset, partition and leader epoch), `fail` (definitely not written)
// or `info` (unknown: the request timed out, the connection broke after the request left, the
// delivery timeout struck while a request was in flight, the client crashed). A timeout is never a
// `fail`: a request that may have reached the broker may have been appended. The checker reads
// this history and nothing else of the producer.
//
// The history must hold millions of records, so it is stored by columns in growable typed arrays:
// per partition, one invoke time and one key index per record (12 bytes); per batch, one *range*
// row (its records are consecutive in the partition's send order, and share one outcome). A
// record's identity is (producer, partition, index in that partition's send order), which is what
// a batch carries on the wire (ProducerRecords in sim/kafka/protocol.ts), so the checker can find
// every appended copy of a record in the logs.
//
// acks=0 completes a batch as soon as it is sent (KafkaProducer returns offset -1): such a range
// is `ok` with baseOffset −1, "sent, never acknowledged"; `acknowledged` counts only ranges the
// broker confirmed. A send() that fails before its record reaches a batch (buffer exhausted,
// metadata missing, record too large) has no record identity and is kept in a short side list.

import { assert } from '../core/assert.ts';
import { nearestRank, valuesAtRanks } from '../core/ranks.ts';
import type { PartitionName } from '../kafka/protocol.ts';

export const Outcome = { Pending: 0, Ok: 1, Fail: 2, Info: 3 } as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

const OUTCOME_NAMES = ['pending', 'ok', 'fail', 'info'] as const;

export function outcomeName(outcome: Outcome): (typeof OUTCOME_NAMES)[number] {
  return OUTCOME_NAMES[outcome];
}

/** One batch's records and how they ended. Times are µs; −1 means "not yet" or "none". */
export interface RangeView {
  readonly id: number;
  readonly partition: PartitionName;
  readonly firstRecord: number;
  readonly count: number;
  readonly createUs: number;
  readonly sentUs: number;
  readonly completeUs: number;
  readonly outcome: Outcome;
  readonly baseOffset: number;
  readonly leaderEpoch: number;
  /** Produce requests that carried the batch. */
  readonly attempts: number;
  readonly error: string | null;
  readonly sizeBytes: number;
}

/** A send() that failed before its record was appended to a batch. */
export interface UnappendedFailure {
  readonly invokeUs: number;
  readonly completeUs: number;
  readonly keyIndex: number;
  readonly error: string;
}

export interface ProducerCounts {
  invoked: number;
  ok: number;
  /** Ok and confirmed by a broker (excludes acks=0 sends). */
  acknowledged: number;
  failed: number;
  unknown: number;
  pending: number;
}

/** A growable column of numbers in a typed array, doubled on demand. */
class Column<A extends Float64Array | Int32Array> {
  private data: A;
  length = 0;

  constructor(private readonly make: (size: number) => A) {
    this.data = make(64);
  }

  push(value: number): number {
    if (this.length === this.data.length) {
      const grown = this.make(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length] = value;
    return this.length++;
  }

  get(index: number): number {
    return this.data[index] as number;
  }

  set(index: number, value: number): void {
    this.data[index] = value;
  }
}

const f64 = (size: number): Float64Array => new Float64Array(size);
const i32 = (size: number): Int32Array => new Int32Array(size);

interface PartitionRecords {
  readonly name: PartitionName;
  readonly invokeUs: Column<Float64Array>;
  readonly keyIndex: Column<Int32Array>;
  /** Range ids in order of their first record. */
  readonly rangeIds: Column<Int32Array>;
}

export class ProducerHistory {
  private readonly partitions: PartitionRecords[] = [];
  private readonly partitionIndexByName = new Map<PartitionName, number>();
  private readonly errors: string[] = [];
  private readonly errorIndex = new Map<string, number>();
  private readonly rangePartition = new Column(i32);
  private readonly rangeFirst = new Column(i32);
  private readonly rangeCount = new Column(i32);
  private readonly rangeCreateUs = new Column(f64);
  private readonly rangeSentUs = new Column(f64);
  private readonly rangeCompleteUs = new Column(f64);
  private readonly rangeOutcome = new Column(i32);
  private readonly rangeBaseOffset = new Column(f64);
  private readonly rangeLeaderEpoch = new Column(i32);
  private readonly rangeAttempts = new Column(i32);
  private readonly rangeError = new Column(i32);
  private readonly rangeSize = new Column(i32);
  private readonly unappended: UnappendedFailure[] = [];
  private readonly counts: ProducerCounts = { invoked: 0, ok: 0, acknowledged: 0, failed: 0, unknown: 0, pending: 0 };

  constructor(readonly producer: string) {}

  // ---- writing (the producer) -----------------------------------------------------------------

  /** The stable index of a partition in this history. */
  partitionIndex(name: PartitionName): number {
    const known = this.partitionIndexByName.get(name);
    if (known !== undefined) return known;
    const index = this.partitions.length;
    this.partitions.push({ name, invokeUs: new Column(f64), keyIndex: new Column(i32), rangeIds: new Column(i32) });
    this.partitionIndexByName.set(name, index);
    return index;
  }

  /** A record was appended; returns its index in the partition's send order. */
  appendRecord(partitionIndex: number, rangeId: number, invokeUs: number, keyIndex: number): number {
    const records = this.partition(partitionIndex);
    assert(this.rangePartition.get(rangeId) === partitionIndex, 'appendRecord: range of another partition');
    const index = records.invokeUs.push(invokeUs);
    records.keyIndex.push(keyIndex);
    this.rangeCount.set(rangeId, this.rangeCount.get(rangeId) + 1);
    this.counts.invoked++;
    this.counts.pending++;
    return index;
  }

  /** The index the partition's next appended record will get. */
  nextRecord(partitionIndex: number): number {
    return this.partition(partitionIndex).invokeUs.length;
  }

  /** A batch was created on the partition; its records follow with appendRecord. */
  openRange(partitionIndex: number, createUs: number): number {
    const records = this.partition(partitionIndex);
    const id = this.rangePartition.push(partitionIndex);
    this.rangeFirst.push(records.invokeUs.length);
    this.rangeCount.push(0);
    this.rangeCreateUs.push(createUs);
    this.rangeSentUs.push(-1);
    this.rangeCompleteUs.push(-1);
    this.rangeOutcome.push(Outcome.Pending);
    this.rangeBaseOffset.push(-1);
    this.rangeLeaderEpoch.push(-1);
    this.rangeAttempts.push(0);
    this.rangeError.push(-1);
    this.rangeSize.push(0);
    records.rangeIds.push(id);
    return id;
  }

  /** A produce request carrying the batch left the client. */
  markSent(rangeId: number, nowUs: number, sizeBytes: number): void {
    if (this.rangeSentUs.get(rangeId) < 0) this.rangeSentUs.set(rangeId, nowUs);
    this.rangeAttempts.set(rangeId, this.rangeAttempts.get(rangeId) + 1);
    this.rangeSize.set(rangeId, sizeBytes);
  }

  complete(rangeId: number, outcome: Outcome, nowUs: number, baseOffset: number, leaderEpoch: number, error: string | null): void {
    assert(outcome !== Outcome.Pending, 'complete: an outcome is required');
    assert(this.rangeOutcome.get(rangeId) === Outcome.Pending, () => `complete: range ${rangeId} already ended`);
    this.rangeOutcome.set(rangeId, outcome);
    this.rangeCompleteUs.set(rangeId, nowUs);
    this.rangeBaseOffset.set(rangeId, baseOffset);
    this.rangeLeaderEpoch.set(rangeId, leaderEpoch);
    this.rangeError.set(rangeId, error === null ? -1 : this.intern(error));
    const count = this.rangeCount.get(rangeId);
    this.counts.pending -= count;
    if (outcome === Outcome.Ok) this.counts.ok += count;
    if (outcome === Outcome.Ok && baseOffset >= 0) this.counts.acknowledged += count;
    if (outcome === Outcome.Fail) this.counts.failed += count;
    if (outcome === Outcome.Info) this.counts.unknown += count;
  }

  isPending(rangeId: number): boolean {
    return this.rangeOutcome.get(rangeId) === Outcome.Pending;
  }

  failUnappended(invokeUs: number, nowUs: number, keyIndex: number, error: string): void {
    this.unappended.push({ invokeUs, completeUs: nowUs, keyIndex, error });
    this.counts.invoked++;
    this.counts.failed++;
  }

  /** Ends every pending range as `info` (the client process that owned them is gone). */
  resolvePending(nowUs: number, error: string): void {
    for (let id = 0; id < this.rangePartition.length; id++) {
      if (this.isPending(id)) this.complete(id, Outcome.Info, nowUs, -1, -1, error);
    }
  }

  // ---- reading (the checker, the summary) -------------------------------------------------------

  get partitionNames(): PartitionName[] {
    return this.partitions.map((records) => records.name);
  }

  get rangeTotal(): number {
    return this.rangePartition.length;
  }

  recordCount(partition: PartitionName): number {
    const index = this.partitionIndexByName.get(partition);
    return index === undefined ? 0 : this.partition(index).invokeUs.length;
  }

  invokeUs(partition: PartitionName, record: number): number {
    return this.records(partition, record).invokeUs.get(record);
  }

  /** The key index of a record (see load.ts `keyName`), −1 for an unkeyed record. */
  keyOf(partition: PartitionName, record: number): number {
    return this.records(partition, record).keyIndex.get(record);
  }

  /** The range (batch) that holds a record. */
  rangeOf(partition: PartitionName, record: number): RangeView {
    const ids = this.records(partition, record).rangeIds;
    let lo = 0;
    let hi = ids.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.rangeFirst.get(ids.get(mid)) <= record) lo = mid;
      else hi = mid - 1;
    }
    return this.range(ids.get(lo));
  }

  /** The offset a record was acknowledged at, or −1 (not ok, or ok without an offset). */
  offsetOf(partition: PartitionName, record: number): number {
    const range = this.rangeOf(partition, record);
    if (range.outcome !== Outcome.Ok || range.baseOffset < 0) return -1;
    return range.baseOffset + (record - range.firstRecord);
  }

  range(id: number): RangeView {
    assert(id >= 0 && id < this.rangePartition.length, () => `range: no range ${id}`);
    const errorIndex = this.rangeError.get(id);
    return {
      id,
      partition: (this.partitions[this.rangePartition.get(id)] as PartitionRecords).name,
      firstRecord: this.rangeFirst.get(id),
      count: this.rangeCount.get(id),
      createUs: this.rangeCreateUs.get(id),
      sentUs: this.rangeSentUs.get(id),
      completeUs: this.rangeCompleteUs.get(id),
      outcome: this.rangeOutcome.get(id) as Outcome,
      baseOffset: this.rangeBaseOffset.get(id),
      leaderEpoch: this.rangeLeaderEpoch.get(id),
      attempts: this.rangeAttempts.get(id),
      error: errorIndex < 0 ? null : (this.errors[errorIndex] as string),
      sizeBytes: this.rangeSize.get(id),
    };
  }

  /** Every range in creation order. */
  *ranges(): IterableIterator<RangeView> {
    for (let id = 0; id < this.rangePartition.length; id++) yield this.range(id);
  }

  get unappendedFailures(): readonly UnappendedFailure[] {
    return this.unappended;
  }

  totals(): ProducerCounts {
    return { ...this.counts };
  }

  /** Ack latency (invoke to completion) of every `ok` record, in µs, in range order. */
  okLatenciesUs(): Float64Array {
    const latencies = new Float64Array(this.counts.ok);
    let next = 0;
    for (let id = 0; id < this.rangePartition.length; id++) {
      if (this.rangeOutcome.get(id) !== Outcome.Ok) continue;
      const records = this.partition(this.rangePartition.get(id));
      const completeUs = this.rangeCompleteUs.get(id);
      const first = this.rangeFirst.get(id);
      const end = first + this.rangeCount.get(id);
      for (let record = first; record < end; record++) latencies[next++] = completeUs - records.invokeUs.get(record);
    }
    return latencies;
  }

  /** Nearest-rank percentiles of the `ok` ack latency, in ms (NaN with no ok record). */
  latencyPercentilesMs(percentiles: readonly number[]): number[] {
    const latencies = this.okLatenciesUs();
    if (latencies.length === 0) return percentiles.map(() => Number.NaN);
    return valuesAtRanks(latencies, percentiles.map((p) => nearestRank(p, latencies.length))).map((us) => us / 1000);
  }

  private partition(index: number): PartitionRecords {
    const records = this.partitions[index];
    assert(records !== undefined, () => `history: no partition #${index}`);
    return records;
  }

  private records(partition: PartitionName, record: number): PartitionRecords {
    const index = this.partitionIndexByName.get(partition);
    assert(index !== undefined, () => `history: ${this.producer} never wrote to ${partition}`);
    const records = this.partition(index);
    assert(record >= 0 && record < records.invokeUs.length, () => `history: ${partition} has no record ${record}`);
    return records;
  }

  private intern(error: string): number {
    const known = this.errorIndex.get(error);
    if (known !== undefined) return known;
    this.errorIndex.set(error, this.errors.length);
    return this.errors.push(error) - 1;
  }
}
