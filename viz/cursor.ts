// The one cursor every view follows (DESIGN §13): a moment of simulated time and the number of
// events applied by then. Seeking by time applies every event at or before it; stepping moves one
// event (several events can share a microsecond, and each still gets its own step); jumping to a
// marker lands just after the marked event, so the views show what it changed.
//
// Playback advances simulated time by the wall clock times the speed (1× = real time), with
// requestAnimationFrame, and stops at the end. Listeners run synchronously on every move: views
// render at once, which is what makes a seek's cost measurable end to end.

import type { TraceModel } from './trace-model.ts';

export const SPEEDS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300] as const;

export type CursorListener = (cursor: Cursor) => void;

export class Cursor {
  position = 0;
  timeUs = 0;
  playing = false;
  speed = 1;
  private readonly listeners: CursorListener[] = [];
  private frame: number | null = null;
  private lastFrameMs = 0;

  constructor(private readonly model: TraceModel) {}

  subscribe(listener: CursorListener): void {
    this.listeners.push(listener);
  }

  get durationUs(): number {
    return this.model.durationUs;
  }

  /** Applies every event at or before `timeUs`. */
  seekTime(timeUs: number): void {
    const clamped = Math.max(0, Math.min(this.durationUs, Math.round(timeUs)));
    this.move(this.model.index.positionAtTime(clamped), clamped);
  }

  /** Applies the first `position` events; time becomes the last applied event's. */
  seekPosition(position: number): void {
    const clamped = Math.max(0, Math.min(this.model.length, position));
    this.move(clamped, clamped === 0 ? 0 : this.model.index.timeAt(clamped - 1));
  }

  /** Lands just after the event numbered `seq` (or where it would be, at full-detail gaps). */
  seekSeq(seq: number): void {
    this.seekPosition(this.model.index.positionAtSeq(seq));
  }

  step(delta: number): void {
    this.pause();
    this.seekPosition(this.position + delta);
  }

  stepTime(deltaUs: number): void {
    this.seekTime(this.timeUs + deltaUs);
  }

  /** The next marked event not yet applied; false when there is none. */
  nextMarker(): boolean {
    const marker = this.model.markers.find((each) => each.position >= this.position);
    if (marker === undefined) return false;
    this.pause();
    this.seekPosition(marker.position + 1);
    return true;
  }

  previousMarker(): boolean {
    const markers = this.model.markers;
    for (let index = markers.length - 1; index >= 0; index--) {
      const marker = markers[index];
      if (marker !== undefined && marker.position + 1 < this.position) {
        this.pause();
        this.seekPosition(marker.position + 1);
        return true;
      }
    }
    return false;
  }

  togglePlay(): void {
    if (this.playing) this.pause();
    else this.play();
  }

  play(): void {
    if (this.playing) return;
    if (this.timeUs >= this.durationUs) this.seekTime(0);
    this.playing = true;
    this.lastFrameMs = performance.now();
    this.frame = requestAnimationFrame((now) => this.tick(now));
    this.notify();
  }

  pause(): void {
    if (!this.playing) return;
    this.playing = false;
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
    this.notify();
  }

  setSpeed(speed: number): void {
    this.speed = speed;
    this.notify();
  }

  /** One speed step faster (+1) or slower (-1). */
  changeSpeed(direction: 1 | -1): void {
    const at = SPEEDS.findIndex((speed) => speed >= this.speed);
    const next = SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, (at === -1 ? SPEEDS.length - 1 : at) + direction))];
    if (next !== undefined) this.setSpeed(next);
  }

  private tick(nowMs: number): void {
    if (!this.playing) return;
    const elapsedMs = Math.min(nowMs - this.lastFrameMs, 250);
    this.lastFrameMs = nowMs;
    const next = this.timeUs + elapsedMs * 1000 * this.speed;
    if (next >= this.durationUs) {
      this.seekTime(this.durationUs);
      this.pause();
      return;
    }
    this.seekTime(next);
    this.frame = requestAnimationFrame((now) => this.tick(now));
  }

  private move(position: number, timeUs: number): void {
    this.position = position;
    this.timeUs = timeUs;
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener(this);
  }
}
