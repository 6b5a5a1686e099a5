// `sim view [trace]` (DESIGN §12, §13): serves the built viewer (dist/viz, built with Vite's API
// on first use) on 127.0.0.1 with node:http and prints its URL; given a trace, the URL opens it
// (`?trace=traces/<name>`), streamed from disk so a 100 MB trace never sits in memory here.
//
// Only GET and HEAD of files inside the viewer's folder, and of the traces named on the command
// line, are served; paths are resolved and checked against the folder, so `..` cannot escape it.
// Pages carry a Content-Security-Policy that allows only the viewer's own scripts: even if a trace
// smuggled markup into the page, it could not run.
//
// Given a scenario instead, it runs it first exactly as `sim run` does (the story is printed and
// the trace written to traces/<name>-<seed>.ndjson), then opens that trace.

import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { basename, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from './run.ts';
import { loadScenarioFile } from './scenario-file.ts';
import { UsageError } from './usage.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const VIEWER_DIR = join(REPO_ROOT, 'dist', 'viz');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.map': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.ndjson': 'application/x-ndjson; charset=utf-8',
};

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'",
  'Cache-Control': 'no-cache',
};

export interface ViewServerOptions {
  /** The built viewer; default dist/viz. */
  root?: string;
  /** Traces to serve under /traces/<name>, by name. */
  traces?: ReadonlyMap<string, string>;
  /** 0 (default) picks a free port. */
  port?: number;
}

export interface ViewServer {
  /** The viewer's address, e.g. http://127.0.0.1:41234/ */
  readonly url: string;
  /** The address that opens a served trace. */
  traceUrl(name: string): string;
  close(): Promise<void>;
}

/** Builds the viewer with Vite's API when dist/viz has no index.html. */
export async function ensureViewerBuilt(root = VIEWER_DIR, log: (line: string) => void = () => undefined): Promise<void> {
  if (existsSync(join(root, 'index.html'))) return;
  log('building the viewer (first run)…');
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    throw new UsageError('the viewer is not built and Vite is not installed: run `npm install` and then `npm run build:viz`');
  }
  await vite.build({ configFile: join(REPO_ROOT, 'vite.config.ts'), logLevel: 'warn' });
  if (!existsSync(join(root, 'index.html'))) throw new UsageError(`the viewer build did not produce ${join(root, 'index.html')}`);
}

export async function startViewServer(options: ViewServerOptions = {}): Promise<ViewServer> {
  const root = resolve(options.root ?? VIEWER_DIR);
  const traces = options.traces ?? new Map<string, string>();
  const server = createServer((request, response) => handle(request, response, root, traces));
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => done());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    traceUrl: (name) => `${url}?trace=${encodeURIComponent(`traces/${name}`)}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

function handle(request: IncomingMessage, response: ServerResponse, root: string, traces: ReadonlyMap<string, string>): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(response, 405, 'only GET and HEAD are served');
  let path: string;
  try {
    path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
  } catch {
    return refuse(response, 400, 'bad path');
  }
  if (path.startsWith('/traces/')) {
    const file = traces.get(path.slice('/traces/'.length));
    return file === undefined ? refuse(response, 404, 'no such trace') : send(request, response, file, CONTENT_TYPES['.ndjson'] as string);
  }
  const file = resolve(root, `.${path.endsWith('/') ? `${path}index.html` : path}`);
  if (file !== root && !file.startsWith(root + sep)) return refuse(response, 403, 'outside the viewer');
  if (!existsSync(file) || !statSync(file).isFile()) return refuse(response, 404, 'not found');
  send(request, response, file, CONTENT_TYPES[extname(file)] ?? 'application/octet-stream');
}

function send(request: IncomingMessage, response: ServerResponse, file: string, type: string): void {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return refuse(response, 404, 'not found');
  }
  response.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': size });
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  const stream = createReadStream(file);
  stream.on('error', () => response.destroy());
  stream.pipe(response);
}

function refuse(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(`${status}: ${message}\n`);
}

/** The trace `sim view` opens: none, the one given, or the one a given scenario's run writes. */
export function viewTarget(target: string | undefined): { trace: string | null } {
  if (target === undefined) return { trace: null };
  if (!existsSync(target)) throw new UsageError(`${target}: no such file`);
  if (!statSync(target).isFile()) throw new UsageError(`${target}: is a folder; give a trace (.ndjson) or a scenario (.yaml)`);
  if (!/\.ya?ml$/i.test(target)) return { trace: resolve(target) };
  const spec = loadScenarioFile(target);
  const out = join('traces', `${spec.name}-${spec.seed}.ndjson`);
  runCommand(target, { detail: 'standard', set: [], out });
  return { trace: resolve(out) };
}

/** Serves the viewer until interrupted (Ctrl-C); prints the URL to open. Exit code 0. */
export async function viewCommand(target: string | undefined, options: { port?: number } = {}): Promise<number> {
  const { trace } = viewTarget(target);
  await ensureViewerBuilt(VIEWER_DIR, (line) => process.stderr.write(`sim view: ${line}\n`));
  const traces = new Map<string, string>(trace === null ? [] : [[basename(trace), trace]]);
  const server = await startViewServer({ traces, ...(options.port === undefined ? {} : { port: options.port }) });
  const url = trace === null ? server.url : server.traceUrl(basename(trace));
  process.stdout.write(`kafka-sim viewer: ${url}\n(press Ctrl-C to stop)\n`);
  await new Promise<void>((done) => process.once('SIGINT', () => done()));
  await server.close();
  return 0;
}
