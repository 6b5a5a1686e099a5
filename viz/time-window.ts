// The stretch of simulated time the timeline's lanes and the charts show: the whole run, or a zoomed
// window the teacher chose (overview brush, zoom buttons, Ctrl+wheel) to see a one-second failover
// inside an hour-long trace. Views that draw against time share this one window.

/** The narrowest window: 1 ms, far below any Kafka timeout. */
const MIN_SPAN_US = 1000;

export type WindowListener = (window: TimeWindow) => void;

export class TimeWindow {
  startUs = 0;
  endUs: number;
  private readonly listeners: WindowListener[] = [];

  constructor(readonly durationUs: number) {
    this.endUs = durationUs;
  }

  subscribe(listener: WindowListener): void {
    this.listeners.push(listener);
  }

  get spanUs(): number {
    return this.endUs - this.startUs;
  }

  get zoomed(): boolean {
    return this.startUs > 0 || this.endUs < this.durationUs;
  }

  set(startUs: number, endUs: number): void {
    const span = Math.min(this.durationUs, Math.max(MIN_SPAN_US, endUs - startUs));
    const start = Math.max(0, Math.min(this.durationUs - span, startUs));
    if (start === this.startUs && start + span === this.endUs) return;
    this.startUs = start;
    this.endUs = start + span;
    for (const listener of this.listeners) listener(this);
  }

  /** Zooms by `factor` (< 1 zooms in) keeping `aroundUs` at the same place on screen. */
  zoom(factor: number, aroundUs: number): void {
    const span = this.spanUs * factor;
    const share = this.spanUs > 0 ? (aroundUs - this.startUs) / this.spanUs : 0.5;
    this.set(aroundUs - span * share, aroundUs - span * share + span);
  }

  fit(): void {
    this.set(0, this.durationUs);
  }

  /** Moves the window, without zooming, so that `timeUs` is inside it. */
  follow(timeUs: number): void {
    if (timeUs >= this.startUs && timeUs <= this.endUs) return;
    const span = this.spanUs;
    this.set(timeUs - span * 0.1, timeUs - span * 0.1 + span);
  }
}
