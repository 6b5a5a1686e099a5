import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readTrace, readTraceText, TraceReader, TraceReadError, type TraceHandlers } from '../../sim/trace/reader.ts';
import type { TraceEnd, TraceEvent, TraceHeader } from '../../sim/trace/format.ts';
import { failoverTraceText } from './failover-trace.ts';

interface Collected {
  header: TraceHeader | null;
  events: TraceEvent[];
  lineNumbers: number[];
  end: TraceEnd | null;
}

function collector(): { handlers: TraceHandlers; got: Collected } {
  const got: Collected = { header: null, events: [], lineNumbers: [], end: null };
  return {
    got,
    handlers: {
      header: (header) => (got.header = header),
      event: (event, _line, lineNumber) => {
        got.events.push(event);
        got.lineNumbers.push(lineNumber);
      },
      end: (end) => (got.end = end),
    },
  };
}

function errorOf(text: string): TraceReadError {
  try {
    readTraceText(text, collector().handlers);
  } catch (error) {
    if (error instanceof TraceReadError) return error;
    throw error;
  }
  throw new Error('expected the read to fail');
}

const HEADER = '{"format":"kafka-sim-trace","version":1,"scenario":{"name":"x"},"seed":1,"sim":"0.1.0"}';
const TRACE = failoverTraceText({ durationUs: 25_000_000 });

describe('trace reader', () => {
  it('reads the header, every event in order with its line number, and the end line', () => {
    const { handlers, got } = collector();
    const outcome = readTraceText(TRACE, handlers);
    expect(got.header?.scenario.name).toBe('leader-failover');
    expect(got.events.length).toBe(outcome.events);
    expect(got.lineNumbers[0]).toBe(2);
    expect(got.end?.traceHash).toBe('00c0ffee00c0ffee');
    expect(outcome.complete).toBe(true);
  });

  it('gives the same events whatever sizes the chunks arrive in, even splitting a UTF-8 character', () => {
    const bytes = new TextEncoder().encode(TRACE.replace('"orders"', '"ordérs→"'));
    const whole = collector();
    readTraceText(new TextDecoder().decode(bytes), whole.handlers);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 30 }), (sizes) => {
        const split = collector();
        const reader = new TraceReader(split.handlers);
        let offset = 0;
        for (let index = 0; offset < bytes.length; index++) {
          const size = sizes[index % sizes.length] as number;
          reader.push(bytes.subarray(offset, offset + size));
          offset += size;
        }
        reader.finish();
        expect(split.got.events).toEqual(whole.got.events);
        expect(split.got.header).toEqual(whole.got.header);
      }),
      { numRuns: 25, seed: 12 },
    );
  });

  it('reads a web ReadableStream and reports progress in bytes', async () => {
    const bytes = new TextEncoder().encode(TRACE);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < bytes.length; offset += 65536) controller.enqueue(bytes.subarray(offset, offset + 65536));
        controller.close();
      },
    });
    const progress: number[] = [];
    const { handlers, got } = collector();
    const outcome = await readTrace(stream, handlers, { onProgress: (bytesRead) => progress.push(bytesRead) });
    expect(outcome.bytes).toBe(bytes.length);
    expect(progress.at(-1)).toBe(bytes.length);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(got.events.length).toBe(outcome.events);
  });

  it('accepts CRLF line ends and a missing final newline, and reports a trace without its end line as incomplete', () => {
    const cut = failoverTraceText({ durationUs: 21_000_000, withoutEnd: true }).trimEnd().replace(/\n/g, '\r\n');
    const { handlers, got } = collector();
    const outcome = readTraceText(cut, handlers);
    expect(outcome.complete).toBe(false);
    expect(got.events.at(-1)?.t).toBeGreaterThan(20_000_000);
  });

  it('names the line of invalid JSON', () => {
    const error = errorOf(`${HEADER}\n{"i":0,"t":0,"k":"node-up","node":"zk-1","incarnation":1}\n{"i":1,"t":5,"k":\n`);
    expect(error.line).toBe(3);
    expect(error.message).toMatch(/^line 3: is not valid JSON/);
  });

  it('explains that a file that is not NDJSON is not a trace', () => {
    expect(errorOf('<html><body>404</body></html>\n').message).toMatch(/line 1: is not valid JSON, so this is not a kafka-sim trace/);
    expect(errorOf('{"hello":"world"}\n').message).toMatch(/no "format" field/);
    expect(errorOf('').message).toMatch(/the file is empty/);
  });

  it('tells a newer trace version apart from a damaged one', () => {
    expect(errorOf('{"format":"kafka-sim-trace","version":2,"scenario":{"name":"x"},"seed":1,"sim":"9.0.0"}\n').message).toMatch(
      /format version 2 \(written by kafka-sim 9\.0\.0\), newer than this viewer, which reads version 1/,
    );
    expect(errorOf('{"format":"kafka-sim-trace","version":"one","scenario":{"name":"x"},"seed":1}\n').message).toMatch(/version is "one"/);
    expect(errorOf('{"i":0,"t":0,"k":"node-up","node":"zk-1"}\n').message).toMatch(/lost its header line/);
  });

  it('refuses time going backwards, repeated sequence numbers and lines after the end', () => {
    const up = (i: number, t: number): string => `{"i":${i},"t":${t},"k":"node-up","node":"zk-1","incarnation":1}`;
    expect(errorOf(`${HEADER}\n${up(0, 10)}\n${up(1, 5)}\n`).message).toMatch(/^line 3: time goes backwards/);
    expect(errorOf(`${HEADER}\n${up(3, 10)}\n${up(3, 10)}\n`).message).toMatch(/^line 3: event number 3 does not follow 3/);
    expect(errorOf(`${HEADER}\n{"k":"end","t":1,"traceHash":"00","summary":{}}\n${up(0, 2)}\n`).message).toMatch(/^line 3: more lines after the end line/);
    expect(errorOf(`${HEADER}\n{"i":0,"t":-1,"k":"x"}\n`).message).toMatch(/whole microseconds from 0/);
  });

  it('stops a line that never ends at the line-length limit instead of buffering without bound', () => {
    const reader = new TraceReader(collector().handlers);
    reader.push(`${HEADER}\n`);
    const chunk = 'x'.repeat(8 * 1024 * 1024);
    expect(() => {
      for (let index = 0; index < 9; index++) reader.push(chunk);
    }).toThrow(/line 2: a line longer than 64 MiB/);
  });
});
