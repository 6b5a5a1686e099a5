// A machine's network interface, full duplex, and how one direction of it shares its bandwidth
// between connections (DESIGN §4: delivery = sender serialisation + propagation + receiver
// serialisation).
//
// Each direction is a `NicLink`: a fair queue over flows (one flow per connection direction), as
// Linux's default qdiscs share a link (fq / fq_codel: per-flow queues served round robin, a flow
// that was idle served first — fq_codel's "new flows" list — so a small request never waits for a
// bulk transfer's backlog). A turn hands on up to one TSO/GSO super-segment (PIECE_BYTES, 64 KB)
// of one flow; a flow's bytes go out in order (TCP). Work-conserving: the link never idles while a
// flow has bytes ready. Long-run, each backlogged flow gets an equal share of the link, the TCP
// fair share of a bottleneck; a lone flow gets all of it. The receiving side is the same queue
// fed with what the senders put on the wire (it stands for the switch port in front of the
// receiver): a piece can be received once its last byte arrived, so a message's first pieces are
// received while its last ones are still being sent (cut-through at piece granularity, so a long
// message pays one serialisation, plus one piece, not two).
//
// Events: a turn is committed once it starts within COMMIT_AHEAD_BYTES of the present (what the
// qdisc has handed to the NIC's ring is sent in that order; Linux's byte queue limits keep the ring
// that short). A lone flow's big message is planned to its end in one span (no event per piece); a
// flow that turns up meanwhile cuts that span at the first piece boundary not yet committed, so it
// waits for about one piece at most. The link sets a timer only when a turn ends beyond that
// window with other work still queued, so a lone message costs no event here. Fast path: a piece
// reaching a link with no flow queued is served at once, skipping the flow queue; it is exactly the
// turn `run` would plan (same start, same arithmetic), and queues when that would have to wait.
//
// Times here are fractional microseconds: a 100-byte message on 10 GbE takes 0.08 µs, and rounding
// each one up to a whole microsecond would cut a long transfer's bandwidth tenfold. Only event
// times are rounded up. Fractions are sums and products of IEEE doubles, so every engine computes
// the same bits.
//
// Simplified: the fair share is per direction of each NIC separately (a flow slowed at its sender
// simply arrives slower at its receiver; no end-to-end congestion window or max-min solver);
// pieces never merge two messages; no TCP windows or flow control, so a sender never waits for
// the receiver (the queue is bounded in time instead: a backlog beyond MAX_NIC_BACKLOG_US means
// an actor sends without any flow control, a simulator bug); a slow-network cap applies to the
// work planned after it is set (as `tc` rate limiting would, to within one planned message).

import { assert } from '../core/assert.ts';
import type { Scheduler } from '../core/scheduler.ts';
import { US_PER_MINUTE, US_PER_SECOND } from '../core/time.ts';

/** The longest a NIC queue may hold work for: beyond this an actor is sending without bound. */
export const MAX_NIC_BACKLOG_US = 60 * US_PER_MINUTE;
/** One TSO/GSO super-segment: the most one flow hands on per turn. */
export const PIECE_BYTES = 65_536;
/**
 * Bytes a link commits ahead of the present, first come first served: what a NIC's transmit ring
 * holds once the qdisc has handed it on (Linux's byte queue limits keep it to tens of KB).
 */
export const COMMIT_AHEAD_BYTES = 16_384;
/** Turns one link may plan in one call (a bound on the planning loop). */
const MAX_TURNS_PER_CALL = 1_000_000;

export class Nic {
  private capBitsPerSecond = Infinity;
  /** Serialisation time of one byte at the bandwidth in force (fractional µs). */
  usPerByte: number;
  /** Bytes handed to the wire and received, for metrics. */
  txBytes = 0;
  rxBytes = 0;

  constructor(
    readonly owner: string,
    private readonly lineBitsPerSecond: number,
  ) {
    assert(lineBitsPerSecond > 0 && Number.isFinite(lineBitsPerSecond), () => `NIC of ${owner}: bandwidth ${lineBitsPerSecond} bit/s must be positive`);
    this.usPerByte = (8 * US_PER_SECOND) / lineBitsPerSecond;
  }

  /** The bandwidth in force: the line rate, or a slow-network cap below it. */
  get bitsPerSecond(): number {
    return Math.min(this.lineBitsPerSecond, this.capBitsPerSecond);
  }

