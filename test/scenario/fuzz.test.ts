// The loader's promise (DESIGN §1.7): user input never makes it throw. Random mutations of valid
// scenarios — lines deleted, duplicated or swapped, characters changed, scalars replaced by
// random values, random keys inserted — plus random overrides, must yield either a spec or
// positioned ScenarioErrors. Replay a failure with FC_SEED=<seed> and the printed path.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { loadScenario } from '../../sim/scenario/load.ts';
import type { LoadResult } from '../../sim/scenario/load.ts';
import { VALID_SCENARIOS } from './fixtures.ts';

const FILE = 'fuzz.yaml';
const SEED = process.env.FC_SEED === undefined ? 20_240_601 : Number(process.env.FC_SEED);

type Mutation =
  | { kind: 'delete' | 'duplicate'; line: number }
  | { kind: 'swap'; line: number; other: number }
  | { kind: 'char'; position: number; text: string }
  | { kind: 'scalar'; occurrence: number; value: string }
  | { kind: 'insert'; line: number; indent: number; key: string; value: string };

const KEYS = ['duration', 'seed', 'brokers', 'config', 'acks', 'linger.ms', 'min.insync.replicas', 'replication.factor', 'partitions', 'at', 'for', 'crash', 'pause', 'leader', 'broker', 'zk', 'partition', 'between', 'expect', 'topics', 'rate', 'group', 'members', 'keys', '<<', '- name'];

const scalar = fc.oneof(
  fc.constantFrom('null', '~', '-1', '0', '1e400', '.nan', '.inf', '0x1F', 'true', 'yes', '""', '[]', '{}', '[[1], [2]]', '*anchor', '&anchor x', '!!binary x', '60s', '1MiB', '10Mbps', 'max', 'orders/99', 'controller', '"a: b"', '|', '>-', '%', '@x', '`x`', '9007199254740993'),
  fc.integer().map(String),
  fc.double().map(String),
  fc.string({ maxLength: 12 }),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('delete' as const, 'duplicate' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), line: fc.nat(), other: fc.nat() }),
  fc.record({ kind: fc.constant('char' as const), position: fc.nat(), text: fc.oneof(fc.constantFrom(':', '-', '{', '}', '[', ']', ',', '#', '&', '*', '!', '|', '>', "'", '"', '%', '@', '\t', ' ', '\n', ''), fc.string({ maxLength: 2 })) }),
  fc.record({ kind: fc.constant('scalar' as const), occurrence: fc.nat(), value: scalar }),
  fc.record({ kind: fc.constant('insert' as const), line: fc.nat(), indent: fc.nat(8), key: fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 10 })), value: scalar }),
);

const override = fc.oneof(
  fc.constantFrom('seed=7', 'duration=30s', 'producers.p1.config.acks=1', 'cluster.config.min.insync.replicas=5', 'faults.0.at=1h', 'topics.0=x', 'cluster.brokers=0', 'expect.x.y=1', 'a..b=1', '=1', 'cluster.hardware.profile=hdd-1g'),
  fc.string({ maxLength: 20 }),
);

const SCALAR_VALUE = /(:[ \t]+)([^\s{}[\],#][^,}\]\n#]*)/g;

function mutate(text: string, change: Mutation): string {
  const lines = text.split('\n');
  const at = (index: number) => index % Math.max(1, lines.length);
  switch (change.kind) {
    case 'delete':
      lines.splice(at(change.line), 1);
      return lines.join('\n');
    case 'duplicate':
      lines.splice(at(change.line), 0, lines[at(change.line)] ?? '');
      return lines.join('\n');
    case 'swap': {
      const [a, b] = [at(change.line), at(change.other)];
      [lines[a], lines[b]] = [lines[b] ?? '', lines[a] ?? ''];
      return lines.join('\n');
    }
    case 'char': {
      const position = change.position % Math.max(1, text.length);
      return text.slice(0, position) + change.text + text.slice(position + 1);
    }
    case 'scalar': {
      const matches = [...text.matchAll(SCALAR_VALUE)];
      const match = matches[change.occurrence % Math.max(1, matches.length)];
      if (match === undefined) return text;
      const start = (match.index as number) + (match[1] as string).length;
      return text.slice(0, start) + change.value + text.slice(start + (match[2] as string).length);
    }
    case 'insert':
      lines.splice(at(change.line), 0, `${' '.repeat(change.indent)}${change.key}: ${change.value}`);
      return lines.join('\n');
  }
}

/** The property itself: a spec, or errors that each carry a usable position and message. */
function assertWellFormed(result: LoadResult): void {
  if (result.ok) {
    expect(Number.isInteger(result.spec.durationUs)).toBe(true);
    expect(() => JSON.stringify(result.spec)).not.toThrow();
    return;
  }
  expect(result.errors.length).toBeGreaterThan(0);
  for (const error of result.errors) {
    expect([FILE, '--set']).toContain(error.file);
    expect(Number.isInteger(error.line) && error.line >= 1).toBe(true);
    expect(Number.isInteger(error.column) && error.column >= 1).toBe(true);
    expect(error.message.length).toBeGreaterThan(0);
  }
}

describe('loadScenario never throws on user input', () => {
  it('turns random mutations of valid scenarios into a spec or positioned errors', () => {
    fc.assert(
      fc.property(fc.constantFrom(...VALID_SCENARIOS), fc.array(mutation, { minLength: 1, maxLength: 5 }), fc.array(override, { maxLength: 3 }), (text, changes, overrides) => {
        assertWellFormed(loadScenario(changes.reduce(mutate, text), FILE, overrides));
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('turns arbitrary text and arbitrary YAML values into errors, not exceptions', () => {
    const document = fc.oneof(fc.string({ maxLength: 200 }), fc.anything({ maxDepth: 4 }).map((value) => stringify(value) ?? ''));
    fc.assert(
      fc.property(document, (text) => assertWellFormed(loadScenario(text, FILE))),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('finds no error in the unmutated scenarios, so mutations are what the property exercises', () => {
    for (const text of VALID_SCENARIOS) expect(loadScenario(text, FILE).ok).toBe(true);
  });
});
