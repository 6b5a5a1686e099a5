// A streaming reader of trace files (DESIGN §10): bytes or text arrive in chunks of any size, and
// the header, each event (with its line text and number) and the end line come out as soon as
// their line is complete. It runs unchanged in Node (file streams) and the browser (File.stream(),
// fetch bodies), holds only the unfinished last line, and reports progress in bytes.
//
// A line that is not JSON, an event without `i`/`t`/`k`, time going backwards, a sequence number
// repeating, anything after the end line, or a line beyond MAX_LINE_CHARS stops the read with a
// TraceReadError naming the line. A file that ends without its end line is accepted (a run that
// was cut short is still worth looking at) and reported as `complete: false`.

import { validateEnd, validateEnvelope, validateHeader, type TraceEnd, type TraceEvent, type TraceHeader } from './format.ts';

/** No line of a trace is this long; a longer one means the file is not a trace. */
export const MAX_LINE_CHARS = 64 * 1024 * 1024;

export class TraceReadError extends Error {
  override readonly name = 'TraceReadError';
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(line > 0 ? `line ${line}: ${reason}` : reason);
  }
}

export interface TraceHandlers {
  header(header: TraceHeader): void;
  /** `line` is the event's JSON text, kept by readers that re-parse on demand. */
  event(event: TraceEvent, line: string, lineNumber: number): void;
  end?(end: TraceEnd): void;
}

export interface ReadOutcome {
  lines: number;
  events: number;
  bytes: number;
  /** False when the file ended before its end line. */
  complete: boolean;
}

export class TraceReader {
  private readonly decoder = new TextDecoder('utf-8');
  private pending = '';
  private lineNumber = 0;
  private eventCount = 0;
  private byteCount = 0;
  private sawHeader = false;
  private sawEnd = false;
  private lastTimeUs = 0;
  private lastSeq = -1;

  constructor(private readonly handlers: TraceHandlers) {}

  get bytesRead(): number {
    return this.byteCount;
  }

  get linesRead(): number {
    return this.lineNumber;
  }

  /** Feeds the next chunk; handlers run for every line it completes. */
  push(chunk: Uint8Array | string): void {
    let text: string;
    if (typeof chunk === 'string') {
      text = chunk;
      this.byteCount += chunk.length;
    } else {
      text = this.decoder.decode(chunk, { stream: true });
      this.byteCount += chunk.byteLength;
    }
    this.consume(text);
  }

  /** Ends the input: the last line may lack its newline. */
  finish(): ReadOutcome {
    this.consume(this.decoder.decode());
    if (this.pending.length > 0) {
      const last = this.pending;
      this.pending = '';
      this.line(last);
    }
    if (!this.sawHeader) throw new TraceReadError(0, 'the file is empty: a kafka-sim trace starts with a header line');
    return { lines: this.lineNumber, events: this.eventCount, bytes: this.byteCount, complete: this.sawEnd };
  }

  private consume(text: string): void {
    let start = 0;
    let newline = text.indexOf('\n');
    if (newline !== -1 && this.pending.length > 0) {
      this.line(this.pending + text.slice(0, newline));
      this.pending = '';
      start = newline + 1;
      newline = text.indexOf('\n', start);
    }
    while (newline !== -1) {
      this.line(text.slice(start, newline));
      start = newline + 1;
      newline = text.indexOf('\n', start);
    }
    if (start < text.length) this.pending += text.slice(start);
    if (this.pending.length > MAX_LINE_CHARS) {
      throw new TraceReadError(this.lineNumber + 1, `a line longer than ${MAX_LINE_CHARS / (1024 * 1024)} MiB: this is not a kafka-sim trace`);
    }
  }

  private line(raw: string): void {
    this.lineNumber++;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim().length === 0) return;
    const value = this.parse(text);
    if (!this.sawHeader) {
      const header = validateHeader(value);
      if (!header.ok) throw new TraceReadError(this.lineNumber, header.message);
      this.sawHeader = true;
      this.handlers.header(header.value);
      return;
    }
    if (this.sawEnd) throw new TraceReadError(this.lineNumber, 'more lines after the end line: two traces were joined, or the file is damaged');
    const envelope = validateEnvelope(value);
    if (!envelope.ok) throw new TraceReadError(this.lineNumber, envelope.message);
    const event = envelope.value;
    this.checkOrder(event);
    if (event.k === 'end') {
      const end = validateEnd(event);
      if (!end.ok) throw new TraceReadError(this.lineNumber, end.message);
      this.sawEnd = true;
      this.handlers.end?.(end.value);
      return;
    }
    this.eventCount++;
    this.handlers.event(event, text, this.lineNumber);
  }

  private parse(text: string): unknown {
    try {
      return JSON.parse(text);
    } catch (error) {
      const what = this.sawHeader ? 'is not valid JSON' : 'is not valid JSON, so this is not a kafka-sim trace (one JSON object per line)';
      const detail = error instanceof Error ? ` (${error.message})` : '';
      throw new TraceReadError(this.lineNumber, `${what}${detail}: ${preview(text)}`);
    }
  }

  private checkOrder(event: TraceEvent): void {
    if (event.t < this.lastTimeUs) {
      throw new TraceReadError(this.lineNumber, `time goes backwards (${event.t} µs after ${this.lastTimeUs} µs): events must be in time order`);
    }
    this.lastTimeUs = event.t;
    if (event.k === 'end') return;
    if (event.i <= this.lastSeq) {
      throw new TraceReadError(this.lineNumber, `event number ${event.i} does not follow ${this.lastSeq}: sequence numbers only grow`);
    }
    this.lastSeq = event.i;
  }
}

function preview(text: string): string {
  const flat = text.length > 60 ? `${text.slice(0, 60)}…` : text;
  return JSON.stringify(flat);
}

export interface ReadOptions {
  /** Called after each chunk with the bytes read so far. */
  onProgress?: (bytesRead: number) => void;
  /** Awaited after each chunk: the browser yields to the page here to stay responsive. */
  pause?: () => Promise<void>;
  signal?: AbortSignal;
}

/** Reads a whole stream (a Node stream, a fetch body, File.stream()) through the handlers. */
export async function readTrace(
  source: AsyncIterable<Uint8Array | string> | ReadableStream<Uint8Array>,
  handlers: TraceHandlers,
  options: ReadOptions = {},
): Promise<ReadOutcome> {
  const reader = new TraceReader(handlers);
  for await (const chunk of chunks(source)) {
    if (options.signal?.aborted) throw new TraceReadError(0, 'loading was cancelled');
    reader.push(chunk);
    options.onProgress?.(reader.bytesRead);
    if (options.pause) await options.pause();
  }
  return reader.finish();
}

/** Reads a trace held in memory. */
export function readTraceText(text: string, handlers: TraceHandlers): ReadOutcome {
  const reader = new TraceReader(handlers);
  reader.push(text);
  return reader.finish();
}

async function* chunks(source: AsyncIterable<Uint8Array | string> | ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array | string> {
  if (!('getReader' in source)) {
    yield* source;
    return;
  }
  const reader = source.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}
