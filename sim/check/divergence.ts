// Divergent replicas, at the end of a run: two replicas of one partition holding different records
// at one offset below the high watermark, the end state Kafka's truncation protocols exist to
// prevent (KIP-101 scenario 2, KAFKA-6361, KAFKA-7164; FIDELITY A4-A6). The live StrongIsr
// invariant (invariants.ts) catches the moment it happens; this check says whether it lasted.
//
// Spec: every replica is compared with the reference replica (the final leader; the best replica
// of an offline partition) on the offsets both hold below the reference's HW:
// [max of the two log start offsets, min(reference HW, the replica's log end offset)). A replica
// that is merely behind is not divergent. Records are compared by identity (producer and index in
// its send order; other payloads by value); leader epochs are not compared, because one retried
// batch appended at the same offset by two leaders holds the same data. One finding per divergent
// replica (count 1), offsets [first divergent offset, number of divergent offsets]. It is
// `invalid` for a member of the final ISR and `unknown` for a replica outside it (it may still
// truncate when it catches up) or for an offline partition.
//
// Cost: a merge walk over the two batch lists, comparing whole overlapping chunks at once, so it
// is linear in batches, not records; identical batch objects (shared in memory) compare at once.

import { isRecordsPayload, type FinalBatch, type ReplicaFinalLog } from './check-input.ts';
import { describeRecordAt, type CommittedLog } from './committed-log.ts';
import type { Finding } from './verdict.ts';

interface Divergence {
  firstOffset: number;
  offsets: number;
  ours: FinalBatch;
  theirs: FinalBatch;
}

/** Compares every replica with the reference; one finding per divergent replica. */
export function checkDivergence(log: CommittedLog, replicas: readonly ReplicaFinalLog[], emit: (finding: Finding) => void): void {
  for (const replica of replicas) {
    if (replica.broker === log.referenceBroker) continue;
    const divergence = compareLogs(log, replica);
    if (divergence === undefined) continue;
    const { firstOffset, ours, theirs } = divergence;
    const inSync = replica.inSync !== false;
    emit({
      kind: 'divergent-replica',
      verdict: inSync && log.decided ? 'invalid' : 'unknown',
      partition: log.partition,
      broker: replica.broker,
      count: 1,
      offsets: [firstOffset, divergence.offsets],
      timeUs: -1,
      leaderEpoch: theirs.leaderEpoch,
      otherLeaderEpoch: ours.leaderEpoch,
      ...(inSync && log.decided ? {} : { unknownBecause: inSync ? 'the partition is offline at the end' : `broker ${replica.broker} is outside the final ISR and may still truncate` }),
      evidence: [{
        timeUs: -1,
        event: null,
        text: `at offset ${firstOffset} broker ${replica.broker} holds ${describeRecordAt(theirs, firstOffset)} ` +
          `where broker ${log.referenceBroker} holds ${describeRecordAt(ours, firstOffset)}`,
      }],
    });
  }
}

function compareLogs(log: CommittedLog, replica: ReplicaFinalLog): Divergence | undefined {
  const theirs = replica.batches;
  const last = theirs[theirs.length - 1];
  const replicaEnd = last === undefined ? replica.logStartOffset : last.baseOffset + last.recordCount;
  const end = Math.min(log.highWatermark, replicaEnd);
  let offset = Math.max(log.logStartOffset, replica.logStartOffset);
  let i = batchIndexIn(log.batches, offset);
  let j = batchIndexIn(theirs, offset);
  let found: Divergence | undefined;
  while (offset < end && i < log.batches.length && j < theirs.length) {
    const a = log.batches[i]!;
    const b = theirs[j]!;
    const aEnd = a.baseOffset + a.recordCount;
    const bEnd = b.baseOffset + b.recordCount;
    if (aEnd <= offset || bEnd <= offset) {
      if (aEnd <= offset) i++;
      if (bEnd <= offset) j++;
      continue;
    }
    if (offset < a.baseOffset || offset < b.baseOffset) {
      // A gap in one log (none in Kafka's dense logs, but cheap to allow): resume where both hold data.
      offset = Math.max(a.baseOffset, b.baseOffset);
      continue;
    }
    const chunkEnd = Math.min(aEnd, bEnd, end);
    if (!sameRecords(a, b, offset)) {
      if (found === undefined) found = { firstOffset: offset, offsets: 0, ours: a, theirs: b };
      found.offsets += chunkEnd - offset;
    }
    offset = chunkEnd;
  }
  return found;
}

/** Do two batches hold the same records from `offset` to the end of their overlap? */
function sameRecords(a: FinalBatch, b: FinalBatch, offset: number): boolean {
  if (a === b) return true;
  const pa = a.payload;
  const pb = b.payload;
  if (isRecordsPayload(pa) && isRecordsPayload(pb)) {
    return pa.producer === pb.producer &&
      pa.firstRecord + (offset - a.baseOffset) === pb.firstRecord + (offset - b.baseOffset);
  }
  if (isRecordsPayload(pa) || isRecordsPayload(pb)) return false;
  return a.baseOffset === b.baseOffset && a.recordCount === b.recordCount && sameValue(pa, pb);
}

/** Shallow equality of two non-record payloads (offset commits, group metadata). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  return keys.length === Object.keys(right).length && keys.every((key) => {
    const x = left[key];
    const y = right[key];
    return x === y || (Array.isArray(x) && Array.isArray(y) && x.length === y.length && x.every((v, k) => v === y[k]));
  });
}

/** Index of the batch holding `offset` in a batch list, or of the first batch after it. */
export function batchIndexIn(batches: readonly FinalBatch[], offset: number): number {
  let low = 0;
  let high = batches.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const batch = batches[mid]!;
    if (batch.baseOffset + batch.recordCount <= offset) low = mid + 1;
    else high = mid;
  }
  return low;
}