  /** Caps the bandwidth (slow-network fault); Infinity removes the cap. */
  setCap(bitsPerSecond: number): void {
    assert(bitsPerSecond > 0, () => `NIC of ${this.owner}: a bandwidth cap must be positive, got ${bitsPerSecond}`);
    this.capBitsPerSecond = bitsPerSecond;
    this.usPerByte = (8 * US_PER_SECOND) / this.bitsPerSecond;
  }

  /** Power losses so far: the network drops what the card held when it next touches it. */
  resets = 0;

  /** Power loss: whatever was queued in the card is gone. */
  reset(_nowUs: number): void {
    this.resets++;
  }
}

/** A message's bytes waiting at one NIC direction. */
export interface NicWork {
  /** Its bytes here (a received segment's may shrink while queued: its sender cut it short). */
  readonly bytes: number;
  /** When the bytes up to `byteEnd` (counted from this work's start) are at this NIC. */
  availableUs(byteEnd: number): number;
}

/** What a link reports: bytes it serves, a planned span it had to cut short, work a power loss dropped. */
export interface NicLinkClient<W extends NicWork> {
  served(work: W, fromByte: number, toByte: number, startUs: number, endUs: number): void;
  cut(work: W, toByte: number, endUs: number): void;
  dropped(work: W, fromByte: number): void;
}

/** One flow's queue at a link (one connection direction). */
export class NicFlow<W extends NicWork> {
  readonly items: W[] = [];
  head = 0;
  /** Bytes of the head item already served. */
  servedBytes = 0;
  queued = false;

  get empty(): boolean {
    return this.head === this.items.length;
  }

  pop(): void {
    this.head++;
    this.servedBytes = 0;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
  }
}

/** A lone flow's big message planned to its end, cut if another flow turns up. */
interface OpenSpan<W extends NicWork> {
  readonly flow: NicFlow<W>;
  readonly work: W;
  readonly fromByte: number;
  readonly toByte: number;
  readonly startUs: number;
  readonly endUs: number;
  readonly usPerByte: number;
}

export interface NicLinkOptions {
  /** Serve a piece reaching an idle link at once, without queueing it (default true; tests compare both ways). */
  readonly fastPath?: boolean;
}

/** One direction of a NIC, shared fairly between flows (see the file comment). */
export class NicLink<W extends NicWork> {
  /** When the committed service ends (fractional µs). */
  private freeUs = 0;
  private readonly newFlows: NicFlow<W>[] = [];
  private readonly oldFlows: NicFlow<W>[] = [];
  private open: OpenSpan<W> | null = null;
  private queuedBytes = 0;
  private timerAtUs = Infinity;
  private timerId = 0;
  private readonly onTimer = (): void => {
    this.timerAtUs = Infinity;
    this.run(this.scheduler.now);
  };

  constructor(
    private readonly name: string,
    private readonly nic: Nic,
    private readonly scheduler: Scheduler,
    private readonly client: NicLinkClient<W>,
    private readonly options: NicLinkOptions = {},
  ) {}

  /** Queues `work` on `flow` and serves what can start now. */
  enqueue(flow: NicFlow<W>, work: W, nowUs: number): void {
    if (this.options.fastPath !== false && this.newFlows.length + this.oldFlows.length === 0 && work.bytes <= PIECE_BYTES && this.serveAlone(work, nowUs)) return;
    flow.items.push(work);
    this.queuedBytes += work.bytes;
    if (this.queuedBytes * this.nic.usPerByte > MAX_NIC_BACKLOG_US) assert(false, this.overflow());
    if (!flow.queued) {
      flow.queued = true;
      this.newFlows.push(flow);
    }
    if (this.open !== null && this.open.flow !== flow) this.cutOpen(this.horizonUs(nowUs));
    this.run(nowUs);
  }

  /**
   * The fast path: serves one piece on an idle link as `run` would (from when the link is free or
   * the piece is here, whichever is later), or returns false when it cannot start before the horizon.
   */
  private serveAlone(work: W, nowUs: number): boolean {
    const usPerByte = this.nic.usPerByte;
    const bytes = work.bytes;
    const horizonUs = this.horizonUs(nowUs);
    let startUs = this.freeUs;
    if (startUs >= horizonUs || (this.queuedBytes + bytes) * usPerByte > MAX_NIC_BACKLOG_US) return false;
    const readyUs = work.availableUs(bytes);
    if (readyUs > startUs) {
      if (readyUs >= horizonUs) return false;
      startUs = readyUs;
    }
    const endUs = startUs + bytes * usPerByte;
    this.freeUs = endUs;
    this.client.served(work, 0, bytes, startUs, endUs);
    return true;
  }

