// Live invariants of Kafka replication, checked by an omniscient observer over the replicas'
// states after every change (DESIGN §9), from the TLA+ specification of Kafka's replication
// protocol (hachikuji/kafka-specification, Kip101.tla / Kip320.tla) and FIDELITY §A:
//
// - LeaderInIsr: the leader recorded in ZooKeeper is a member of the ISR recorded there.
// - StrongIsr: every replica that presumes itself leader agrees with every member of the
//   ZooKeeper ISR on all records below its own high watermark: each member has a batch there,
//   with the same offsets, leader epoch and records. A member missing one, or holding a different
//   one, breaks it. (Offsets below a replica's log start offset are gone to retention and not
//   compared.)
// - HwMonotonic: a replica's high watermark never goes down while it leads in one epoch.
// - OneLeaderPerEpoch: no two brokers ever lead the same partition in the same leader epoch.
// - EpochsGrow: the leader epoch in ZooKeeper, each replica's leader epoch (within one process
//   incarnation: a restarted broker starts from nothing) and the controller epoch never decrease.
//
// The historical truncation modes (hw-truncation, kip-101, kip-279) break StrongIsr in the
// scenarios of FIDELITY A3-A6; kip-320 keeps all of these. A violation is a value, reported once
// when it appears (again only after it has cleared), never an assertion: the run goes on and the
// anomaly is explained.
//
// Cost: StrongIsr compares each (presumed leader, member) pair only on the records that became
// committed since the last check. It remembers the last batch checked in both logs; because a
// truncation removes batch objects and an append always makes new ones, finding those same objects
// still in place proves that nothing below them changed.

import type { PartitionName } from '../kafka/protocol.ts';
import { isRecordsPayload } from './check-input.ts';
import { formatRecords } from './verdict.ts';

export type InvariantName = 'LeaderInIsr' | 'StrongIsr' | 'HwMonotonic' | 'OneLeaderPerEpoch' | 'EpochsGrow';

export interface Violation {
  readonly invariant: InvariantName;
  /** Null for cluster-wide invariants (the controller epoch). */
  readonly partition: PartitionName | null;
  readonly detail: string;
}

/** A batch as the checker compares it (PartitionLog's LogBatch fits). */
export interface CheckedBatch {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly leaderEpoch: number;
  readonly payload: unknown;
}

/** The read side of a replica's log (PartitionLog fits). */
export interface CheckedLog {
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  /** Counts truncations that removed batches (PartitionLog's); absent, every check looks again. */
  readonly truncationCount?: number;
  batchContaining(offset: number): CheckedBatch | undefined;
}

export interface ReplicaSnapshot {
  readonly brokerId: number;
  /** Changes on every restart of the broker process. */
  readonly incarnation: number;
  readonly role: 'leader' | 'follower' | 'offline';
  readonly leaderEpoch: number;
  readonly highWatermark: number;
  readonly log: CheckedLog;
}

export interface PartitionSnapshot {
  readonly partition: PartitionName;
  /** The partition's state znode, once it exists. */
  readonly zk?: { readonly leader: number; readonly leaderEpoch: number; readonly isr: readonly number[] };
  readonly replicas: readonly ReplicaSnapshot[];
}

/** Batches StrongIsr compares per call and pair before deferring the rest to the next call. */
export const MAX_BATCHES_COMPARED_PER_PAIR = 100_000;

interface PairProgress {
  checkedUpTo: number;
  leaderBatch: CheckedBatch | undefined;
  memberBatch: CheckedBatch | undefined;
  /** The logs and their truncation counts when the batches above were last found in place. */
  leaderLog: CheckedLog | undefined;
  memberLog: CheckedLog | undefined;
  leaderTruncations: number | undefined;
  memberTruncations: number | undefined;
}

interface ReplicaMemory {
  incarnation: number;
  leaderEpoch: number;
  /** The HW while leading in leaderEpoch; undefined when not leading. */
  leaderHighWatermark: number | undefined;
}

interface PartitionMemory {
  zkLeaderEpoch: number;
  readonly leaders: Map<number, number>;
  readonly replicas: Map<number, ReplicaMemory>;
  readonly pairs: Map<string, PairProgress>;
  /** Conditions found by the previous check, reported when they first appeared. */
  active: Set<string>;
  /** Events already reported that a later check would find again (a second leader of an epoch). */
  readonly reported: Set<string>;
}

function samePayload(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const keysA = Object.keys(a);
  const recordA = a as Record<string, unknown>;
  const recordB = b as Record<string, unknown>;
  return keysA.length === Object.keys(b).length && keysA.every((key) => recordA[key] === recordB[key]);
}

function sameBatch(a: CheckedBatch, b: CheckedBatch): boolean {
  return a === b || (a.baseOffset === b.baseOffset && a.lastOffset === b.lastOffset &&
    a.leaderEpoch === b.leaderEpoch && samePayload(a.payload, b.payload));
}

