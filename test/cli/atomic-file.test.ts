import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AtomicNdjsonFile, writeFileAtomic } from '../../sim/cli/atomic-file.ts';

describe('atomic output files', () => {
  it('a committed trace appears whole, with no temporary file left behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    const path = join(dir, 'nested', 'run.ndjson');
    const file = new AtomicNdjsonFile(path);
    file.writeLine('{"format":"kafka-sim-trace"}');
    file.accept('{"i":0}', { i: 0, t: 0, k: 'x' });
    file.commit();
    expect(readFileSync(path, 'utf8')).toBe('{"format":"kafka-sim-trace"}\n{"i":0}\n');
    expect(readdirSync(join(dir, 'nested'))).toEqual(['run.ndjson']);
  });

  it('an aborted trace leaves the previous file untouched', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    const path = join(dir, 'run.ndjson');
    writeFileSync(path, 'previous\n');
    const file = new AtomicNdjsonFile(path);
    file.writeLine('partial');
    file.abort();
    expect(readFileSync(path, 'utf8')).toBe('previous\n');
    expect(readdirSync(dir)).toEqual(['run.ndjson']);
  });

  it('writeFileAtomic replaces a file in one step', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    const path = join(dir, 'out.yaml');
    writeFileAtomic(path, 'a: 1\n');
    writeFileAtomic(path, 'a: 2\n');
    expect(readFileSync(path, 'utf8')).toBe('a: 2\n');
    expect(readdirSync(dir)).toEqual(['out.yaml']);
  });
});
