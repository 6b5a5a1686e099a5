// A leader's view of its followers and of the in-sync replica set: kafka.cluster.Replica (the
// per-follower fetch state) and the IsrState of kafka.cluster.Partition (Kafka 2.8; the same rules
// as 3.x's ReplicaState and PartitionState). The leader learns a follower's log end offset only
// from the offsets of its fetch requests; from them it decides who is caught up, which drives the
// high watermark and ISR shrinking.
//
// Replica.updateFetchState, on every follower fetch the leader records:
// - if the fetch offset reaches the leader's LEO at the time of this fetch, the follower is caught
//   up now: lastCaughtUpTime = max(lastCaughtUpTime, this fetch's time);
// - else if it reaches the leader's LEO at the time of the previous fetch, it was caught up then:
//   lastCaughtUpTime = max(lastCaughtUpTime, the previous fetch's time). A follower thus stays in
//   sync under a steady stream of small produce requests, when its fetch offset always trails the
//   leader's moving LEO a little;
// - then it remembers this fetch's offset (as the follower's LEO), time and leader LEO.
// When a leadership starts (Partition.makeLeader, resetLastCaughtUpTime) ISR members count as
// caught up at that moment and the others never; a broker that was not leader before also forgets
// every follower's LEO, so the HW waits until each ISR member has fetched once.
//
// ISR changes (KIP-497): one change in flight at a time. While an addition is in flight the
// "maximal" ISR (committed ISR plus the new member) already holds back the HW, which is safe
// because a larger ISR is more restrictive; a removal only takes effect once committed. A new
// LeaderAndIsr replaces whatever was in flight, and a late answer to a replaced proposal is
// ignored (Partition.handleAlterIsrResponse).
//
// Times are simulated microseconds; Kafka's "0 ms" (long ago) is NEVER_US here, because simulated
// time starts at 0.

import { assert } from '../core/assert.ts';
import type { PartitionName } from './protocol.ts';

/** UnifiedLog.UnknownOffset: the leader has not heard from this follower in its leadership. */
export const UNKNOWN_OFFSET = -1;
/** A time before any simulated time. */
export const NEVER_US = Number.NEGATIVE_INFINITY;

export interface RemoteReplicaView {
  readonly brokerId: number;
  readonly logEndOffset: number;
  readonly lastCaughtUpTimeUs: number;
  readonly lastFetchTimeUs: number;
}

/** A leader's proposed ISR change: an AlterIsr entry, or a ZooKeeper write at zkVersion. */
export interface IsrChangeProposal {
  readonly proposalId: number;
  readonly partition: PartitionName;
  readonly kind: 'expand' | 'shrink';
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly controllerEpoch: number;
  readonly zkVersion: number;
  readonly currentIsr: readonly number[];
  readonly newIsr: readonly number[];
}

/** A committed ISR change: the AlterIsr answer, or the new state after the ZooKeeper write. */
export interface IsrChangeResult {
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  readonly zkVersion: number;
}

export interface IsrChangeOutcome {
  readonly applied: boolean;
  readonly highWatermarkChanged: boolean;
}

/** The fields of a proposal that come from the partition rather than the ISR. */
export type ProposalContext = Pick<
  IsrChangeProposal,
  'partition' | 'leaderId' | 'leaderEpoch' | 'controllerEpoch' | 'zkVersion'
>;

class RemoteReplica implements RemoteReplicaView {
  logEndOffset = UNKNOWN_OFFSET;
  lastCaughtUpTimeUs = NEVER_US;
  lastFetchTimeUs = NEVER_US;
  private lastFetchLeaderLogEndOffset = UNKNOWN_OFFSET;

  constructor(readonly brokerId: number) {}

  /** Replica.updateFetchState (see the header); `leaderLogEndOffset` is the LEO before the read. */
  updateFetchState(fetchOffset: number, fetchTimeUs: number, leaderLogEndOffset: number): void {
    if (fetchOffset >= leaderLogEndOffset) {
      this.lastCaughtUpTimeUs = Math.max(this.lastCaughtUpTimeUs, fetchTimeUs);
    } else if (fetchOffset >= this.lastFetchLeaderLogEndOffset) {
      this.lastCaughtUpTimeUs = Math.max(this.lastCaughtUpTimeUs, this.lastFetchTimeUs);
    }
    this.logEndOffset = fetchOffset;
    this.lastFetchLeaderLogEndOffset = leaderLogEndOffset;
    this.lastFetchTimeUs = fetchTimeUs;
  }

  /** Replica.resetLastCaughtUpTime. */
  resetLastCaughtUpTime(leaderLogEndOffset: number, nowUs: number, lastCaughtUpTimeUs: number): void {
    this.lastFetchLeaderLogEndOffset = leaderLogEndOffset;
    this.lastFetchTimeUs = nowUs;
    this.lastCaughtUpTimeUs = lastCaughtUpTimeUs;
  }

  caughtUpWithin(nowUs: number, maxLagUs: number): boolean {
    return nowUs - this.lastCaughtUpTimeUs <= maxLagUs;
  }
}

