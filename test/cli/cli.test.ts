// The `sim` command as a user runs it: a child process, its exit code and its output.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = new URL('../../bin/sim.js', import.meta.url).pathname;

export function sim(args: string[], options: { cwd?: string } = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: options.cwd, timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function scenarioFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
  const path = join(dir, 'scenario.yaml');
  writeFileSync(path, text);
  return path;
}

describe('sim CLI', () => {
  it('--help lists the commands of the contract and exits 0', () => {
    const { status, stdout } = sim(['--help']);
    expect(status).toBe(0);
    for (const command of ['run', 'validate', 'list', 'explore', 'view', 'diff', 'export']) expect(stdout).toContain(command);
  });

  it('--version prints the package version', () => {
    const { status, stdout } = sim(['--version']);
    expect(status).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('an unknown command is a usage error (exit 2) without a stack trace', () => {
    const { status, stderr } = sim(['frobnicate']);
    expect(status).toBe(2);
    expect(stderr).toContain("unknown command 'frobnicate'");
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('validate names the file, line, field and a fix for an unknown key', () => {
    const path = scenarioFile('name: t\nduration: 30s\ncluster:\n  brokers: 3\n  config:\n    min.insync.replica: 2\n');
    const { status, stderr } = sim(['validate', path]);
    expect(status).toBe(2);
    expect(stderr).toContain(`${path}:6:5: cluster.config.min.insync.replica`);
    expect(stderr).toContain('did you mean `min.insync.replicas`?');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('validate reports a missing file plainly', () => {
    const { status, stderr } = sim(['validate', '/no/such/scenario.yaml']);
    expect(status).toBe(2);
    expect(stderr).toContain('/no/such/scenario.yaml: no such file');
  });

  it('validate accepts a valid scenario', () => {
    const path = scenarioFile('name: ok\nduration: 30s\ncluster:\n  brokers: 3\ntopics:\n  - {name: orders, partitions: 3, replication.factor: 3}\n');
    const { status, stdout } = sim(['validate', path]);
    expect(status).toBe(0);
    expect(stdout).toContain('ok — 3 brokers, 1 topics');
  });
});

describe('sim run', () => {
  it('runs the quick-start scenario, writes a trace with a header and an end line, and exits 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-run-'));
    const out = join(dir, 'run.ndjson');
    const scenario = new URL('../../scenarios/leader-failover.yaml', import.meta.url).pathname;
    const { status, stdout } = sim(['run', scenario, '--out', out, '--json']);
    expect(status).toBe(0);
    const summary = JSON.parse(stdout) as { traceHash: string; ok: boolean; anomalies: { lostAckedWrites: number } };
    expect(summary.ok).toBe(true);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    const header = JSON.parse(lines[0]!) as { format: string; version: number; seed: number };
    expect(header).toMatchObject({ format: 'kafka-sim-trace', version: 1, seed: 42 });
    const end = JSON.parse(lines.at(-1)!) as { k: string; traceHash: string };
    expect(end.k).toBe('end');
    expect(end.traceHash).toBe(summary.traceHash);
    expect(readdirSync(dir)).toEqual(['run.ndjson']);
  });

  it('exits 1 when an expectation fails, and says which', () => {
    const scenario = new URL('../../scenarios/leader-failover.yaml', import.meta.url).pathname;
    const dir = mkdtempSync(join(tmpdir(), 'sim-run-'));
    const path = join(dir, 'strict.yaml');
    writeFileSync(path, readFileSync(scenario, 'utf8').replace('leaderElections: {atLeast: 1}', 'leaderElections: 0'));
    const { status, stdout } = sim(['run', path, '--out', join(dir, 't.ndjson')]);
    expect(status).toBe(1);
    expect(stdout).toMatch(/FAIL\s+leaderElections/);
    expect(stdout).toContain('verdict: FAILED');
  });

  it('a bad --detail or --seed is a usage error', () => {
    const scenario = new URL('../../scenarios/leader-failover.yaml', import.meta.url).pathname;
    expect(sim(['run', scenario, '--detail', 'loud']).status).toBe(2);
    expect(sim(['run', scenario, '--seed', 'abc']).stderr).toContain('--seed must be a non-negative integer');
  });
});
