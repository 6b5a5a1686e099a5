// The trace: every state change of a run, as typed events in time order (DESIGN §10). Each event
// is `{"i":<seq>,"t":<µs>,"k":"<kind>",…fields}`, serialised once to one NDJSON line that feeds
// both the sinks (memory, file, none) and the run's fingerprint, `traceHash`.
//
// The fingerprint is 64-bit FNV-1a over the UTF-8 bytes of every event line at `standard` detail
// or coarser, each followed by "\n". It does not depend on the chosen detail level: `full`-only
// events (every network message) still take a sequence number, so `i` is the same at every
// detail level, but they are not hashed. Same scenario + seed ⇒ same hash, whatever is written.
//
// Only deterministic data may be emitted: field order comes from the emitting code, numbers are
// integers or come from deterministic arithmetic, so JSON.stringify is canonical.

export const DETAIL_LEVELS = ['summary', 'standard', 'full'] as const;
export type DetailLevel = (typeof DETAIL_LEVELS)[number];

/** How fine an event is: summary events are always written; full ones only at `full` detail. */
export const Level = { Summary: 0, Standard: 1, Full: 2 } as const;
export type Level = (typeof Level)[keyof typeof Level];

export interface TraceEvent {
  i: number;
  t: number;
  k: string;
  [field: string]: unknown;
}

export interface TraceSink {
  /** Receives each written event and its serialised line (without the newline). */
  accept(line: string, event: TraceEvent): void;
}

export interface Clock {
  readonly now: number;
}

export interface TraceOptions {
  detail?: DetailLevel;
  sinks?: TraceSink[];
  /** Compute the fingerprint (on by default; off only for raw speed measurements). */
  hash?: boolean;
}

export class Trace {
  private seq = 0;
  private readonly sinks: TraceSink[];
  private readonly hashing: boolean;
  private readonly writeLevel: Level;
  private readonly hasher = new Fnv1a64();
  private readonly observers: ((event: TraceEvent) => void)[] = [];

  constructor(
    private readonly clock: Clock,
    options: TraceOptions = {},
  ) {
    this.sinks = options.sinks ?? [];
    this.hashing = options.hash ?? true;
    const detail = options.detail ?? 'standard';
    this.writeLevel = DETAIL_LEVELS.indexOf(detail) as Level;
  }

  /**
   * Registers an omniscient observer (the checker's live invariants, the summary folds): it sees
   * every event at `standard` detail or coarser as it is emitted, whatever the sinks' detail.
   * Observers only read; they must not change simulated state.
   */
  observe(observer: (event: TraceEvent) => void): void {
    this.observers.push(observer);
  }

  /** True when `full`-level events would be written; emitters skip building them otherwise. */
  get fullDetail(): boolean {
    return this.writeLevel === Level.Full && this.sinks.length > 0;
  }

  /** Events numbered so far (the next event's `i`). */
  get count(): number {
    return this.seq;
  }

  /** Emits an event now; returns its sequence number `i`. */
  emit(kind: string, fields: object, level: Level = Level.Standard): number {
    const i = this.seq++;
    const write = level <= this.writeLevel && this.sinks.length > 0;
    const observe = this.observers.length > 0 && level <= Level.Standard;
    const hash = this.hashing && level <= Level.Standard;
    if (!write && !hash && !observe) return i;
    const t = this.clock.now;
    const body = JSON.stringify(fields);
    const head = `{"i":${i},"t":${t},"k":${JSON.stringify(kind)}`;
    const line = body.length > 2 ? `${head},${body.slice(1)}` : `${head}}`;
    if (hash) this.hasher.updateLine(line);
    if (write || observe) {
      const event = { i, t, k: kind, ...fields } as TraceEvent;
      if (write) for (const sink of this.sinks) sink.accept(line, event);
      if (observe) for (const observer of this.observers) observer(event);
    }
    return i;
  }

  /** Consumes a sequence number for an event that is not being built (see `fullDetail`). */
  skip(): number {
    return this.seq++;
  }

  /** The 64-bit fingerprint of everything hashed so far, as 16 hex digits. */
  get traceHash(): string {
    return this.hasher.hex();
  }
}

/** A sink that keeps every event in memory (tests, the in-browser runner, the summary). */
export class MemorySink implements TraceSink {
  readonly events: TraceEvent[] = [];
  readonly lines: string[] = [];

  constructor(private readonly keepLines = false) {}

  accept(line: string, event: TraceEvent): void {
    this.events.push(event);
    if (this.keepLines) this.lines.push(line);
  }
}

/**
 * 64-bit FNV-1a, computed in two 32-bit halves so it is exact and identical in every JavaScript
 * engine. The FNV prime 2^40 + 0x1b3 is applied as (h × 0x1b3) + (h << 40).
 */
export class Fnv1a64 {
  private hi = 0xcbf29ce4;
  private lo = 0x84222325;

  /** Hashes the UTF-8 encoding of `text` followed by a newline. */
  updateLine(text: string): void {
    for (let index = 0; index < text.length; index++) {
      const code = text.charCodeAt(index);
      if (code < 0x80) {
        this.byte(code);
      } else if (code < 0x800) {
        this.byte(0xc0 | (code >> 6));
        this.byte(0x80 | (code & 0x3f));
      } else if (code >= 0xd800 && code < 0xdc00 && index + 1 < text.length) {
        const low = text.charCodeAt(index + 1);
        const point = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        index++;
        this.byte(0xf0 | (point >> 18));
        this.byte(0x80 | ((point >> 12) & 0x3f));
        this.byte(0x80 | ((point >> 6) & 0x3f));
        this.byte(0x80 | (point & 0x3f));
      } else {
        this.byte(0xe0 | (code >> 12));
        this.byte(0x80 | ((code >> 6) & 0x3f));
        this.byte(0x80 | (code & 0x3f));
      }
    }
    this.byte(0x0a);
  }

  byte(value: number): void {
    const lo = (this.lo ^ value) >>> 0;
    const product = lo * 0x1b3;
    const carry = Math.floor(product / 4294967296);
    this.lo = product >>> 0;
    this.hi = (Math.imul(this.hi, 0x1b3) + carry + (lo << 8)) >>> 0;
  }

  hex(): string {
    return this.hi.toString(16).padStart(8, '0') + this.lo.toString(16).padStart(8, '0');
  }
}
