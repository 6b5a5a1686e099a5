// The event log (DESIGN §13): the events around the cursor in plain words (sim/trace/describe.ts),
// the ones already applied in full and the ones still to come dimmed, with the last applied event
// marked "now". Families of events can be hidden (replica offsets, network messages and producer
// metrics start hidden: they are most of a trace and little of its story), and a text filter
// narrows to a partition, a broker or a word; "previous/next match" search the whole trace and
// move the cursor there. Clicking an event moves the cursor just after it.
//
// Only the shown families are visited (viz/category-index.ts), only a window of them is read per
// update, and every scan is bounded, so the log keeps up with playback on a million-event trace.

import { CATEGORIES, categoryOf, describeEvent, type Category } from '../sim/trace/describe.ts';
import type { Cursor } from './cursor.ts';
import { el } from './dom.ts';
import { formatTime } from './format.ts';
import type { TraceModel } from './trace-model.ts';

/** Events listed on each side of the cursor. */
const ROWS_EACH_SIDE = 40;
/** Events of the shown families examined on each side per update when a text filter is on. */
const TEXT_SCAN_LIMIT = 8_000;
const HIDDEN_AT_START: readonly Category[] = ['offsets', 'message', 'client'];

const CATEGORY_WORDS: Readonly<Record<Category, string>> = {
  fault: 'faults', process: 'processes', network: 'network', zookeeper: 'ZooKeeper', controller: 'controller', leadership: 'leadership',
  isr: 'ISR', log: 'log', offsets: 'offsets', client: 'clients', group: 'groups', checker: 'checker', message: 'messages', other: 'other',
};

export class LogView {
  private readonly list = el('ol', { class: 'log-list', attrs: { 'aria-label': 'Events around the cursor' } });
  private readonly search: HTMLInputElement;
  private readonly note = el('p', { class: 'panel-note' });
  private readonly shown = new Set<Category>(CATEGORIES.filter((category) => !HIDDEN_AT_START.includes(category)));
  private lastKey = '';
  private scrollPending = false;

  constructor(
    container: HTMLElement,
    private readonly model: TraceModel,
    private readonly cursor: Cursor,
  ) {
    const refresh = (): void => {
      this.lastKey = '';
      this.update();
    };
    this.search = el('input', { class: 'filter', attrs: { type: 'search', id: 'log-filter', placeholder: 'Filter: orders/0, broker 2, expired…  ( / )', 'aria-label': 'Filter events by text' }, on: { input: refresh } });
    const toggles = CATEGORIES.map((category) =>
      el('button', {
        class: `toggle cat-${category}`,
        text: CATEGORY_WORDS[category],
        attrs: { type: 'button', 'aria-pressed': String(this.shown.has(category)) },
        on: {
          click: (event) => {
            const button = event.currentTarget as HTMLButtonElement;
            if (this.shown.has(category)) this.shown.delete(category);
            else this.shown.add(category);
            button.setAttribute('aria-pressed', String(this.shown.has(category)));
            refresh();
          },
        },
      }),
    );
    const find = (direction: 1 | -1, label: string): HTMLButtonElement =>
      el('button', { class: 'button small', text: label, attrs: { type: 'button' }, on: { click: () => this.findMatch(direction) } });
    container.append(
      el('div', { class: 'panel-tools' }, [this.search, find(-1, '◀ previous match'), find(1, 'next match ▶')]),
      el('div', { class: 'toggles', attrs: { role: 'group', 'aria-label': 'Event families shown' } }, toggles),
      el('div', { class: 'log-scroll', attrs: { tabindex: '0' } }, [this.list]),
      this.note,
    );
  }

  focusFilter(): void {
    this.search.focus();
    this.search.select();
  }

  update(): void {
    const position = this.cursor.position;
    const key = `${position}|${this.search.value}|${[...this.shown].join(',')}`;
    if (key === this.lastKey) return;
    this.lastKey = key;
    const text = this.search.value.trim().toLowerCase();
    const before = this.collect(position - 1, -1, text).reverse();
    const after = this.collect(position, 1, text);
    // "now" is the latest shown event already applied: the last applied one may be of a hidden family.
    const now = before[before.length - 1];
    const rows = [...before.map((at) => this.row(at, at === now, false)), ...after.map((at) => this.row(at, false, true))];
    if (rows.length === 0) rows.push(el('li', { class: 'log-empty', text: 'No events match near the cursor. Try “next match” or show more families.' }));
    this.list.replaceChildren(...rows);
    this.scrollToNow();
    const hidden = CATEGORIES.length - this.shown.size;
    this.note.textContent = hidden > 0 ? `${hidden} famil${hidden === 1 ? 'y' : 'ies'} of events hidden.` : '';
  }

  /**
   * Centres the "now" row, in the next frame: reading its position now would force the browser to
   * lay out the whole page in the middle of a seek, where the next frame lays it out anyway.
   */
  private scrollToNow(): void {
    if (this.scrollPending) return;
    this.scrollPending = true;
    requestAnimationFrame(() => {
      this.scrollPending = false;
      const nowRow = this.list.querySelector('.now') as HTMLElement | null;
      const scroller = this.list.parentElement as HTMLElement;
      scroller.scrollTop = nowRow ? nowRow.offsetTop - scroller.clientHeight / 2 + nowRow.offsetHeight / 2 : 0;
    });
  }

  private collect(from: number, direction: 1 | -1, text: string): number[] {
    const found: number[] = [];
    let scanned = 0;
    for (const at of this.model.categories.walk(from, direction, this.shown)) {
      if (found.length >= ROWS_EACH_SIDE || (text !== '' && scanned++ >= TEXT_SCAN_LIMIT)) break;
      if (this.matches(at, text)) found.push(at);
    }
    return found;
  }

  private matches(position: number, text: string): boolean {
    if (text === '') return true;
    const event = this.model.event(position);
    return describeEvent(event).toLowerCase().includes(text) || event.k.includes(text);
  }

  /** Moves the cursor to the nearest matching event in a direction, over the whole trace. */
  private findMatch(direction: 1 | -1): void {
    const text = this.search.value.trim().toLowerCase();
    const start = direction === 1 ? this.cursor.position : this.cursor.position - 2;
    for (const at of this.model.categories.walk(start, direction, this.shown)) {
      if (this.matches(at, text)) {
        this.cursor.pause();
        this.cursor.seekPosition(at + 1);
        return;
      }
    }
    this.note.textContent = `No ${direction === 1 ? 'later' : 'earlier'} event matches.`;
  }

  private row(position: number, now: boolean, future: boolean): HTMLLIElement {
    const event = this.model.event(position);
    const category = categoryOf(event.k);
    return el('li', { class: `log-row${now ? ' now' : ''}${future ? ' future' : ''}`, attrs: { 'aria-current': now ? 'true' : null } }, [
      el('button', { class: 'log-button', attrs: { type: 'button', title: `Move the cursor just after event #${event.i}` }, on: { click: () => this.cursor.seekPosition(position + 1) } }, [
        el('span', { class: 'log-time', text: formatTime(event.t) }),
        el('span', { class: `log-cat cat-${category}`, text: CATEGORY_WORDS[category] }),
        el('span', { class: 'log-text', text: describeEvent(event) }),
        now ? el('span', { class: 'now-tag', text: 'now' }) : null,
      ]),
    ]);
  }
}
