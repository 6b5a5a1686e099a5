// The messages between the page and the simulator worker (worker.ts). The page sends one `run`
// request per worker; the worker answers with the trace's header line, then batches of event
// lines with progress as the simulation writes them, and finally `done` with the end line and
// the run summary — or `invalid` (the scenario and overrides did not validate, with positioned
// errors) or `failed` (the simulator stopped on an assertion, with the seed to reproduce).
// A run is cancelled by terminating its worker.

import type { ScenarioError } from '../sim/scenario/load.ts';
import type { RunSummary } from '../sim/report/summary-types.ts';
import type { DetailLevel } from '../sim/core/trace.ts';

export interface RunRequest {
  type: 'run';
  /** The scenario's YAML text and the name its errors should carry. */
  scenarioText: string;
  fileName: string;
  /** `--set key=value` overrides, exactly as the CLI takes them (without "--set "). */
  overrides: string[];
  detail: DetailLevel;
}

export type WorkerReply =
  | { type: 'invalid'; errors: ScenarioError[] }
  | { type: 'header'; line: string; durationUs: number }
  | { type: 'lines'; lines: string[] }
  | { type: 'progress'; simulatedUs: number; events: number }
  | { type: 'done'; endLine: string; summary: RunSummary; story: string[]; wallMs: number }
  | { type: 'failed'; message: string };

/** Event lines sent per message: large enough to keep messaging cheap, small enough to stream. */
export const LINES_PER_BATCH = 2000;
/** How often the worker reports progress, in wall-clock milliseconds. */
export const PROGRESS_EVERY_MS = 100;
