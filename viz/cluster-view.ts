// The cluster at the cursor (DESIGN §13): racks side by side, and in each its machines — brokers
// and ZooKeeper servers — as cards saying, in words and not by colour alone, whether the process
// is up, crashed, stopped, powered off, paused or restarting; who the controller is; each ZooKeeper
// server's role; whether a broker still holds its ZooKeeper session and registration (the moments
// between a crash and its session expiry are exactly when the controller does not yet know);
// slow disks and networks; and which machines a network partition cuts off. Links a partition
// blocks are drawn as red dashed lines with a cross; at `full` detail, messages in flight move
// along the links. Clients sit in a box below the racks.

import * as d3 from 'd3';
import { nodeName } from '../sim/trace/describe.ts';
import type { ClusterState, NetFaultState, NodeState } from '../sim/trace/state.ts';
import { cutOffBy, describeCluster, describeNetFault, detailLines, roleBadges, STATUS_WORDS } from './cluster-words.ts';
import type { Cursor } from './cursor.ts';
import { el, measureText } from './dom.ts';
import type { TraceModel } from './trace-model.ts';

const CARD_HEIGHT = 86;
const CARD_GAP = 12;
const RACK_HEADER = 30;
const MIN_COLUMN = 170;
/** Blocked links drawn at most; a larger partition is still listed in words. */
const MAX_BLOCKED_LINKS = 80;

interface Box {
  label: string;
  kind: 'rack' | 'clients';
  x: number;
  y: number;
  width: number;
  height: number;
}

interface Placed {
  node: NodeState;
  x: number;
  y: number;
  width: number;
}

export class ClusterView {
  private readonly svg: d3.Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly caption = el('p', { class: 'panel-note' });
  private readonly facts = el('dl', { class: 'cluster-facts' });
  private readonly partitionList = el('ul', { class: 'fault-list', attrs: { 'aria-label': 'Network faults in force' } });
  private last: { state: ClusterState; cursor: Cursor } | null = null;
  /** The panel's width, kept by the resize observer: reading it during a seek would force a layout. */
  private widthPx: number;

  constructor(
    container: HTMLElement,
    private readonly model: TraceModel,
  ) {
    const host = el('div', { class: 'cluster-host' });
    container.append(this.facts, host, this.partitionList, this.caption, legend());
    this.svg = d3.select(host).append('svg').attr('class', 'cluster-svg').attr('role', 'img');
    this.widthPx = container.clientWidth;
    new ResizeObserver((entries) => {
      const width = entries[0]?.contentRect.width ?? this.widthPx;
      if (Math.abs(width - this.widthPx) < 1) return;
      this.widthPx = width;
      if (this.last) this.update(this.last.state, this.last.cursor);
    }).observe(container);
  }

  update(state: ClusterState, cursor: Cursor): void {
    this.last = { state, cursor };
    const width = Math.max(320, this.widthPx);
    const { boxes, placed } = this.layout(state, width);
    const height = Math.max(...boxes.map((box) => box.y + box.height), RACK_HEADER + CARD_HEIGHT) + 4;
    this.svg.attr('width', width).attr('height', height).attr('aria-label', describeCluster(state));
    this.svg.selectAll('*').remove();
    this.drawBoxes(boxes);
    const byId = new Map(placed.map((each) => [each.node.id, each]));
    const crosses = this.drawBlockedLinks(state, byId);
    for (const each of placed) this.drawCard(each, state, cursor.timeUs);
    this.drawCrosses(crosses);
    this.drawMessages(cursor.timeUs, new Map(placed.map((each) => [each.node.id, centreOf(each)])));
    this.listNetworkFaults(state);
    this.showFacts(state);
  }

  /** The cluster's key roles in words, above the drawing. */
  private showFacts(state: ClusterState): void {
    const brokers = [...state.nodes.values()].filter((node) => node.role === 'broker');
    const registered = brokers.filter((node) => node.registered).map((node) => node.number);
    const fact = (name: string, value: string): HTMLElement[] => [el('dt', { text: name }), el('dd', { text: value })];
    this.facts.replaceChildren(
      ...fact('Controller', state.controller ? `broker ${state.controller.broker} · epoch ${state.controller.epoch}` : 'none'),
      ...fact('ZooKeeper leader', state.zkLeader ? `${nodeName(state.zkLeader.node)} · epoch ${state.zkLeader.epoch}` : 'none'),
      ...fact('Registered brokers', registered.length === 0 ? 'none' : `${registered.join(', ')} (${registered.length} of ${brokers.length})`),
      ...(state.groups.size === 0 ? [] : fact('Consumer groups', [...state.groups.values()].map((group) => `${group.group} ${group.state ?? 'joining'} · gen ${group.generation}`).join('; '))),
    );
  }

