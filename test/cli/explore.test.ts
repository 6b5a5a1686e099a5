// `sim explore` (issue 11): the shard split partitions the seed range exactly (as a function and
// through the CLI's JSON), an acks=1 cluster is found losing acknowledged writes and handed back
// as a shrunk scenario file that `sim run` replays with the loss, and the safe configuration
// survives the non-power-loss faults. The CLI
// runs as a child process from a temporary folder, as `npx sim` would, so the worker threads
// must load TypeScript without the repository as the current folder.

import { describe, it, expect, beforeAll } from 'vitest';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SAFE_SWARM_KINDS } from '../../sim/faults/swarm.ts';
import { parseShard, seedRanges, shardSeeds, type ExploreReport } from '../../sim/cli/explore.ts';
import { loadScenario } from '../../sim/scenario/load.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { UsageError } from '../../sim/cli/usage.ts';

const SIM = fileURLToPath(new URL('../../bin/sim.js', import.meta.url));
const TIMEOUT_MS = 180_000;

function scenario(name: string, broker: string, producer: string, duration = '20s', partitions = 2, rate = 200): string {
  return `name: ${name}
description: A small cluster under random faults.
duration: ${duration}
cluster:
  brokers: 3
  config: {${broker}}
zookeeper:
  servers: 3
  session.timeout.ms: 6000
topics:
  - {name: t, partitions: ${partitions}, replication.factor: 3}
producers:
  - name: p1
    topic: t
    rate: ${rate}/s
    message.bytes: 100
    keys: {count: 100}
    config: {${producer}, linger.ms: 5, delivery.timeout.ms: 8000, request.timeout.ms: 3000}
`;
}

const ACKS_1 = scenario('acks1-small', 'min.insync.replicas: 1, unclean.leader.election.enable: false', 'acks: 1, enable.idempotence: false');
const SAFE_BROKER = 'min.insync.replicas: 2, unclean.leader.election.enable: false';
const SAFE_PRODUCER = 'acks: all, enable.idempotence: true';
const SAFE = scenario('safe-small', SAFE_BROKER, SAFE_PRODUCER);
const TINY = scenario('tiny', SAFE_BROKER, SAFE_PRODUCER, '8s', 1, 50);

type ExploreJson = ExploreReport;

let dir = '';

function explore(file: string, args: string[]): { status: number | null; json: ExploreJson | null; stderr: string } {
  const result = spawnSync(process.execPath, [SIM, 'explore', file, '--json', ...args], { cwd: dir, encoding: 'utf8', timeout: TIMEOUT_MS });
  const json = result.status === 0 || result.status === 1 ? (JSON.parse(result.stdout) as ExploreJson) : null;
  return { status: result.status, json, stderr: result.stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sim-explore-'));
  writeFileSync(join(dir, 'acks1.yaml'), ACKS_1);
  writeFileSync(join(dir, 'safe.yaml'), SAFE);
  writeFileSync(join(dir, 'tiny.yaml'), TINY);
});

/** The seeds a report says it ran, expanded from its arithmetic ranges. */
function seedsOf(report: ExploreJson | null): number[] {
  return (report?.seedRanges ?? []).flatMap((range) => Array.from({ length: range.count }, (_, i) => range.first + i * range.step));
}

describe('the seed split of --shard', () => {
  it('gives every seed of the range to exactly one shard', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1_000 }), fc.nat({ max: 200 }), fc.integer({ min: 1, max: 12 }), (from, count, of) => {
        const shards = Array.from({ length: of }, (_, i) => shardSeeds(from, count, { index: i + 1, of }));
        const union = shards.flat().sort((a, b) => a - b);
        expect(union).toEqual(shardSeeds(from, count, null));
        expect(new Set(union).size).toBe(count);
      }),
      { seed: 11, numRuns: 200 },
    );
  });

  it('reports seed lists as arithmetic ranges that expand back to the same seeds', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat({ max: 300 }), { maxLength: 40 }), (seeds) => {
        const sorted = [...seeds].sort((a, b) => a - b);
        expect(seedsOf({ seedRanges: seedRanges(sorted) } as ExploreJson)).toEqual(sorted);
      }),
      { seed: 11, numRuns: 200 },
    );
    expect(seedRanges(shardSeeds(5, 1_000, { index: 2, of: 4 }))).toEqual([{ first: 6, step: 4, count: 250 }]);
  });

  it('takes the seeds whose offset from --from is i − 1 modulo n', () => {
    expect(shardSeeds(10, 7, { index: 2, of: 3 })).toEqual([11, 14]);
    expect(shardSeeds(10, 7, null)).toEqual([10, 11, 12, 13, 14, 15, 16]);
  });

  it('refuses shards that are not i/n with 1 ≤ i ≤ n', () => {
    for (const bad of ['0/2', '3/2', '1/0', '1', 'a/b', '1/2/3']) expect(() => parseShard(bad)).toThrow(UsageError);
    expect(parseShard('2/4')).toEqual({ index: 2, of: 4 });
  });
});