/** A batch in a violation's words: its offsets, epoch, and the producer records it holds (p1#354). */
function describe(batch: CheckedBatch): string {
  const payload = batch.payload;
  const what = isRecordsPayload(payload) ? formatRecords(payload.producer, payload.firstRecord, payload.count) : JSON.stringify(payload);
  return `[${batch.baseOffset}..${batch.lastOffset}] epoch ${batch.leaderEpoch} ${what}`;
}

/** Where a StrongIsr difference lies, for its description. */
function belowHighWatermark(leader: ReplicaSnapshot): string {
  return `below leader ${leader.brokerId}'s high watermark ${leader.highWatermark} (epoch ${leader.leaderEpoch})`;
}

export class InvariantMonitor {
  private readonly partitions = new Map<PartitionName, PartitionMemory>();
  private controllerEpoch = -1;

  /** The controller epoch in ZooKeeper (/controller_epoch). */
  observeControllerEpoch(epoch: number): Violation[] {
    const previous = this.controllerEpoch;
    this.controllerEpoch = Math.max(previous, epoch);
    if (epoch >= previous) return [];
    const detail = `controller epoch went from ${previous} to ${epoch}`;
    return [{ invariant: 'EpochsGrow', partition: null, detail }];
  }

  /** Checks one partition after a change to any of its replicas or its ZooKeeper state. */
  observePartition(snapshot: PartitionSnapshot): Violation[] {
    const memory = this.memoryOf(snapshot.partition);
    const events: Violation[] = [];
    let conditions: Map<string, Violation> | null = null;
    const report = (invariant: InvariantName, detail: string): void => {
      events.push({ invariant, partition: snapshot.partition, detail });
    };
    const condition = (key: string, invariant: InvariantName, detail: string): void => {
      conditions ??= new Map();
      conditions.set(key, { invariant, partition: snapshot.partition, detail });
    };
    this.checkZk(snapshot, memory, report, condition);
    for (const replica of snapshot.replicas) this.checkReplica(replica, memory, report);
    this.checkStrongIsr(snapshot, memory, condition);
    const found = conditions as Map<string, Violation> | null;
    if (found === null) {
      // The usual case: nothing wrong now, and no need for a new (empty) set.
      if (memory.active.size > 0) memory.active = new Set();
      return events;
    }
    for (const [key, violation] of found) {
      if (!memory.active.has(key)) events.push(violation);
    }
    memory.active = new Set(found.keys());
    return events;
  }

  private memoryOf(partition: PartitionName): PartitionMemory {
    let memory = this.partitions.get(partition);
    if (memory === undefined) {
      memory = {
        zkLeaderEpoch: -1,
        leaders: new Map(),
        replicas: new Map(),
        pairs: new Map(),
        active: new Set(),
        reported: new Set(),
      };
      this.partitions.set(partition, memory);
    }
    return memory;
  }

  private checkZk(
    snapshot: PartitionSnapshot,
    memory: PartitionMemory,
    report: (invariant: InvariantName, detail: string) => void,
    condition: (key: string, invariant: InvariantName, detail: string) => void,
  ): void {
    const zk = snapshot.zk;
    if (zk === undefined) return;
    if (zk.leaderEpoch < memory.zkLeaderEpoch) {
      report('EpochsGrow', `ZooKeeper leader epoch went from ${memory.zkLeaderEpoch} to ${zk.leaderEpoch}`);
    }
    memory.zkLeaderEpoch = Math.max(memory.zkLeaderEpoch, zk.leaderEpoch);
    if (zk.leader >= 0 && !zk.isr.includes(zk.leader)) {
      condition(`LeaderInIsr|${zk.leader}|${zk.isr.join(',')}`, 'LeaderInIsr',
        `leader ${zk.leader} is not in the ISR [${zk.isr.join(', ')}] (epoch ${zk.leaderEpoch})`);
    }
  }

  private checkReplica(
    replica: ReplicaSnapshot,
    memory: PartitionMemory,
    report: (invariant: InvariantName, detail: string) => void,
  ): void {
    let seen = memory.replicas.get(replica.brokerId);
    if (seen === undefined || seen.incarnation !== replica.incarnation) {
      seen = { incarnation: replica.incarnation, leaderEpoch: replica.leaderEpoch, leaderHighWatermark: undefined };
      memory.replicas.set(replica.brokerId, seen);
    }
    if (replica.leaderEpoch < seen.leaderEpoch) {
      report('EpochsGrow',
        `broker ${replica.brokerId}'s leader epoch went from ${seen.leaderEpoch} to ${replica.leaderEpoch}`);
    }
    const sameLeadership = seen.leaderHighWatermark !== undefined && seen.leaderEpoch === replica.leaderEpoch;
    if (replica.role === 'leader') {
      if (sameLeadership && replica.highWatermark < seen.leaderHighWatermark!) {
        report('HwMonotonic', `leader ${replica.brokerId}'s high watermark went from ` +
          `${seen.leaderHighWatermark} to ${replica.highWatermark} in epoch ${replica.leaderEpoch}`);
      }
      seen.leaderHighWatermark = replica.highWatermark;
      this.checkOneLeader(replica, memory, report);
    } else {
      seen.leaderHighWatermark = undefined;
    }
    seen.leaderEpoch = Math.max(seen.leaderEpoch, replica.leaderEpoch);
  }

