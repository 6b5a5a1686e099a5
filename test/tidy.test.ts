// Determinism guard (DESIGN §1): nothing under sim/ outside the Node-only shell sim/cli/ may read
// ambient state (clocks, timers, global randomness, crypto), and state-deciding code may not call
// the transcendental Math functions whose last bits differ between JavaScript engines.
// Comments and string literals are ignored, so documentation may name the banned APIs.

import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;

const AMBIENT: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bMath\.random\b/, 'Math.random (use an Rng fork)'],
  [/\bDate\b/, 'Date (use the scheduler clock)'],
  [/\bperformance\b/, 'performance (use the scheduler clock)'],
  [/\b(setTimeout|setInterval|setImmediate|queueMicrotask)\b/, 'real timers (use the scheduler)'],
  [/\bprocess\.hrtime\b/, 'process.hrtime'],
  [/\bcrypto\b/, 'crypto'],
];

const TRANSCENDENTAL: readonly [RegExp, string] = [
  /\bMath\.(log|log2|log10|log1p|exp|expm1|pow|sin|cos|tan|asin|acos|atan|atan2|sinh|cosh|tanh|cbrt|hypot)\b/,
  'Math transcendental functions (engine-dependent bits; use sim/core/rng.ts naturalLog)',
];

/** Folders whose code never decides simulated state (reporting of finished runs). */
const STATE_FREE = ['sim/report/', 'sim/cli/'];

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (name.endsWith('.ts')) files.push(path);
  }
  return files;
}

/** Blanks out comments and string contents, keeping line numbers. */
export function codeOnly(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/\/\/.*$/gm, '')
    .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g, "''");
}

function violations(path: string, rules: ReadonlyArray<readonly [RegExp, string]>): string[] {
  const found: string[] = [];
  codeOnly(readFileSync(path, 'utf8'))
    .split('\n')
    .forEach((line, index) => {
      for (const [pattern, what] of rules) {
        if (pattern.test(line)) found.push(`${relative(ROOT, path)}:${index + 1}: ${what}`);
      }
    });
  return found;
}

describe('tidy: determinism of sim/', () => {
  const files = sourceFiles(join(ROOT, 'sim')).filter((f) => !relative(ROOT, f).startsWith('sim/cli/'));

  it('has source files to check', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it('reads no ambient state (clocks, timers, Math.random, crypto) outside sim/cli/', () => {
    expect(files.flatMap((f) => violations(f, AMBIENT))).toEqual([]);
  });

  it('calls no engine-dependent Math functions where state is decided', () => {
    const stateful = files.filter((f) => !STATE_FREE.some((dir) => relative(ROOT, f).startsWith(dir)));
    expect(stateful.flatMap((f) => violations(f, [TRANSCENDENTAL]))).toEqual([]);
  });

  it('the checker itself catches a banned call', () => {
    const sample = "const x = Math.random();\n// Date.now() in a comment is fine\nconst s = 'setTimeout';\nsetTimeout(f, 1);";
    const hits = codeOnly(sample)
      .split('\n')
      .flatMap((line, i) => AMBIENT.filter(([p]) => p.test(line)).map(([, w]) => `${i + 1}: ${w}`));
    expect(hits).toEqual(['1: Math.random (use an Rng fork)', '4: real timers (use the scheduler)']);
  });
});