  /**
   * Racks side by side, wrapping onto more rows when they do not fit; a rack with room to spare
   * (few racks, or none at all) lays its machines out in several columns, brokers before
   * ZooKeeper servers. Then the clients, in one box across the whole width.
   */
  private layout(state: ClusterState, width: number): { boxes: Box[]; placed: Placed[] } {
    const racks = new Map<string, NodeState[]>();
    for (const rack of this.model.header.scenario.cluster?.racks ?? []) racks.set(rack, []);
    const clients: NodeState[] = [];
    for (const node of state.nodes.values()) {
      if (node.role === 'producer' || node.role === 'consumer' || node.role === 'other') clients.push(node);
      else racks.set(node.rack ?? '', [...(racks.get(node.rack ?? '') ?? []), node]);
    }
    const columns = [...racks.entries()].filter(([, nodes]) => nodes.length > 0);
    const slots = Math.max(1, Math.floor(width / MIN_COLUMN));
    const slotWidth = Math.floor(width / slots);
    const boxes: Box[] = [];
    const placed: Placed[] = [];
    let top = 0;
    for (let first = 0; first < columns.length; first += slots) {
      const row = columns.slice(first, first + slots);
      const span = Math.max(1, Math.floor(slots / row.length));
      let height = 0;
      row.forEach(([name, nodes], column) => {
        const sorted = [...nodes].sort((a, b) => roleRank(a) - roleRank(b) || (a.number ?? 0) - (b.number ?? 0));
        const x = column * span * slotWidth;
        const rows = placeGrid(sorted, x, top, Math.min(span, sorted.length), slotWidth, placed);
        height = Math.max(height, RACK_HEADER + rows * (CARD_HEIGHT + CARD_GAP));
        boxes.push({ label: name === '' ? 'No rack' : `Rack ${name}`, kind: 'rack', x, y: top, width: span * slotWidth, height: 0 });
      });
      for (const box of boxes.slice(-row.length)) box.height = height;
      top += height + CARD_GAP;
    }
    if (clients.length > 0) {
      const rows = placeGrid(clients, 0, top, Math.min(slots, clients.length), slotWidth, placed);
      boxes.push({ label: 'Clients', kind: 'clients', x: 0, y: top, width: slots * slotWidth, height: RACK_HEADER + rows * (CARD_HEIGHT + CARD_GAP) });
    }
    return { boxes, placed };
  }

  private drawBoxes(boxes: readonly Box[]): void {
    const group = this.svg.append('g').attr('class', 'racks');
    for (const box of boxes) {
      group.append('rect').attr('class', `rack ${box.kind}`).attr('x', box.x + 3).attr('y', box.y + 2).attr('width', box.width - 6).attr('height', box.height - 4).attr('rx', 10);
      group.append('text').attr('class', 'rack-label').attr('x', box.x + 14).attr('y', box.y + 20).text(box.label);
    }
    if (boxes.length === 0) group.append('text').attr('class', 'rack-label').attr('x', 16).attr('y', 30).text('No machines in this trace yet.');
  }

