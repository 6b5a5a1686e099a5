// The worker threads of `sim explore` (DESIGN §12, issue 11): a fixed pool of node:worker_threads
// workers, started once per campaign, each given the scenario once (as workerData) and then fed
// jobs — chunks of seeds, then failures to shrink. A worker answers each seed as soon as it is
// run, so progress and results stream back while the rest of its chunk runs.
//
// Chunks follow guided self-scheduling (Polychronopoulos and Kuck, 1987), as OpenMP's
// `schedule(guided)` does: a chunk is a quarter of the remaining seeds per worker, so early chunks
// are large (few messages) and the last ones small (no worker left idle at the end). Every worker
// holds two jobs at a time, so it never waits on a round trip to the main thread for more work.
//
// Workers load TypeScript through tsx, resolved from this package rather than from the current
// folder, so `npx sim explore` works wherever it is run.

import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ExploreReply, ExploreTask, ExploreWorkerData } from './explore-worker.ts';

/** Largest chunk of seeds handed out at once. */
const MAX_CHUNK = 64;
/** Jobs a worker holds at once: one running, one queued behind it. */
const JOBS_IN_FLIGHT = 2;

/** One message to a worker and how many replies it brings back. */
export interface Job {
  task: ExploreTask;
  replies: number;
}

/** `seeds` cut into guided-scheduling chunks for `workers` workers. */
export function seedChunks(seeds: readonly number[], workers: number): number[][] {
  const chunks: number[][] = [];
  for (let from = 0; from < seeds.length; ) {
    const size = Math.min(MAX_CHUNK, Math.max(1, Math.ceil((seeds.length - from) / (Math.max(1, workers) * 4))));
    chunks.push(seeds.slice(from, from + size));
    from += size;
  }
  return chunks;
}

/**
 * A worker entry that registers tsx, then loads explore-worker.ts. tsx's own `--import tsx` entry
 * registers its hooks on the main thread only (Node 20 has no `isInternalThread`), so a worker
 * started with `execArgv: ['--import', 'tsx']` cannot load TypeScript; registering through
 * tsx's API inside the worker can.
 */
function workerEntryUrl(): URL {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve('tsx/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const api = pathToFileURL(join(dirname(manifestPath), manifest.exports['./esm/api']?.import.default ?? 'dist/esm/api/index.mjs')).href;
  const worker = new URL('./explore-worker.ts', import.meta.url).href;
  const code = `import { register } from ${JSON.stringify(api)};\nregister();\nawait import(${JSON.stringify(worker)});\n`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

interface PoolWorker {
  worker: Worker;
  /** Replies still owed by each job the worker holds, oldest first. */
  owed: number[];
}

interface Batch {
  jobs: readonly Job[];
  next: number;
  remaining: number;
  onReply: (reply: ExploreReply) => void;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class ExplorePool {
  private readonly workers: PoolWorker[] = [];
  private batch: Batch | null = null;
  private failure: Error | null = null;
  private closing = false;

  constructor(data: ExploreWorkerData, size: number) {
    const url = workerEntryUrl();
    for (let i = 0; i < size; i++) {
      const entry: PoolWorker = { worker: new Worker(url, { workerData: data }), owed: [] };
      entry.worker.on('message', (reply: ExploreReply) => this.onReply(entry, reply));
      entry.worker.on('error', (error) => this.fail(error));
      entry.worker.on('exit', (code) => {
        if (!this.closing) this.fail(new Error(`an explore worker stopped (exit code ${code}) before its work was done`));
      });
      this.workers.push(entry);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Runs `jobs` across the pool, calling `onReply` for each reply as it arrives. */
  run(jobs: readonly Job[], onReply: (reply: ExploreReply) => void): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const remaining = jobs.reduce((sum, job) => sum + job.replies, 0);
    if (remaining === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.batch = { jobs, next: 0, remaining, onReply, resolve, reject };
      for (const entry of this.workers) this.feed(entry);
    });
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((entry) => entry.worker.terminate()));
  }

  private feed(entry: PoolWorker): void {
    const batch = this.batch;
    while (batch !== null && entry.owed.length < JOBS_IN_FLIGHT && batch.next < batch.jobs.length) {
      const job = batch.jobs[batch.next++] as Job;
      entry.owed.push(job.replies);
      entry.worker.postMessage(job.task);
    }
  }

  private onReply(entry: PoolWorker, reply: ExploreReply): void {
    const batch = this.batch;
    if (batch === null) return;
    const owed = (entry.owed[0] ?? 1) - 1;
    if (owed > 0) entry.owed[0] = owed;
    else entry.owed.shift();
    batch.remaining--;
    batch.onReply(reply);
    if (batch.remaining === 0) {
      this.batch = null;
      batch.resolve();
    } else {
      this.feed(entry);
    }
  }

  private fail(error: unknown): void {
    this.failure ??= error instanceof Error ? error : new Error(String(error));
    const batch = this.batch;
    this.batch = null;
    batch?.reject(this.failure);
  }
}