export class IsrState {
  private assigned: readonly number[] = [];
  private committed: readonly number[] = [];
  private inFlight: { readonly proposal: IsrChangeProposal; readonly maximal: readonly number[] } | undefined;
  private readonly remotes = new Map<number, RemoteReplica>();
  private nextProposalId = 1;

  constructor(readonly localBrokerId: number) {}

  /** The ISR as last committed (ZooKeeper / controller). */
  get isr(): readonly number[] {
    return this.committed;
  }

  /** The committed ISR plus a member whose addition is in flight (KIP-497). */
  get maximalIsr(): readonly number[] {
    return this.inFlight === undefined ? this.committed : this.inFlight.maximal;
  }

  get pending(): IsrChangeProposal | undefined {
    return this.inFlight?.proposal;
  }

  get replicas(): readonly number[] {
    return this.assigned;
  }

  follower(brokerId: number): RemoteReplicaView | undefined {
    return this.remotes.get(brokerId);
  }

  /** Partition.updateAssignmentAndIsr: a LeaderAndIsr sets both and ends any change in flight. */
  update(replicas: readonly number[], isr: readonly number[]): void {
    this.assigned = [...replicas];
    this.committed = [...isr];
    this.inFlight = undefined;
    for (const id of replicas) {
      if (id !== this.localBrokerId && !this.remotes.has(id)) this.remotes.set(id, new RemoteReplica(id));
    }
    for (const id of [...this.remotes.keys()]) {
      if (!replicas.includes(id)) this.remotes.delete(id);
    }
  }

  /** The follower resets of Partition.makeLeader (see the header). */
  startLeadership(leaderEpochStartOffset: number, nowUs: number, isNewLeader: boolean): void {
    for (const remote of this.remotes.values()) {
      const caughtUpUs = this.committed.includes(remote.brokerId) ? nowUs : NEVER_US;
      remote.resetLastCaughtUpTime(leaderEpochStartOffset, nowUs, caughtUpUs);
      if (isNewLeader) remote.updateFetchState(UNKNOWN_OFFSET, NEVER_US, UNKNOWN_OFFSET);
    }
  }

  /** Records a follower fetch; false when the broker is not an assigned follower. */
  recordFetch(brokerId: number, fetchOffset: number, fetchTimeUs: number, leaderLogEndOffset: number): boolean {
    const remote = this.remotes.get(brokerId);
    if (remote === undefined) return false;
    remote.updateFetchState(fetchOffset, fetchTimeUs, leaderLogEndOffset);
    return true;
  }

  /**
   * Partition.maybeIncrementLeaderHW's candidate: the smallest LEO among the leader, the maximal
   * ISR and the followers caught up within the lag bound (an unknown LEO counts as -1).
   */
  highWatermarkBound(leaderLogEndOffset: number, nowUs: number, maxLagUs: number): number {
    const maximal = this.maximalIsr;
    let bound = leaderLogEndOffset;
    for (const remote of this.remotes.values()) {
      if (remote.logEndOffset >= bound) continue;
      if (maximal.includes(remote.brokerId) || remote.caughtUpWithin(nowUs, maxLagUs)) {
        bound = remote.logEndOffset;
      }
    }
    return bound;
  }

  /** Partition.getOutOfSyncReplicas: empty while a change is in flight. */
  outOfSync(leaderLogEndOffset: number, nowUs: number, maxLagUs: number): number[] {
    if (this.inFlight !== undefined) return [];
    return this.committed.filter((id) => {
      const remote = this.remotes.get(id);
      return remote !== undefined && remote.logEndOffset !== leaderLogEndOffset &&
        !remote.caughtUpWithin(nowUs, maxLagUs);
    });
  }

  /** Partition.canAddReplicaToIsr. */
  canAdd(brokerId: number): boolean {
    return this.inFlight === undefined && this.remotes.has(brokerId) && !this.committed.includes(brokerId);
  }

  propose(kind: 'expand' | 'shrink', newIsr: readonly number[], context: ProposalContext): IsrChangeProposal {
    assert(this.inFlight === undefined, () => `${context.partition}: ISR change while one is in flight`);
    const proposal: IsrChangeProposal = {
      ...context,
      proposalId: this.nextProposalId++,
      kind,
      currentIsr: this.committed,
      newIsr: [...newIsr],
    };
    const maximal = kind === 'expand' ? proposal.newIsr : this.committed;
    this.inFlight = { proposal, maximal };
    return proposal;
  }

  /** The change committed with this ISR; false when the proposal is no longer the one in flight. */
  commit(proposalId: number, isr: readonly number[]): boolean {
    if (this.inFlight?.proposal.proposalId !== proposalId) return false;
    this.committed = [...isr];
    this.inFlight = undefined;
    return true;
  }

  /** A ZooKeeper write that lost its version check: the ISR stays as committed. */
  abandon(proposalId: number): boolean {
    if (this.inFlight?.proposal.proposalId !== proposalId) return false;
    this.inFlight = undefined;
    return true;
  }
}
