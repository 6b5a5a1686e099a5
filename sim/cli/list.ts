// `sim list`: the scenarios bundled in the package's scenarios/ folder, one line each, with the
// first sentence of their description.

import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, relative } from 'node:path';
import { loadScenario } from '../scenario/load.ts';
import { readScenarioText } from './scenario-file.ts';

export const BUNDLED_SCENARIOS_DIR = fileURLToPath(new URL('../../scenarios/', import.meta.url));

export interface BundledScenario {
  file: string;
  name: string;
  summary: string;
}

/** The first sentence of a description, on one line. */
export function firstSentence(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const end = flat.search(/[.!?](\s|$)/);
  return end === -1 ? flat : flat.slice(0, end + 1);
}

export function bundledScenarios(): BundledScenario[] {
  const files = readdirSync(BUNDLED_SCENARIOS_DIR)
    .filter((name) => name.endsWith('.yaml') || name.endsWith('.yml'))
    .sort();
  return files.map((name) => {
    const path = join(BUNDLED_SCENARIOS_DIR, name);
    const result = loadScenario(readScenarioText(path), path);
    const file = relative(process.cwd(), path) || path;
    if (!result.ok) return { file, name: name.replace(/\.ya?ml$/, ''), summary: '(does not validate: run `sim validate` on it)' };
    return { file, name: result.spec.name, summary: firstSentence(result.spec.description) };
  });
}

export function listCommand(): number {
  const scenarios = bundledScenarios();
  if (scenarios.length === 0) {
    process.stdout.write('no bundled scenarios yet\n');
    return 0;
  }
  const width = Math.max(...scenarios.map((s) => s.name.length));
  for (const s of scenarios) process.stdout.write(`${s.name.padEnd(width)}  ${s.summary}\n`);
  process.stdout.write(`\nRun one with: npx sim run ${scenarios[0]?.file}\n`);
  return 0;
}
