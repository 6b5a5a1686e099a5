// The cluster-level figures of a run, folded from its trace events (DESIGN §10, §12): leader
// elections (clean and unclean), controller changes, ISR shrinks and expands, and per partition
// the leader changes and the windows without a usable leader.
//
// A partition is unavailable from the moment its leader's process stops serving — a crash, a
// power loss or a clean stop of the broker that leads it (`node-down`), or the controller
// declaring it offline (`partition-offline`) — until a leader on a live broker is elected
// (`leader-election` with a leader). That is what a producer sees: writes fail from the crash on,
// not only from the moment ZooKeeper notices (FIDELITY B1). Simplified: a leader cut off by a
// network partition or frozen by a pause is not counted as unavailable, since the trace does not
// say which clients could still reach it.
//
// Works on a live run and on a trace read back from disk alike: it only reads plain events.

import type { TraceEvent } from '../core/trace.ts';
import type { PartitionFigures } from './summary-types.ts';

interface PartitionTrack {
  leader: number;
  leaderChanges: number;
  downSinceUs: number | null;
  offlineUs: number;
  maxUnavailableUs: number;
}

export interface RunFacts {
  leaderElections: number;
  uncleanElections: number;
  controllerChanges: number;
  isrShrinks: number;
  isrExpands: number;
  partitions: PartitionTimeline[];
}

/** The per-partition figures the trace gives (the final logs add the rest, in the run pipeline). */
export type PartitionTimeline = Pick<PartitionFigures, 'partition' | 'leaderChanges' | 'offlineMs' | 'maxUnavailableMs'>;

const BROKER_NODE = /^broker-(\d+)$/;

export class RunFactsFold {
  private readonly partitions = new Map<string, PartitionTrack>();
  private readonly downBrokers = new Set<number>();
  private leaderElections = 0;
  private uncleanElections = 0;
  private controllerChanges = 0;
  private isrShrinks = 0;
  private isrExpands = 0;
  private readonly rebalanceCounts = new Map<string, number>();

  /** Folds one event; events must come in trace order. */
  accept(event: TraceEvent): void {
    switch (event.k) {
      case 'topic-created':
        this.topicCreated(event);
        return;
      case 'leader-election':
        this.election(event);
        return;
      case 'partition-offline':
        this.markDown(String(event.partition), event.t);
        return;
      case 'controller':
        this.controllerChanges++;
        return;
      case 'isr-change':
        this.isrChange(event);
        return;
      case 'node-down':
        this.nodeDown(event);
        return;
      case 'node-up':
        this.nodeUp(event);
        return;
      case 'group-state':
        // A rebalance is each entry into CompletingRebalance (GroupMetadata's state machine).
        if (event.state === 'CompletingRebalance') {
          const group = String(event.group);
          this.rebalanceCounts.set(group, (this.rebalanceCounts.get(group) ?? 0) + 1);
        }
        return;
      default:
        return;
    }
  }

  /** Rebalances of `group` so far. */
  rebalances(group: string): number {
    return this.rebalanceCounts.get(group) ?? 0;
  }

  /** The figures as of `endUs` (open unavailability windows are closed there). */
  facts(endUs: number): RunFacts {
    const partitions = [...this.partitions.entries()]
      .sort(([a], [b]) => comparePartitionNames(a, b))
      .map(([partition, track]) => {
        const openUs = track.downSinceUs === null ? 0 : Math.max(0, endUs - track.downSinceUs);
        return {
          partition,
          leaderChanges: track.leaderChanges,
          offlineMs: (track.offlineUs + openUs) / 1000,
          maxUnavailableMs: Math.max(track.maxUnavailableUs, openUs) / 1000,
        };
      });
    return {
      leaderElections: this.leaderElections,
      uncleanElections: this.uncleanElections,
      controllerChanges: this.controllerChanges,
      isrShrinks: this.isrShrinks,
      isrExpands: this.isrExpands,
      partitions,
    };
  }

  private track(name: string): PartitionTrack {
    let track = this.partitions.get(name);
    if (track === undefined) {
      track = { leader: -1, leaderChanges: 0, downSinceUs: null, offlineUs: 0, maxUnavailableUs: 0 };
      this.partitions.set(name, track);
    }
    return track;
  }

  private topicCreated(event: TraceEvent): void {
    const count = Number(event.partitions);
    for (let p = 0; p < count; p++) this.track(`${String(event.topic)}/${p}`);
  }

  private election(event: TraceEvent): void {
    const track = this.track(String(event.partition));
    const leader = Number(event.newLeader);
    if (event.reason === 'new-partition') {
      track.leader = leader;
      return;
    }
    this.leaderElections++;
    if (event.kind === 'unclean') this.uncleanElections++;
    if (leader !== track.leader) track.leaderChanges++;
    track.leader = leader;
    if (leader >= 0 && !this.downBrokers.has(leader)) this.markUp(track, event.t);
  }

  private isrChange(event: TraceEvent): void {
    const isr = event.isr as unknown[] | undefined;
    const oldIsr = event.oldIsr as unknown[] | undefined;
    if (isr === undefined || oldIsr === undefined) return;
    if (isr.length < oldIsr.length) this.isrShrinks++;
    else if (isr.length > oldIsr.length) this.isrExpands++;
  }

  private nodeDown(event: TraceEvent): void {
    const broker = brokerOf(event.node);
    if (broker === null) return;
    this.downBrokers.add(broker);
    for (const [name, track] of this.partitions) if (track.leader === broker) this.markDown(name, event.t);
  }

  private nodeUp(event: TraceEvent): void {
    const broker = brokerOf(event.node);
    if (broker !== null) this.downBrokers.delete(broker);
  }

  private markDown(name: string, timeUs: number): void {
    const track = this.track(name);
    if (track.downSinceUs === null) track.downSinceUs = timeUs;
  }

  private markUp(track: PartitionTrack, timeUs: number): void {
    if (track.downSinceUs === null) return;
    const windowUs = timeUs - track.downSinceUs;
    track.offlineUs += windowUs;
    track.maxUnavailableUs = Math.max(track.maxUnavailableUs, windowUs);
    track.downSinceUs = null;
  }
}

function brokerOf(node: unknown): number | null {
  const match = BROKER_NODE.exec(String(node));
  return match === null ? null : Number(match[1]);
}

/** "orders/10" after "orders/9": topic by name, then partition by number. */
export function comparePartitionNames(a: string, b: string): number {
  const slashA = a.lastIndexOf('/');
  const slashB = b.lastIndexOf('/');
  const topicA = a.slice(0, slashA);
  const topicB = b.slice(0, slashB);
  if (topicA !== topicB) return topicA < topicB ? -1 : 1;
  return Number(a.slice(slashA + 1)) - Number(b.slice(slashB + 1));
}
