// Which partitions a consumer owns and where it stands in each: SubscriptionState (Kafka 3.x).
//
// A partition assigned to the member starts without a position. The coordinator then fetches the
// group's committed offset for it (OffsetFetch); a partition with none — or whose position fell
// out of the log (OFFSET_OUT_OF_RANGE) — awaits a reset by auto.offset.reset, which the fetcher
// carries out with ListOffsets. Only a partition with a position is fetched from. The position
// moves when poll() hands records to the application, so "consumed" positions (what commits
// send) are always just past the records the application has been given.
//
// An assignment keeps the positions of partitions the member still owns (cooperative rebalances,
// KIP-429) and drops the others; every position set without a read is recorded in the history as
// a seek, so the checker can tell a jump from a skip.

import type { PartitionName } from '../kafka/protocol.ts';
import type { ConsumerHistory } from './consumer-history.ts';

export interface PartitionPosition {
  /** The next offset to return; null until one is known. */
  position: number | null;
  /** Waiting for auto.offset.reset (after no committed offset, or out of range). */
  resetPending: boolean;
  /** A ListOffsets for the reset is in flight. */
  resetInFlight: boolean;
  /** Don't retry the reset before this time (after an error). */
  resetRetryAtUs: number;
  /** The high watermark the last fetch response carried. */
  highWatermark: number;
}

export class SubscriptionState {
  private readonly states = new Map<PartitionName, PartitionPosition>();

  constructor(private readonly history: ConsumerHistory) {}

  /** Assigned partitions in assignment order. */
  assigned(): PartitionName[] {
    return [...this.states.keys()];
  }

  get size(): number {
    return this.states.size;
  }

  has(partition: PartitionName): boolean {
    return this.states.has(partition);
  }

  state(partition: PartitionName): PartitionPosition | undefined {
    return this.states.get(partition);
  }

  /** assignFromSubscribed: kept partitions keep their positions, new ones start without one. */
  assign(partitions: readonly PartitionName[]): void {
    const next = new Map<PartitionName, PartitionPosition>();
    for (const partition of partitions) {
      next.set(partition, this.states.get(partition) ?? { position: null, resetPending: false, resetInFlight: false, resetRetryAtUs: 0, highWatermark: -1 });
    }
    this.states.clear();
    for (const [partition, state] of next) this.states.set(partition, state);
  }

  /** Partitions with neither a position nor a reset pending: the committed offset is needed. */
  needingCommitted(): PartitionName[] {
    return [...this.states].filter(([, state]) => state.position === null && !state.resetPending).map(([partition]) => partition);
  }

  needingReset(): PartitionName[] {
    return [...this.states].filter(([, state]) => state.resetPending).map(([partition]) => partition);
  }

  /** Partitions the fetcher may fetch from. */
  fetchable(): PartitionName[] {
    return [...this.states].filter(([, state]) => state.position !== null && !state.resetPending).map(([partition]) => partition);
  }

  /** Sets the position without a read (a seek in the history). */
  seek(timeUs: number, partition: PartitionName, offset: number, reason: string): void {
    const state = this.states.get(partition);
    if (state === undefined) return;
    state.position = offset;
    state.resetPending = false;
    state.resetInFlight = false;
    this.history.seek(timeUs, partition, offset, reason);
  }

  requestReset(partition: PartitionName): void {
    const state = this.states.get(partition);
    if (state === undefined) return;
    state.position = null;
    state.resetPending = true;
  }

  /** allConsumed: the positions a commit of everything returned so far sends. */
  consumed(partitions: readonly PartitionName[] = this.assigned()): { partition: PartitionName; offset: number }[] {
    const offsets: { partition: PartitionName; offset: number }[] = [];
    for (const partition of partitions) {
      const position = this.states.get(partition)?.position;
      if (position !== null && position !== undefined) offsets.push({ partition, offset: position });
    }
    return offsets;
  }
}
