// The page's side of a simulation run in a Web Worker (protocol: worker-protocol.ts): starts a
// worker, gathers the trace lines it streams, reports progress, and settles with the whole trace
// and its summary, the scenario's errors, or the simulator's failure. Cancelling terminates the
// worker. The trace is kept as lines so it opens in the viewer exactly as a file would.

import type { RunSummary } from '../sim/report/summary-types.ts';
import type { ScenarioError } from '../sim/scenario/load.ts';
import type { RunRequest, WorkerReply } from './worker-protocol.ts';

export interface FinishedRun {
  kind: 'done';
  headerLine: string;
  lines: string[];
  endLine: string;
  summary: RunSummary;
  story: string[];
  wallMs: number;
}

export type RunOutcome = FinishedRun | { kind: 'invalid'; errors: ScenarioError[] } | { kind: 'failed'; message: string } | { kind: 'cancelled' };

export interface RunProgress {
  simulatedUs: number;
  durationUs: number;
  events: number;
}

export class RunHandle {
  readonly done: Promise<RunOutcome>;
  private readonly worker: Worker;
  private settle: (outcome: RunOutcome) => void = () => undefined;

  constructor(request: RunRequest, onProgress: (progress: RunProgress) => void) {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'kafka-sim' });
    this.done = new Promise<RunOutcome>((resolve) => (this.settle = resolve));
    let headerLine = '';
    let durationUs = 1;
    const lines: string[] = [];
    this.worker.addEventListener('message', (event: MessageEvent<WorkerReply>) => {
      const reply = event.data;
      switch (reply.type) {
        case 'header':
          headerLine = reply.line;
          durationUs = reply.durationUs;
          break;
        case 'lines':
          for (const line of reply.lines) lines.push(line);
          break;
        case 'progress':
          onProgress({ simulatedUs: reply.simulatedUs, durationUs, events: reply.events });
          break;
        case 'done':
          this.finish({ kind: 'done', headerLine, lines, endLine: reply.endLine, summary: reply.summary, story: reply.story, wallMs: reply.wallMs });
          break;
        case 'invalid':
          this.finish({ kind: 'invalid', errors: reply.errors });
          break;
        case 'failed':
          this.finish({ kind: 'failed', message: reply.message });
          break;
      }
    });
    this.worker.addEventListener('error', (event) => this.finish({ kind: 'failed', message: `The simulator worker failed: ${event.message || 'unknown error'}` }));
    this.worker.postMessage(request);
  }

  cancel(): void {
    this.finish({ kind: 'cancelled' });
  }

  private finish(outcome: RunOutcome): void {
    this.worker.terminate();
    this.settle(outcome);
  }
}

/** A finished run's trace as a file, ready for the viewer's loader. */
export function traceFile(run: FinishedRun, name: string): File {
  const text = `${run.headerLine}\n${run.lines.join('\n')}${run.lines.length > 0 ? '\n' : ''}${run.endLine}\n`;
  return new File([text], name, { type: 'application/x-ndjson' });
}
