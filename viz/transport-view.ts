// The player controls above the timeline: start, previous marker, step back, play/pause, step,
// next marker, end; the speed; zoom; and where the cursor is — the simulated time, the event
// number, and the last event applied, in plain words, so the teacher can read out what just
// happened. Every button has a label and its keyboard shortcut in its tooltip.

import { Cursor, SPEEDS } from './cursor.ts';
import { el, icon, ICONS, replaceChildren } from './dom.ts';
import { formatCount, formatTime } from './format.ts';
import type { TimeWindow } from './time-window.ts';
import type { TraceModel } from './trace-model.ts';

export class TransportView {
  private readonly playButton: HTMLButtonElement;
  private readonly timeText = el('span', { class: 'clock-now' });
  private readonly positionText = el('span', { class: 'clock-events' });
  private readonly nowText = el('p', { class: 'now-line', attrs: { 'aria-live': 'off' } });
  private readonly speedSelect: HTMLSelectElement;

  constructor(
    container: HTMLElement,
    private readonly model: TraceModel,
    private readonly cursor: Cursor,
    timeWindow: TimeWindow,
  ) {
    this.playButton = this.button('Play', 'Space', ICONS.play, () => cursor.togglePlay(), 'play');
    this.speedSelect = el(
      'select',
      { class: 'speed', attrs: { 'aria-label': 'Playback speed (simulated time per real second)' }, on: { change: () => cursor.setSpeed(Number(this.speedSelect.value)) } },
      SPEEDS.map((speed) => el('option', { attrs: { value: speed, selected: speed === cursor.speed }, text: `${speed}×` })),
    );
    const controls = el('div', { class: 'transport-buttons', attrs: { role: 'group', 'aria-label': 'Playback' } }, [
      this.button('Go to the start', 'Home', ICONS.start, () => cursor.seekTime(0)),
      this.button('Previous marked event', 'P or Shift+N', ICONS.prevMarker, () => cursor.previousMarker()),
      this.button('Step back one event', '←', ICONS.stepBack, () => cursor.step(-1)),
      this.playButton,
      this.button('Step forward one event', '→', ICONS.stepForward, () => cursor.step(1)),
      this.button('Next marked event', 'N', ICONS.nextMarker, () => cursor.nextMarker()),
      this.button('Go to the end', 'End', ICONS.end, () => cursor.seekTime(cursor.durationUs)),
    ]);
    const zoom = el('div', { class: 'transport-zoom', attrs: { role: 'group', 'aria-label': 'Zoom' } }, [
      this.button('Zoom out', '−', ICONS.zoomOut, () => timeWindow.zoom(2, cursor.timeUs)),
      this.button('Zoom in around the cursor', '+', ICONS.zoomIn, () => timeWindow.zoom(0.5, cursor.timeUs)),
      el('button', { class: 'button small', text: 'Fit', title: 'Show the whole run (0)', attrs: { type: 'button' }, on: { click: () => timeWindow.fit() } }),
    ]);
    const clock = el('div', { class: 'clock', attrs: { role: 'group', 'aria-label': 'Cursor position' } }, [this.timeText, el('span', { class: 'clock-total', text: `of ${formatTime(cursor.durationUs)}` }), this.positionText]);
    container.append(
      el('div', { class: 'transport' }, [controls, clock, el('label', { class: 'speed-label' }, ['Speed ', this.speedSelect]), zoom]),
      this.nowText,
    );
  }

  update(): void {
    const cursor = this.cursor;
    this.timeText.textContent = formatTime(cursor.timeUs);
    this.positionText.textContent = `event ${formatCount(cursor.position)} of ${formatCount(this.model.length)}`;
    const playing = cursor.playing;
    this.playButton.setAttribute('aria-label', playing ? 'Pause' : 'Play');
    this.playButton.title = `${playing ? 'Pause' : 'Play'} (Space)`;
    this.playButton.classList.toggle('active', playing);
    replaceChildren(this.playButton, [icon(playing ? ICONS.pause : ICONS.play)]);
    if (this.speedSelect.value !== String(cursor.speed)) this.speedSelect.value = String(cursor.speed);
    const marker = this.model.markerBefore(cursor.position);
    replaceChildren(
      this.nowText,
      marker === null
        ? ['Nothing notable yet. Press N to jump to the first key event.']
        : [el('span', { class: 'now-label', text: 'Last key event' }), el('span', { class: 'now-time', text: formatTime(marker.timeUs) }), marker.text],
    );
  }

  private button(label: string, key: string, path: string, action: () => void, extra = ''): HTMLButtonElement {
    return el('button', { class: `button icon-only ${extra}`.trim(), title: `${label} (${key})`, attrs: { type: 'button', 'aria-label': label }, on: { click: action } }, [icon(path)]);
  }
}
