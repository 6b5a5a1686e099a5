// Keyboard control of the viewer, for teaching from the front of a room: every action of the
// player has a key, listed in the help dialog (?) from this same table, so the two never disagree.
// Keys are ignored while typing in a field, except Escape, which leaves the field.

import type { Cursor } from './cursor.ts';
import { el } from './dom.ts';
import type { TimeWindow } from './time-window.ts';

export interface KeyTargets {
  cursor: Cursor;
  window: TimeWindow;
  openFile(): void;
  focusLogFilter(): void;
  showHelp(): void;
}

interface Shortcut {
  keys: string[];
  label: string;
  /** Matches the KeyboardEvent; `shift` when the key needs Shift held. */
  match: (event: KeyboardEvent) => boolean;
  run: (targets: KeyTargets) => void;
}

const key = (...names: string[]) => (event: KeyboardEvent): boolean => names.includes(event.key) && !event.ctrlKey && !event.metaKey && !event.altKey;
const plain = (...names: string[]) => (event: KeyboardEvent): boolean => key(...names)(event) && !event.shiftKey;
const shifted = (...names: string[]) => (event: KeyboardEvent): boolean => key(...names)(event) && event.shiftKey;

export const SHORTCUTS: readonly Shortcut[] = [
  { keys: ['Space', 'K'], label: 'Play or pause', match: plain(' ', 'k'), run: (t) => t.cursor.togglePlay() },
  { keys: ['→'], label: 'Step forward one event', match: plain('ArrowRight'), run: (t) => t.cursor.step(1) },
  { keys: ['←'], label: 'Step back one event', match: plain('ArrowLeft'), run: (t) => t.cursor.step(-1) },
  { keys: ['Shift+→'], label: 'Forward one second', match: shifted('ArrowRight'), run: (t) => t.cursor.stepTime(1_000_000) },
  { keys: ['Shift+←'], label: 'Back one second', match: shifted('ArrowLeft'), run: (t) => t.cursor.stepTime(-1_000_000) },
  { keys: ['N'], label: 'Next key event (fault, election, ISR change, truncation, anomaly)', match: plain('n'), run: (t) => t.cursor.nextMarker() },
  { keys: ['P', 'Shift+N'], label: 'Previous key event', match: (e) => plain('p')(e) || shifted('N')(e), run: (t) => t.cursor.previousMarker() },
  { keys: ['Home'], label: 'Go to the start', match: plain('Home'), run: (t) => t.cursor.seekTime(0) },
  { keys: ['End'], label: 'Go to the end', match: plain('End'), run: (t) => t.cursor.seekTime(t.cursor.durationUs) },
  { keys: ['.', ']'], label: 'Play faster', match: key('.', ']'), run: (t) => t.cursor.changeSpeed(1) },
  { keys: [',', '['], label: 'Play slower', match: key(',', '['), run: (t) => t.cursor.changeSpeed(-1) },
  { keys: ['+', '='], label: 'Zoom in around the cursor', match: key('+', '='), run: (t) => t.window.zoom(0.5, t.cursor.timeUs) },
  { keys: ['−'], label: 'Zoom out', match: key('-', '_'), run: (t) => t.window.zoom(2, t.cursor.timeUs) },
  { keys: ['0'], label: 'Show the whole run', match: plain('0'), run: (t) => t.window.fit() },
  { keys: ['/'], label: 'Filter the event log', match: key('/'), run: (t) => t.focusLogFilter() },
  { keys: ['O'], label: 'Open a trace file', match: plain('o'), run: (t) => t.openFile() },
  { keys: ['?'], label: 'Show these shortcuts', match: key('?'), run: (t) => t.showHelp() },
];

export function installShortcuts(targets: () => KeyTargets | null): void {
  document.addEventListener('keydown', (event) => {
    const active = document.activeElement;
    const typing = active instanceof HTMLInputElement || active instanceof HTMLSelectElement || active instanceof HTMLTextAreaElement;
    if (typing) {
      if (event.key === 'Escape') (active as HTMLElement).blur();
      return;
    }
    if (document.querySelector('dialog[open]')) return;
    const current = targets();
    if (current === null) {
      if (plain('o')(event)) document.getElementById('file-input')?.click();
      return;
    }
    const shortcut = SHORTCUTS.find((each) => each.match(event));
    if (shortcut === undefined) return;
    if (event.key === ' ' && active instanceof HTMLButtonElement) return;
    event.preventDefault();
    shortcut.run(current);
  });
}

/** The rows of the help dialog. */
export function shortcutList(): HTMLElement[] {
  return SHORTCUTS.flatMap((shortcut) => [
    el('dt', {}, shortcut.keys.flatMap((name, index) => [index > 0 ? ' or ' : null, el('kbd', { text: name })])),
    el('dd', { text: shortcut.label }),
  ]);
}
