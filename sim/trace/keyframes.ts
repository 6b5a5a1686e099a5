// Instant seeking (DESIGN §10, §13): the state at any point of a trace is the nearest keyframe at
// or before it, folded forward over the events in between. While a trace is read, every event is
// folded once by a live fold and its time and sequence number are kept in columns; every so many
// events the live fold's snapshot is kept as a keyframe.
//
// Keyframes share unchanged entities with each other (state.ts), so one costs a copy of the maps,
// not of the cluster. The interval grows with the cluster so that the total stays bounded: at least
// `keyframeEvery` events apart, and at least as many events as the state has entities, which keeps
// the memory of all keyframes within a small multiple of the events' own and a seek within one
// map copy plus one interval of folding. A seek just after the last one (playback, stepping)
// folds on from where the last seek stopped instead of returning to a keyframe.
//
// The events themselves are not kept here: an EventSource hands back event `position` on demand
// (the viewer keeps each line's text and parses it again; tests keep an array).

import { Float64Column } from './column.ts';
import type { TraceEvent, TraceHeader } from './format.ts';
import { ClusterFold, type LiveView } from './reduce.ts';
import type { ClusterState } from './state.ts';

export interface EventSource {
  /** The event at `position` (0-based, in file order). */
  event(position: number): TraceEvent;
}

export const DEFAULT_KEYFRAME_EVERY = 1000;

export interface SeekIndexOptions {
  keyframeEvery?: number;
}

export class SeekIndex {
  private readonly times = new Float64Column(4096);
  private readonly seqs = new Float64Column(4096);
  private readonly liveFold: ClusterFold;
  private readonly keyframes: ClusterState[] = [];
  private readonly keyframePositions = new Float64Column(64);
  private readonly minInterval: number;
  private nextKeyframeAt: number;
  private cursor: ClusterFold | null = null;
  private cursorSnapshot: ClusterState | null = null;

  constructor(
    private readonly header: TraceHeader | null,
    private readonly source: EventSource,
    options: SeekIndexOptions = {},
  ) {
    this.minInterval = Math.max(1, options.keyframeEvery ?? DEFAULT_KEYFRAME_EVERY);
    this.liveFold = new ClusterFold(header);
    this.addKeyframe(this.liveFold.snapshot());
    this.nextKeyframeAt = this.minInterval;
  }

  /** Events indexed so far. */
  get length(): number {
    return this.times.length;
  }

  get keyframeCount(): number {
    return this.keyframes.length;
  }

  /** Indexes the next event of the trace (events must arrive in file order). */
  append(event: TraceEvent): void {
    this.times.push(event.t);
    this.seqs.push(event.i);
    this.liveFold.apply(event);
    if (this.liveFold.position >= this.nextKeyframeAt) {
      const snapshot = this.liveFold.snapshot();
      this.addKeyframe(snapshot);
      this.nextKeyframeAt = this.liveFold.position + Math.max(this.minInterval, entityCount(snapshot));
    }
  }

  /** The state after every indexed event. */
  finalState(): ClusterState {
    return this.liveFold.snapshot();
  }

  /** The time of the event at `position`, NaN outside the trace. */
  timeAt(position: number): number {
    return this.times.at(position);
  }

  /** The sequence number `i` of the event at `position`. */
  seqAt(position: number): number {
    return this.seqs.at(position);
  }

  /** How many events happened at or before `timeUs`: the position a seek to that time lands on. */
  positionAtTime(timeUs: number): number {
    return this.times.upperBound(timeUs);
  }

  /** How many events have a sequence number up to `seq`: the position that has just applied it. */
  positionAtSeq(seq: number): number {
    return this.seqs.upperBound(seq);
  }

  /** The live fold's state after the last indexed event, without copying (see ClusterFold.live). */
  get live(): LiveView {
    return this.liveFold.live;
  }

  /** The position of the event numbered `seq`, or -1 when the trace has none (a full-detail number). */
  positionOfSeq(seq: number): number {
    const at = this.seqs.lowerBound(seq);
    return this.seqs.at(at) === seq ? at : -1;
  }

  /** The cluster after the first `position` events. */
  stateAt(position: number): ClusterState {
    const target = Math.max(0, Math.min(position, this.length));
    if (this.cursorSnapshot !== null && this.cursorSnapshot.position === target) return this.cursorSnapshot;
    const fold = this.foldFor(target);
    while (fold.position < target) fold.apply(this.source.event(fold.position));
    this.cursor = fold;
    this.cursorSnapshot = fold.snapshot();
    return this.cursorSnapshot;
  }

  /** The fold to continue from: the last seek's, when it is a little before the target. */
  private foldFor(target: number): ClusterFold {
    const keyframe = this.keyframeBefore(target);
    const cursor = this.cursor;
    if (cursor !== null && cursor.position <= target && cursor.position >= keyframe.position) return cursor;
    return new ClusterFold(this.header, keyframe);
  }

  private keyframeBefore(position: number): ClusterState {
    const index = this.keyframePositions.upperBound(position) - 1;
    return this.keyframes[Math.max(0, index)] as ClusterState;
  }

  private addKeyframe(snapshot: ClusterState): void {
    this.keyframes.push(snapshot);
    this.keyframePositions.push(snapshot.position);
  }
}

function entityCount(state: ClusterState): number {
  let replicas = 0;
  for (const partition of state.partitions.values()) replicas += partition.replicaStates.length;
  return state.nodes.size + state.partitions.size + replicas;
}
