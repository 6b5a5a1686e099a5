import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startViewServer, viewTarget, type ViewServer } from '../../sim/cli/view.ts';

let dir: string;
let server: ViewServer;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw GET (or other method), so paths like /../ reach the server unnormalised. */
function fetchRaw(path: string, method = 'GET'): Promise<Reply> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kafka-sim-view-'));
  mkdirSync(join(dir, 'site', 'assets'), { recursive: true });
  writeFileSync(join(dir, 'site', 'index.html'), '<!doctype html><title>viewer</title>');
  writeFileSync(join(dir, 'site', 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'not for the browser');
  writeFileSync(join(dir, 'run.ndjson'), '{"format":"kafka-sim-trace"}\n');
  server = await startViewServer({ root: join(dir, 'site'), traces: new Map([['run.ndjson', join(dir, 'run.ndjson')]]) });
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('sim view server', () => {
  it('listens on 127.0.0.1 and serves the viewer with a content security policy', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetchRaw('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>viewer</title>');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
    expect((await fetchRaw('/assets/app.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
  });

  it('serves a named trace with its length, and a URL that opens it', async () => {
    const trace = await fetchRaw('/traces/run.ndjson');
    expect(trace.status).toBe(200);
    expect(trace.headers['content-length']).toBe('29');
    expect(trace.body).toBe('{"format":"kafka-sim-trace"}\n');
    expect(server.traceUrl('run.ndjson')).toBe(`${server.url}?trace=traces%2Frun.ndjson`);
    expect((await fetchRaw('/traces/other.ndjson')).status).toBe(404);
  });

  it('never serves a file outside the viewer folder', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt']) {
      const reply = await fetchRaw(path);
      expect(reply.status, path).toBeGreaterThanOrEqual(400);
      expect(reply.body, path).not.toContain('not for the browser');
    }
  });

  it('answers only GET and HEAD', async () => {
    expect((await fetchRaw('/', 'POST')).status).toBe(405);
    const head = await fetchRaw('/traces/run.ndjson', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });
});

describe('sim view arguments', () => {
  it('opens nothing without an argument, and a trace file as given', () => {
    expect(viewTarget(undefined)).toEqual({ trace: null });
    expect(viewTarget(join(dir, 'run.ndjson'))).toEqual({ trace: join(dir, 'run.ndjson') });
  });

  it('says plainly when the file is missing or a folder', () => {
    expect(() => viewTarget(join(dir, 'missing.ndjson'))).toThrow(/missing\.ndjson: no such file/);
    expect(() => viewTarget(dir)).toThrow(/is a folder; give a trace \(\.ndjson\) or a scenario \(\.yaml\)/);
  });
});