  private checkOneLeader(
    replica: ReplicaSnapshot,
    memory: PartitionMemory,
    report: (invariant: InvariantName, detail: string) => void,
  ): void {
    const first = memory.leaders.get(replica.leaderEpoch);
    if (first === undefined) {
      memory.leaders.set(replica.leaderEpoch, replica.brokerId);
      return;
    }
    const key = `${replica.leaderEpoch}|${replica.brokerId}`;
    if (first !== replica.brokerId && !memory.reported.has(key)) {
      memory.reported.add(key);
      report('OneLeaderPerEpoch', `brokers ${first} and ${replica.brokerId} both led epoch ${replica.leaderEpoch}`);
    }
  }

  private checkStrongIsr(
    snapshot: PartitionSnapshot,
    memory: PartitionMemory,
    condition: (key: string, invariant: InvariantName, detail: string) => void,
  ): void {
    const isr = snapshot.zk?.isr ?? [];
    for (const leader of snapshot.replicas) {
      if (leader.role !== 'leader') continue;
      for (const member of snapshot.replicas) {
        if (member.brokerId === leader.brokerId || !isr.includes(member.brokerId)) continue;
        const detail = this.comparePair(leader, member, memory);
        if (detail !== undefined) condition(`StrongIsr|${leader.brokerId}|${member.brokerId}`, 'StrongIsr', detail);
      }
    }
  }

  /** Compares a member's log with a presumed leader's below its HW; a description if they differ. */
  private comparePair(leader: ReplicaSnapshot, member: ReplicaSnapshot, memory: PartitionMemory): string | undefined {
    const key = `${leader.brokerId}>${member.brokerId}`;
    const start = Math.max(leader.log.logStartOffset, member.log.logStartOffset);
    let progress = memory.pairs.get(key);
    if (progress === undefined || !this.stillInPlace(progress, leader.log, member.log)) {
      progress = { checkedUpTo: start, leaderBatch: undefined, memberBatch: undefined, leaderLog: undefined, memberLog: undefined, leaderTruncations: undefined, memberTruncations: undefined };
      memory.pairs.set(key, progress);
    }
    let offset = Math.max(progress.checkedUpTo, start);
    for (let compared = 0; offset < leader.highWatermark && compared < MAX_BATCHES_COMPARED_PER_PAIR; compared++) {
      const ours = leader.log.batchContaining(offset);
      if (ours === undefined) return undefined;
      const theirs = member.log.batchContaining(offset);
      if (theirs === undefined) {
        return `ISR member ${member.brokerId} lacks offset ${offset} ${belowHighWatermark(leader)}: ` +
          `its log ends at ${member.log.logEndOffset}`;
      }
      if (!sameBatch(ours, theirs)) {
        return `ISR member ${member.brokerId} has ${describe(theirs)} where leader ${leader.brokerId} has ` +
          `${describe(ours)}, ${belowHighWatermark(leader)}`;
      }
      offset = ours.lastOffset + 1;
      progress.checkedUpTo = offset;
      progress.leaderBatch = ours;
      progress.memberBatch = theirs;
    }
    return undefined;
  }

  private stillInPlace(progress: PairProgress, leaderLog: CheckedLog, memberLog: CheckedLog): boolean {
    if (progress.leaderBatch === undefined) return true;
    // Neither log truncated since the batches were last found: they are still there (or gone to
    // retention, below the log start, which the comparison skips anyway).
    if (progress.leaderLog === leaderLog && progress.memberLog === memberLog && leaderLog.truncationCount !== undefined &&
      progress.leaderTruncations === leaderLog.truncationCount && progress.memberTruncations === memberLog.truncationCount) {
      return true;
    }
    const last = progress.checkedUpTo - 1;
    if (leaderLog.batchContaining(last) !== progress.leaderBatch || memberLog.batchContaining(last) !== progress.memberBatch) return false;
    progress.leaderLog = leaderLog;
    progress.memberLog = memberLog;
    progress.leaderTruncations = leaderLog.truncationCount;
    progress.memberTruncations = memberLog.truncationCount;
    return true;
  }
}
