// Messages in flight, for traces written at `full` detail. The network emits `msg` when a message
// is delivered, carrying when it was sent (sim/hw/network.ts), so the messages on the wire at a
// moment T are delivered after T and sent at or before it: events in the cursor's future. This
// index keeps every message's send and delivery times in columns while the trace loads, and answers
// "what is in flight at T" by a binary search on delivery time and a scan bounded by the longest
// flight seen.

import { Float64Column } from '../sim/trace/column.ts';
import type { TraceEvent } from '../sim/trace/format.ts';

/** Messages drawn at once; a busier moment shows the first ones and says how many more. */
export const MAX_DRAWN_MESSAGES = 300;
/** Index entries examined per query, whatever the trace. */
const MAX_SCANNED = 20_000;

export interface FlyingMessage {
  from: string;
  to: string;
  type: string;
  bytes: number;
  sentUs: number;
  deliveredUs: number;
}

export class MessageIndex {
  private readonly sent = new Float64Column();
  private readonly delivered = new Float64Column();
  private readonly bytes = new Float64Column();
  private readonly routes = new Float64Column();
  private readonly types = new Float64Column();
  private readonly names: string[] = [];
  private readonly codes = new Map<string, number>();
  private longestFlightUs = 0;

  get count(): number {
    return this.sent.length;
  }

  observe(event: TraceEvent): void {
    if (event.k !== 'msg' || typeof event.sentUs !== 'number' || typeof event.from !== 'string' || typeof event.to !== 'string') return;
    this.sent.push(event.sentUs);
    this.delivered.push(event.t);
    this.bytes.push(typeof event.bytes === 'number' ? event.bytes : 0);
    this.routes.push(this.code(event.from) * 65536 + this.code(event.to));
    this.types.push(this.code(typeof event.type === 'string' ? event.type : 'message'));
    this.longestFlightUs = Math.max(this.longestFlightUs, event.t - event.sentUs);
  }

  /** Messages sent at or before `timeUs` and delivered after it, and how many were left out. */
  inFlight(timeUs: number): { messages: FlyingMessage[]; more: number } {
    const messages: FlyingMessage[] = [];
    let more = 0;
    const first = this.delivered.upperBound(timeUs);
    const last = Math.min(this.delivered.length, first + MAX_SCANNED);
    for (let index = first; index < last; index++) {
      const deliveredUs = this.delivered.at(index);
      if (deliveredUs > timeUs + this.longestFlightUs) break;
      const sentUs = this.sent.at(index);
      if (sentUs > timeUs) continue;
      if (messages.length >= MAX_DRAWN_MESSAGES) {
        more++;
        continue;
      }
      const route = this.routes.at(index);
      messages.push({
        from: this.names[Math.floor(route / 65536)] ?? '?',
        to: this.names[route % 65536] ?? '?',
        type: this.names[this.types.at(index)] ?? 'message',
        bytes: this.bytes.at(index),
        sentUs,
        deliveredUs,
      });
    }
    return { messages, more };
  }

  private code(name: string): number {
    let code = this.codes.get(name);
    if (code === undefined) {
      code = this.names.length;
      if (code >= 65535) return 65535;
      this.names.push(name);
      this.codes.set(name, code);
    }
    return code;
  }
}
