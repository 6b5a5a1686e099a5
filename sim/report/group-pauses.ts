// How much of a consumer group stood still during its rebalances and member failures, folded
// from the trace (FIDELITY A15; KIP-429 "Incremental Cooperative Rebalancing"): which of the
// group's partitions had no live owner, and for how long the whole group owned nothing.
//
// A partition is paused while no live member owns it. Ownership follows what each member was
// told and did: `group-assignment` gives a member its new set (a cooperative member's set shrinks
// there when it revokes what moves), `consumer-partitions-revoked` (the eager protocol gives up
// everything in onJoinPrepare) and `consumer-partitions-lost` take all of a member's partitions,
// and a member whose process goes down (`node-down`) or whose application thread ends
// (`consumer-stop`) owns nothing from then on, although the coordinator only notices after
// session.timeout.ms. Counting starts once every partition of the group's topics has had an owner
// (the startup rebalance is not a pause) and ends at the group's stop time (members closing at
// the end of the run are not a pause either).
//
// - maxPausedPartitions: the most partitions paused at once. Eager: every partition, at each
//   rebalance. Cooperative: only the partitions that move (or that a dead member held).
// - stoppedMs: total time no partition had a live owner, the whole group stopped. Eager: the
//   stretch between the last member's revocation and the new assignment. Cooperative: zero as
//   long as one member keeps its partitions.
//
// Works on a live run and on a trace read back from disk alike: it only reads plain events.

import type { TraceEvent } from '../core/trace.ts';

export interface GroupPauseSetup {
  readonly group: string;
  /** The members: their names ("billing/0") and the nodes their processes run on. */
  readonly members: readonly { readonly member: string; readonly node: string }[];
  /** Partitions of the group's topics. */
  readonly partitions: number;
  /** Events from this time on are not counted (the group's stop time). */
  readonly stopUs: number;
}

export interface GroupPauseFigures {
  readonly maxPausedPartitions: number;
  readonly stoppedMs: number;
}

interface GroupTrack {
  readonly setup: GroupPauseSetup;
  /** Each member's partitions now (a dead member owns none). */
  readonly owned: Map<string, readonly string[]>;
  /** Whether every partition has had an owner at once (the group got going). */
  started: boolean;
  maxPaused: number;
  stoppedSinceUs: number | null;
  stoppedUs: number;
}

export class GroupPauseFold {
  private readonly groups = new Map<string, GroupTrack>();
  /** node id → [group, member] of the consumer processes. */
  private readonly nodes = new Map<string, [string, string]>();

  constructor(setups: readonly GroupPauseSetup[]) {
    for (const setup of setups) {
      this.groups.set(setup.group, { setup, owned: new Map(), started: false, maxPaused: 0, stoppedSinceUs: null, stoppedUs: 0 });
      for (const { member, node } of setup.members) this.nodes.set(node, [setup.group, member]);
    }
  }

  /** Folds one event; events must come in trace order. */
  accept(event: TraceEvent): void {
    switch (event.k) {
      case 'group-assignment':
        this.own(String(event.group), String(event.member), (event.partitions as unknown[]).map(String), event.t);
        return;
      case 'consumer-partitions-revoked':
      case 'consumer-partitions-lost':
      case 'consumer-stop':
        this.own(String(event.group), String(event.member), [], event.t);
        return;
      case 'node-down': {
        const member = this.nodes.get(String(event.node));
        if (member !== undefined) this.own(member[0], member[1], [], event.t);
        return;
      }
      default:
        return;
    }
  }

  /** The figures of `group` as of `endUs` (an open stop is closed there, or at the group's stop). */
  figures(group: string, endUs: number): GroupPauseFigures {
    const track = this.groups.get(group);
    if (track === undefined) return { maxPausedPartitions: 0, stoppedMs: 0 };
    const openUs = track.stoppedSinceUs === null ? 0 : Math.max(0, Math.min(endUs, track.setup.stopUs) - track.stoppedSinceUs);
    return { maxPausedPartitions: track.maxPaused, stoppedMs: (track.stoppedUs + openUs) / 1000 };
  }

  private own(group: string, member: string, partitions: readonly string[], timeUs: number): void {
    const track = this.groups.get(group);
    if (track === undefined || track.setup.partitions === 0 || timeUs >= track.setup.stopUs) return;
    track.owned.set(member, partitions);
    const owned = new Set<string>();
    for (const held of track.owned.values()) for (const partition of held) owned.add(partition);
    const total = track.setup.partitions;
    const paused = Math.max(0, total - owned.size);
    if (!track.started) {
      if (paused > 0) return;
      track.started = true;
    }
    track.maxPaused = Math.max(track.maxPaused, paused);
    if (paused === total && track.stoppedSinceUs === null) track.stoppedSinceUs = timeUs;
    else if (paused < total && track.stoppedSinceUs !== null) {
      track.stoppedUs += timeUs - track.stoppedSinceUs;
      track.stoppedSinceUs = null;
    }
  }
}