  /** A queued item of `flow` lost `bytes` (its sender cut it short): replan a span that counted on them. */
  shrank(flow: NicFlow<W>, bytes: number, nowUs: number): void {
    this.queuedBytes -= bytes;
    if (this.open === null || this.open.flow !== flow) return;
    this.cutOpen(this.horizonUs(nowUs));
    this.run(nowUs);
  }

  /** Power loss: the queued work is gone (what was on the wire already travels on). */
  flush(nowUs: number): void {
    if (this.open !== null) this.cutOpen(nowUs + 1);
    if (this.freeUs > nowUs) this.freeUs = nowUs;
    this.drop(this.newFlows);
    this.drop(this.oldFlows);
    this.queuedBytes = 0;
  }

  private drop(list: NicFlow<W>[]): void {
    for (const flow of list) {
      while (!flow.empty) {
        this.client.dropped(flow.items[flow.head] as W, flow.servedBytes);
        flow.pop();
      }
      flow.queued = false;
    }
    list.length = 0;
  }

  /** Plans turns that start before the next microsecond; sets a timer for the rest. */
  private run(nowUs: number): void {
    const horizonUs = this.horizonUs(nowUs);
    for (let turns = 0; turns < MAX_TURNS_PER_CALL; turns++) {
      if (this.open !== null) {
        if (this.open.endUs >= horizonUs) return this.armIfBacklog(this.open.endUs, true);
        this.closeOpen();
      }
      if (this.newFlows.length + this.oldFlows.length === 0) return;
      if (this.freeUs >= horizonUs) return this.armIfBacklog(this.freeUs, false);
      const flow = this.pick();
      if (flow === null) {
        const readyUs = this.earliestReadyUs();
        if (readyUs >= horizonUs) return this.arm(readyUs);
        this.freeUs = readyUs;
        continue;
      }
      this.turn(flow);
    }
    assert(false, `${this.name}: more than ${MAX_TURNS_PER_CALL} turns in one call`);
  }

  /** Turns starting before this are committed: the rest of this microsecond, and what fits in the driver's ring. */
  private horizonUs(nowUs: number): number {
    return nowUs + 1 + COMMIT_AHEAD_BYTES * this.nic.usPerByte;
  }

  /** The next flow to serve: new flows first (fq_codel), then old ones round robin; null if none is ready. */
  private pick(): NicFlow<W> | null {
    return this.takeReady(this.newFlows) ?? this.takeReady(this.oldFlows);
  }

  private takeReady(list: NicFlow<W>[]): NicFlow<W> | null {
    for (let i = 0; i < list.length; i++) {
      const flow = list[i] as NicFlow<W>;
      if (this.readyUs(flow) <= this.freeUs) {
        list.splice(i, 1);
        return flow;
      }
    }
    return null;
  }

  private readyUs(flow: NicFlow<W>): number {
    const work = flow.items[flow.head] as W;
    return work.availableUs(Math.min(flow.servedBytes + PIECE_BYTES, work.bytes));
  }

  private earliestReadyUs(): number {
    let readyUs = Infinity;
    for (const flow of this.newFlows) readyUs = Math.min(readyUs, this.readyUs(flow));
    for (const flow of this.oldFlows) readyUs = Math.min(readyUs, this.readyUs(flow));
    return readyUs;
  }

  /** Serves one turn of `flow` from `freeUs`: up to a piece, or a lone flow's whole big message. */
  private turn(flow: NicFlow<W>): void {
    const usPerByte = this.nic.usPerByte;
    const lone = this.newFlows.length + this.oldFlows.length === 0;
    let budgetBytes = PIECE_BYTES;
    let cursorUs = this.freeUs;
    while (!flow.empty) {
      const work = flow.items[flow.head] as W;
      const fromByte = flow.servedBytes;
      if (lone && budgetBytes === PIECE_BYTES && work.bytes - fromByte > PIECE_BYTES) {
        this.planOpen(flow, work, fromByte, cursorUs, usPerByte);
        return;
      }
      const toByte = Math.min(work.bytes, fromByte + budgetBytes);
      const readyUs = work.availableUs(toByte);
      if (readyUs > cursorUs) {
        if (budgetBytes < PIECE_BYTES) break;
        cursorUs = readyUs;
      }
      const endUs = cursorUs + (toByte - fromByte) * usPerByte;
      this.queuedBytes -= toByte - fromByte;
      budgetBytes -= toByte - fromByte;
      if (toByte === work.bytes) flow.pop();
      else flow.servedBytes = toByte;
      this.client.served(work, fromByte, toByte, cursorUs, endUs);
      cursorUs = endUs;
      if (budgetBytes === 0) break;
    }
    this.freeUs = cursorUs;
    if (!flow.empty) this.oldFlows.push(flow);
    else flow.queued = false;
  }

