// A machine's network interface: two FIFO serialisers, one per direction (full duplex). A message
// of B bytes occupies the transmit side for B × 8 / bandwidth seconds after everything queued
// before it, then travels the wire, then occupies the receiving machine's receive side the same
// way (DESIGN §4: delivery = sender serialisation + propagation + receiver serialisation).
//
// Times here are fractional microseconds: a 100-byte message on 10 GbE takes 0.08 µs, and rounding
// each one up to a whole microsecond would cut a long transfer's bandwidth tenfold. The network
// rounds up only when it schedules the event that hands a message on. Fractions are sums and
// products of IEEE doubles, so every engine computes the same bits.
//
// A slow-network fault caps the bandwidth (as `tc` rate limiting does); the cap applies to
// messages queued after it is set. Simplified: no TCP windows or congestion control, so a sender
// never waits for the receiver; the queue is bounded in time instead (a backlog beyond
// MAX_NIC_BACKLOG_US means something sends without any flow control, which is a simulator bug).

import { assert } from '../core/assert.ts';
import { US_PER_MINUTE, US_PER_SECOND } from '../core/time.ts';

/** The longest a NIC queue may hold work for: beyond this an actor is sending without bound. */
export const MAX_NIC_BACKLOG_US = 60 * US_PER_MINUTE;

export class Nic {
  private capBitsPerSecond = Infinity;
  private usPerByte: number;
  /** When the transmit side finishes what is queued (fractional µs). */
  private txFreeUs = 0;
  private rxFreeUs = 0;
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

  /**
   * Queues `bytes` for transmission at `nowUs`; returns when the last bit leaves (fractional µs).
   */
  transmit(nowUs: number, bytes: number): number {
    const startUs = this.txFreeUs > nowUs ? this.txFreeUs : nowUs;
    const doneUs = startUs + bytes * this.usPerByte;
    if (doneUs - nowUs > MAX_NIC_BACKLOG_US) assert(false, this.overflow('transmit', nowUs, doneUs));
    this.txFreeUs = doneUs;
    this.txBytes += bytes;
    return doneUs;
  }

  /**
   * Queues a message whose last bit reached this NIC at `arrivalUs` (fractional, not before the
   * previous arrival's event); returns when it has been fully received.
   */
  receive(arrivalUs: number, bytes: number): number {
    const startUs = this.rxFreeUs > arrivalUs ? this.rxFreeUs : arrivalUs;
    const doneUs = startUs + bytes * this.usPerByte;
    if (doneUs - arrivalUs > MAX_NIC_BACKLOG_US) assert(false, this.overflow('receive', arrivalUs, doneUs));
    this.rxFreeUs = doneUs;
    this.rxBytes += bytes;
    return doneUs;
  }

  /** Power loss: whatever was queued in the card is gone. */
  reset(nowUs: number): void {
    this.txFreeUs = Math.min(this.txFreeUs, nowUs);
    this.rxFreeUs = Math.min(this.rxFreeUs, nowUs);
  }

  private overflow(side: string, nowUs: number, doneUs: number): string {
    return `NIC of ${this.owner}: ${side} queue holds ${Math.round(doneUs - nowUs)}us of work (limit ${MAX_NIC_BACKLOG_US}us): an actor is sending without flow control`;
  }
}
