// The simulator in the browser (DESIGN §13): a Web Worker that loads a scenario with the same
// loader as the CLI (sim/scenario/load.ts, with the same `--set` overrides), runs it with the same
// runner (sim/scenario/run.ts), and streams the trace back line by line, written exactly as
// `sim run` writes its file — header, events, end line — so the same seed gives the same
// traceHash here as on the command line. The worker keeps nothing: the page holds the lines.

import packageJson from '../package.json';
import { SimAssertionError } from '../sim/core/assert.ts';
import type { TraceEvent, TraceSink } from '../sim/core/trace.ts';
import { loadScenario } from '../sim/scenario/load.ts';
import { runScenario } from '../sim/scenario/run.ts';
import { TRACE_FORMAT, TRACE_VERSION } from '../sim/trace/format.ts';
import { LINES_PER_BATCH, PROGRESS_EVERY_MS, type RunRequest, type WorkerReply } from './worker-protocol.ts';

const post = (reply: WorkerReply): void => (self as unknown as Worker).postMessage(reply);

/** Collects written lines into batches and reports progress in simulated time. */
class StreamingSink implements TraceSink {
  private batch: string[] = [];
  private events = 0;
  private lastProgressMs = performance.now();

  accept(line: string, event: TraceEvent): void {
    this.batch.push(line);
    this.events++;
    if (this.batch.length >= LINES_PER_BATCH) this.flush();
    const now = performance.now();
    if (now - this.lastProgressMs >= PROGRESS_EVERY_MS) {
      this.lastProgressMs = now;
      post({ type: 'progress', simulatedUs: event.t, events: this.events });
    }
  }

  flush(): void {
    if (this.batch.length === 0) return;
    post({ type: 'lines', lines: this.batch });
    this.batch = [];
  }
}

function run(request: RunRequest): void {
  const loaded = loadScenario(request.scenarioText, request.fileName, request.overrides);
  if (!loaded.ok) {
    post({ type: 'invalid', errors: loaded.errors });
    return;
  }
  const spec = loaded.spec;
  post({
    type: 'header',
    line: JSON.stringify({ format: TRACE_FORMAT, version: TRACE_VERSION, scenario: spec, seed: spec.seed, sim: packageJson.version }),
    durationUs: spec.durationUs,
  });
  const sink = new StreamingSink();
  const started = performance.now();
  try {
    const result = runScenario(spec, { detail: request.detail, sinks: [sink], story: true });
    result.summary.wallMs = Math.round(performance.now() - started);
    sink.flush();
    const end = { k: 'end', t: result.simulation.scheduler.now, traceHash: result.summary.traceHash, summary: result.summary };
    post({ type: 'done', endLine: JSON.stringify(end), summary: result.summary, story: result.story, wallMs: result.summary.wallMs });
  } catch (error) {
    const message = error instanceof SimAssertionError || error instanceof Error ? error.message : String(error);
    post({ type: 'failed', message: `The simulator stopped (seed ${spec.seed}): ${message}` });
  }
}

self.addEventListener('message', (event: MessageEvent<RunRequest>) => {
  if (event.data?.type === 'run') run(event.data);
});