  /** Plans the rest of a lone flow's big message piece by piece, each once its bytes are here. */
  private planOpen(flow: NicFlow<W>, work: W, fromByte: number, cursorUs: number, usPerByte: number): void {
    const { startUs, endUs } = this.pieces(work, fromByte, work.bytes, cursorUs, usPerByte, Infinity);
    this.open = { flow, work, fromByte, toByte: work.bytes, startUs, endUs, usPerByte };
    this.newFlows.push(flow);
    this.client.served(work, fromByte, work.bytes, startUs, endUs);
  }

  /**
   * Walks the pieces of `work` from `fromByte` to `toByte`, each starting once the previous ended
   * and its own bytes are here; stops before the first piece starting at or after `stopUs`.
   */
  private pieces(work: W, fromByte: number, toByte: number, cursorUs: number, usPerByte: number, stopUs: number): { startUs: number; endUs: number; endByte: number } {
    let startUs = -1;
    let byte = fromByte;
    let endUs = cursorUs;
    while (byte < toByte) {
      const pieceEnd = Math.min(toByte, byte + PIECE_BYTES);
      const pieceStartUs = Math.max(endUs, work.availableUs(pieceEnd));
      if (pieceStartUs >= stopUs && byte > fromByte) break;
      if (startUs < 0) startUs = pieceStartUs;
      endUs = pieceStartUs + (pieceEnd - byte) * usPerByte;
      byte = pieceEnd;
    }
    return { startUs: startUs < 0 ? cursorUs : startUs, endUs, endByte: byte };
  }

  /** The open span has started all its pieces: it is committed. */
  private closeOpen(): void {
    const open = this.open as OpenSpan<W>;
    this.open = null;
    this.removeQueued(open.flow);
    this.queuedBytes -= open.toByte - open.fromByte;
    open.flow.pop();
    this.freeUs = open.endUs;
    if (!open.flow.empty) this.oldFlows.push(open.flow);
    else open.flow.queued = false;
  }

  /** Keeps the pieces of the open span that start before `horizonUs`; the rest waits its turn. */
  private cutOpen(horizonUs: number): void {
    const open = this.open as OpenSpan<W>;
    const toByte = Math.min(open.toByte, open.work.bytes);
    const kept = this.pieces(open.work, open.fromByte, toByte, open.startUs, open.usPerByte, horizonUs);
    if (kept.endByte === open.toByte) return this.closeOpen();
    this.open = null;
    this.removeQueued(open.flow);
    this.queuedBytes -= kept.endByte - open.fromByte;
    if (kept.endByte === open.work.bytes) open.flow.pop();
    else open.flow.servedBytes = kept.endByte;
    this.freeUs = kept.endUs;
    if (!open.flow.empty) this.oldFlows.push(open.flow);
    else open.flow.queued = false;
    this.client.cut(open.work, kept.endByte, kept.endUs);
  }

  private removeQueued(flow: NicFlow<W>): void {
    const i = this.newFlows.indexOf(flow);
    if (i >= 0) this.newFlows.splice(i, 1);
  }

  /** Arms the timer for when the link is free, if anything besides the open span waits for it. */
  private armIfBacklog(atUs: number, openBusy: boolean): void {
    const flows = this.newFlows.length + this.oldFlows.length;
    const open = this.open;
    if (!openBusy || flows > 1 || (open !== null && open.flow.items.length - open.flow.head > 1)) this.arm(atUs);
  }

  private arm(atUs: number): void {
    const timeUs = Math.ceil(atUs);
    if (this.timerAtUs <= timeUs) return;
    if (this.timerAtUs !== Infinity) this.scheduler.cancel(this.timerId);
    this.timerAtUs = timeUs;
    this.timerId = this.scheduler.scheduleAt(timeUs, this.onTimer);
  }

  private overflow(): string {
    return `${this.name}: queue holds ${Math.round(this.queuedBytes * this.nic.usPerByte)}us of work (limit ${MAX_NIC_BACKLOG_US}us): an actor is sending without flow control`;
  }
}