describe('sim explore', () => {
  it('finds acks=1 losing acknowledged writes and writes a scenario of at most 3 faults that `sim run` replays with the loss', () => {
    const { status, json, stderr } = explore('acks1.yaml', ['--seeds', '4', '--from', '7', '--workers', '2', '--nemesis', 'crash,power-loss,partition']);
    expect(stderr).toBe('');
    expect(status).toBe(1);
    const lost = json?.failures.find((f) => f.kinds.includes('lostAckedWrites') && f.file !== null);
    expect(lost?.file).toBe(`explore/acks1-small-${lost?.seed}.yaml`);
    expect(lost?.faults).toBeLessThanOrEqual(3);
    expect(lost?.shrink?.runs).toBeGreaterThan(0);
    expect(lost?.shrink?.runs).toBeLessThanOrEqual(lost?.shrink?.budget ?? 0);
    const text = readFileSync(join(dir, lost?.file ?? ''), 'utf8');
    expect(text).toContain(`# Replay: npx sim run explore/acks1-small-${lost?.seed}.yaml`);
    const loaded = loadScenario(text, lost?.file ?? '');
    if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
    expect(loaded.spec.faults.length).toBe(lost?.faults);
    const replay = spawnSync(process.execPath, [SIM, 'run', lost?.file ?? '', '--json', '--quiet'], { cwd: dir, encoding: 'utf8', timeout: TIMEOUT_MS });
    expect(replay.status).toBe(1);
    expect((JSON.parse(replay.stdout) as { anomalies: { lostAckedWrites: number } }).anomalies.lostAckedWrites).toBeGreaterThan(0);
  }, TIMEOUT_MS);

  it('runs, with --shard 1/2 and --shard 2/2, disjoint seed sets whose union is the unsharded run', () => {
    const args = ['--seeds', '5', '--from', '3', '--workers', '1', '--nemesis', 'crash'];
    const whole = seedsOf(explore('tiny.yaml', args).json);
    const first = explore('tiny.yaml', [...args, '--shard', '1/2']).json;
    const second = explore('tiny.yaml', [...args, '--shard', '2/2']).json;
    expect(whole).toEqual([3, 4, 5, 6, 7]);
    expect([first?.shard, second?.shard, first?.seeds, second?.seeds]).toEqual(['1/2', '2/2', 3, 2]);
    const [firstSeeds, secondSeeds] = [seedsOf(first), seedsOf(second)];
    expect(firstSeeds.filter((seed) => secondSeeds.includes(seed))).toEqual([]);
    expect([...firstSeeds, ...secondSeeds].sort((a, b) => a - b)).toEqual(whole);
  }, TIMEOUT_MS);

  it('finds nothing wrong with acks=all, min.insync.replicas 2 and unclean election off', () => {
    const { status, json } = explore('safe.yaml', ['--seeds', '6', '--from', '1', '--workers', '2', '--nemesis', SAFE_SWARM_KINDS.join(',')]);
    expect(json?.failures).toEqual([]);
    expect(status).toBe(0);
    const written = existsSync(join(dir, 'explore')) ? readdirSync(join(dir, 'explore')) : [];
    expect(written.filter((name) => name.startsWith('safe-small'))).toEqual([]);
  }, TIMEOUT_MS);

  it('prints the seed rate in its summary', () => {
    const result = spawnSync(process.execPath, [SIM, 'explore', 'tiny.yaml', '--seeds', '2', '--workers', '1', '--nemesis', 'crash'], { cwd: dir, encoding: 'utf8', timeout: TIMEOUT_MS });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^rate: \d+(\.\d+)? seeds\/s \(/m);
  }, TIMEOUT_MS);

  it('refuses an unknown --nemesis kind with exit code 2', () => {
    const result = spawnSync(process.execPath, [SIM, 'explore', 'safe.yaml', '--nemesis', 'crash,meteor'], { cwd: dir, encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown fault kind "meteor"');
  });
});