  private drawCard(place: Placed, state: ClusterState, timeUs: number): void {
    const { node } = place;
    const cut = cutOffBy(node.id, state.netFaults);
    const group = this.svg.append('g').attr('class', `card status-${node.status}${cut.length > 0 ? ' cut-off' : ''}`).attr('transform', `translate(${place.x},${place.y})`);
    group.append('rect').attr('class', 'card-bg').attr('width', place.width).attr('height', CARD_HEIGHT).attr('rx', 8);
    group.append('rect').attr('class', 'card-stripe').attr('width', 5).attr('height', CARD_HEIGHT).attr('rx', 2);
    const title = group.append('text').attr('class', 'card-title').attr('x', 14).attr('y', 22).text(nodeName(node.id));
    const words = STATUS_WORDS[node.status];
    const pill = group.append('g').attr('class', 'status-pill');
    const pillText = pill.append('text').attr('y', 21.5).text(words);
    const pillWidth = measureText(words, '750 10px') + words.length * 0.2 + 12;
    pillText.attr('x', place.width - pillWidth / 2 - 8);
    pill.insert('rect', 'text').attr('x', place.width - pillWidth - 8).attr('y', 8).attr('width', pillWidth).attr('height', 19).attr('rx', 9.5);
    title.text(fitText(cardTitle(node), '700 13.5px', place.width - pillWidth - 24));
    const badges = roleBadges(node, state, cut);
    let badgeX = 14;
    for (const badge of badges) {
      const g = group.append('g').attr('class', `badge ${badge.kind}`);
      const text = g.append('text').attr('x', badgeX + 6).attr('y', 44.5).text(badge.text);
      const badgeWidth = measureText(badge.text, '700 10.5px') + badge.text.length * 0.21 + 12;
      if (badgeX + badgeWidth > place.width - 6 && badgeX > 14) {
        // No room: the card's tooltip still lists every badge.
        text.text('…');
        g.insert('rect', 'text').attr('x', badgeX).attr('y', 32).attr('width', 18).attr('height', 17).attr('rx', 4);
        break;
      }
      g.insert('rect', 'text').attr('x', badgeX).attr('y', 32).attr('width', badgeWidth).attr('height', 17).attr('rx', 4);
      badgeX += badgeWidth + 5;
    }
    const lines = detailLines(node, state, timeUs, this.model);
    lines.forEach((line, index) =>
      group.append('text').attr('class', `card-detail${line.warn ? ' warn' : ''}`).attr('x', 14).attr('y', 64 + index * 14).text(fitText(line.text, line.warn ? '600 11px' : '400 11px', place.width - 22)),
    );
    group.append('title').text([`${nodeName(node.id)}: ${words.toLowerCase()}`, ...badges.map((badge) => badge.text), ...lines.map((line) => line.text)].join('\n'));
  }

  /**
   * Links a partition cuts, as dashed lines behind the cards, each with a cross just outside the
   * cut-off side's card (drawn over everything, so a ring of crosses marks an isolated machine).
   */
  private drawBlockedLinks(state: ClusterState, placed: ReadonlyMap<string, Placed>): [number, number][] {
    const lines = this.svg.append('g').attr('class', 'blocked-links');
    const crosses: [number, number][] = [];
    let drawn = 0;
    for (const fault of state.netFaults.values()) {
      for (const [from, to] of blockedPairs(fault, [...placed.keys()])) {
        const a = placed.get(from);
        const b = placed.get(to);
        if (a === undefined || b === undefined || drawn++ >= MAX_BLOCKED_LINKS) continue;
        const [ax, ay] = centreOf(a);
        const [bx, by] = centreOf(b);
        lines.append('line').attr('class', 'blocked').attr('x1', ax).attr('y1', ay).attr('x2', bx).attr('y2', by);
        const [exitX, exitY] = edgeTowards(a, bx, by);
        const length = Math.hypot(bx - ax, by - ay) || 1;
        crosses.push([exitX + ((bx - ax) / length) * 7, exitY + ((by - ay) / length) * 7]);
      }
    }
    return crosses;
  }

  private drawCrosses(crosses: readonly [number, number][]): void {
    const group = this.svg.append('g').attr('class', 'blocked-crosses');
    for (const [x, y] of crosses) {
      group.append('circle').attr('class', 'blocked-cross-bg').attr('cx', x).attr('cy', y).attr('r', 6.5);
      group.append('path').attr('class', 'blocked-cross').attr('d', `M${x - 3},${y - 3}L${x + 3},${y + 3}M${x + 3},${y - 3}L${x - 3},${y + 3}`);
    }
  }

  private drawMessages(timeUs: number, centre: ReadonlyMap<string, readonly [number, number]>): void {
    if (this.model.messages.count === 0) {
      this.caption.textContent = 'Messages in flight are drawn for traces recorded with --detail full.';
      return;
    }
    const { messages, more } = this.model.messages.inFlight(timeUs);
    const dots = this.svg.append('g').attr('class', 'messages');
    for (const message of messages) {
      const a = centre.get(message.from);
      const b = centre.get(message.to);
      if (a === undefined || b === undefined) continue;
      const share = (timeUs - message.sentUs) / Math.max(1, message.deliveredUs - message.sentUs);
      dots.append('circle').attr('class', `message msg-${message.type.replace(/[^a-z-]/gi, '')}`).attr('r', 4)
        .attr('cx', a[0] + (b[0] - a[0]) * share).attr('cy', a[1] + (b[1] - a[1]) * share)
        .append('title').text(`${message.type}: ${nodeName(message.from)} → ${nodeName(message.to)}, ${message.bytes} bytes`);
    }
    this.caption.textContent = `${messages.length + more} message${messages.length + more === 1 ? '' : 's'} in flight${more > 0 ? ` (${messages.length} drawn)` : ''}.`;
  }

