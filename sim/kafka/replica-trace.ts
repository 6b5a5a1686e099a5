// The trace events a broker emits about its replicas (DESIGN §10): what each LeaderAndIsr made of
// a partition here (full detail), leader-made ISR changes, truncations (with the records removed and why), and
// every replica's log end offset and high watermark — the last coalesced, at most one event per
// partition and broker every REPLICA_OFFSETS_INTERVAL_US, carrying the latest values, because a
// busy partition changes them on every fetch.

import { Level } from '../core/trace.ts';
import type { ActorContext } from '../hw/actor.ts';
import type { IsrChangeProposal, IsrChangeResult } from './isr-state.ts';
import type { Partition } from './partition.ts';
import type { BatchPayload, ErrorCode, LeaderAndIsrPartitionState, PartitionName } from './protocol.ts';
import type { TruncationRecord } from './truncation.ts';

/** How often a replica's LEO/HW may be reported. */
export const REPLICA_OFFSETS_INTERVAL_US = 100_000;

export class ReplicaTrace {
  private readonly dirty = new Map<PartitionName, Partition>();
  private flushScheduled = false;

  constructor(
    private readonly ctx: ActorContext,
    private readonly brokerId: number,
  ) {}

  /**
   * A LeaderAndIsr entry this broker applied (role: leader or follower) or ignored because its
   * leader epoch was not newer (a new controller re-sends every state). Full detail only: the
   * controller's leader-election and isr-change events carry the decisions at standard detail.
   */
  leaderAndIsr(state: LeaderAndIsrPartitionState, controllerId: number, controllerEpoch: number, outcome: 'leader' | 'follower' | ErrorCode): void {
    if (!this.ctx.trace.fullDetail) {
      this.ctx.trace.skip();
      return;
    }
    const applied = outcome === 'leader' || outcome === 'follower';
    this.ctx.trace.emit(
      'leader-and-isr',
      {
        broker: this.brokerId,
        partition: state.partition,
        controller: controllerId,
        controllerEpoch,
        leader: state.leader,
        leaderEpoch: state.leaderEpoch,
        isr: state.isr,
        replicas: state.replicas,
        ...(applied ? { role: outcome } : { ignored: outcome }),
      },
      Level.Full,
    );
  }

  /** A whole request refused for its controller epoch (a zombie controller fenced). */
  staleController(kind: string, controllerId: number, controllerEpoch: number, knownEpoch: number): void {
    this.ctx.trace.emit('stale-controller-request', {
      broker: this.brokerId,
      request: kind,
      controller: controllerId,
      controllerEpoch,
      knownControllerEpoch: knownEpoch,
    });
  }

  /** A truncation that removed something (a no-op truncation to the log end is not reported). */
  truncation(partition: Partition, record: TruncationRecord<BatchPayload>): void {
    if (record.fromLogEndOffset === record.toLogEndOffset && record.removedRecordCount === 0) return;
    this.ctx.trace.emit('truncation', {
      broker: this.brokerId,
      partition: partition.name,
      reason: record.reason,
      protocol: record.protocol,
      fromLogEndOffset: record.fromLogEndOffset,
      toLogEndOffset: record.toLogEndOffset,
      removedRecords: record.removedRecordCount,
      removedBatches: record.removedBatches.length,
      leaderEpoch: partition.leaderEpoch,
    });
    this.offsetsChanged(partition);
  }

  /** A leader-made ISR change that committed (AlterIsr answer, or its own ZooKeeper write). */
  isrChange(partition: Partition, proposal: IsrChangeProposal, result: IsrChangeResult): void {
    this.ctx.trace.emit('isr-change', {
      partition: partition.name,
      by: 'leader',
      broker: this.brokerId,
      kind: proposal.kind,
      reason: proposal.kind === 'shrink' ? 'follower-out-of-sync' : 'follower-caught-up',
      leader: this.brokerId,
      leaderEpoch: result.leaderEpoch,
      isr: [...result.isr],
      oldIsr: [...proposal.currentIsr],
      zkVersion: result.zkVersion,
    });
  }

  /** The replica's LEO or HW may have moved; reported at the next flush. */
  offsetsChanged(partition: Partition): void {
    this.dirty.set(partition.name, partition);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.ctx.setTimer(REPLICA_OFFSETS_INTERVAL_US, () => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    for (const partition of this.dirty.values()) {
      this.ctx.trace.emit('replica-offsets', {
        broker: this.brokerId,
        partition: partition.name,
        role: partition.role,
        logStartOffset: partition.logStartOffset,
        logEndOffset: partition.logEndOffset,
        highWatermark: partition.highWatermark,
        leaderEpoch: partition.leaderEpoch,
      });
    }
    this.dirty.clear();
  }
}
