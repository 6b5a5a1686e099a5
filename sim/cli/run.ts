// `sim run <scenario>`: runs a scenario, prints the story and the figures (or `--json`), writes
// the trace atomically (default traces/<name>-<seed>.ndjson), and exits 1 when an expectation
// failed or an unexpected anomaly was found (DESIGN §12).

import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { DETAIL_LEVELS, type DetailLevel } from '../core/trace.ts';
import { runScenario } from '../scenario/run.ts';
import { reportLines } from '../check/checkers.ts';
import { formatSummaryTable } from '../report/summary-text.ts';
import { AtomicNdjsonFile } from './atomic-file.ts';
import { loadScenarioFile } from './scenario-file.ts';
import { UsageError } from './usage.ts';
import { packageVersion } from './version.ts';
import { TRACE_FORMAT, TRACE_VERSION } from '../trace/format.ts';
import { firstSentence } from './list.ts';

export interface RunCommandOptions {
  seed?: string;
  out?: string;
  detail: string;
  set: string[];
  json?: boolean;
  quiet?: boolean;
}

export function runCommand(file: string, options: RunCommandOptions): number {
  const detail = parseDetail(options.detail);
  const overrides = [...options.set, ...(options.seed === undefined ? [] : [`seed=${parseSeed(options.seed)}`])];
  const spec = loadScenarioFile(file, overrides);
  const tracePath = options.out ?? join('traces', `${spec.name}-${spec.seed}.ndjson`);
  const traceFile = new AtomicNdjsonFile(tracePath);
  let committed = false;
  try {
    traceFile.writeLine(JSON.stringify({ format: TRACE_FORMAT, version: TRACE_VERSION, scenario: spec, seed: spec.seed, sim: packageVersion() }));
    const started = performance.now();
    const result = runScenario(spec, { detail, sinks: [traceFile], story: !options.json && !options.quiet });
    result.summary.wallMs = Math.round(performance.now() - started);
    const end = { k: 'end', t: result.simulation.scheduler.now, traceHash: result.summary.traceHash, summary: result.summary };
    traceFile.writeLine(JSON.stringify(end));
    traceFile.commit();
    committed = true;
    if (options.json) process.stdout.write(`${JSON.stringify(result.summary, null, 2)}\n`);
    else if (!options.quiet) {
      const out: string[] = [`${spec.name} (seed ${spec.seed}): ${firstSentence(spec.description)}`, '', 'What happened:'];
      out.push(...(result.story.length > 0 ? result.story.map((line) => `  ${line}`) : ['  (nothing eventful)']));
      out.push('', ...formatSummaryTable(result.summary), '', ...reportLines(result.check));
      out.push('', `trace: ${tracePath} (hash ${result.summary.traceHash})`);
      out.push(result.summary.ok ? 'verdict: ok' : 'verdict: FAILED (see the expectations and anomalies above)');
      process.stdout.write(`${out.join('\n')}\n`);
    }
    return result.summary.ok ? 0 : 1;
  } finally {
    if (!committed) traceFile.abort();
  }
}

function parseDetail(value: string): DetailLevel {
  if ((DETAIL_LEVELS as readonly string[]).includes(value)) return value as DetailLevel;
  throw new UsageError(`--detail must be one of ${DETAIL_LEVELS.join(', ')}, not "${value}"`);
}

function parseSeed(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new UsageError(`--seed must be a non-negative integer, not "${value}"`);
  return Number(value);
}