  private listNetworkFaults(state: ClusterState): void {
    const items = [...state.netFaults.values()].map((fault) => el('li', { text: describeNetFault(fault) }));
    this.partitionList.replaceChildren(...items);
    this.partitionList.hidden = items.length === 0;
  }
}

/** Places cards row by row, `columns` to a row, inside a box at (x, top); returns the rows used. */
function placeGrid(nodes: readonly NodeState[], x: number, top: number, columns: number, slotWidth: number, into: Placed[]): number {
  nodes.forEach((node, index) => {
    into.push({ node, x: x + (index % columns) * slotWidth + 10, y: top + RACK_HEADER + Math.floor(index / columns) * (CARD_HEIGHT + CARD_GAP), width: slotWidth - 20 });
  });
  return Math.ceil(nodes.length / columns);
}

/** A machine's name; a consumer goes by its member name ("billing/0") in the clients box. */
function cardTitle(node: NodeState): string {
  if (node.role !== 'consumer') return nodeName(node.id);
  const id = node.id.slice('consumer-'.length);
  const cut = id.lastIndexOf('-');
  return cut === -1 ? id : `${id.slice(0, cut)}/${id.slice(cut + 1)}`;
}

function centreOf(place: Placed): [number, number] {
  return [place.x + place.width / 2, place.y + CARD_HEIGHT / 2];
}

/** Where the line from a card's centre towards (x, y) leaves the card. */
function edgeTowards(place: Placed, x: number, y: number): [number, number] {
  const [cx, cy] = centreOf(place);
  const dx = x - cx;
  const dy = y - cy;
  const scale = Math.min(dx === 0 ? Infinity : place.width / 2 / Math.abs(dx), dy === 0 ? Infinity : CARD_HEIGHT / 2 / Math.abs(dy), 1);
  return [cx + dx * scale, cy + dy * scale];
}

function roleRank(node: NodeState): number {
  return { broker: 0, zookeeper: 1, producer: 2, consumer: 3, other: 4 }[node.role];
}

function blockedPairs(fault: NetFaultState, drawn: readonly string[]): [string, string][] {
  if (fault.kind !== 'partition') return [];
  const pairs: [string, string][] = [];
  if (fault.shape === 'isolate') {
    for (const inside of fault.nodes) for (const other of drawn) if (!fault.nodes.includes(other)) pairs.push([inside, other]);
  } else if (fault.shape === 'between') {
    fault.groups.forEach((group, index) => {
      for (const later of fault.groups.slice(index + 1)) for (const a of group) for (const b of later) pairs.push([a, b]);
    });
  } else {
    for (const from of fault.from) for (const to of fault.to) pairs.push([from, to]);
  }
  return pairs;
}

/** `text`, shortened with an ellipsis until it fits `widthPx` in `font`. */
function fitText(text: string, font: string, widthPx: number): string {
  if (measureText(text, font) <= widthPx) return text;
  let keep = text.length - 1;
  while (keep > 1 && measureText(`${text.slice(0, keep)}…`, font) > widthPx) keep--;
  return `${text.slice(0, keep)}…`;
}

function legend(): HTMLElement {
  const items: [string, string][] = [
    ['up', 'up'], ['paused', 'paused'], ['crashed', 'crashed'], ['powered-off', 'powered off'], ['stopped', 'stopped'], ['restarting', 'restarting'],
  ];
  return el('ul', { class: 'legend', attrs: { 'aria-label': 'Legend' } }, [
    ...items.map(([status, words]) => el('li', {}, [el('span', { class: `swatch status-${status}`, attrs: { 'aria-hidden': 'true' } }), words])),
    el('li', {}, [el('span', { class: 'swatch blocked', attrs: { 'aria-hidden': 'true' } }), 'link cut by a network partition']),
  ]);
}
