// Reading a scenario file from disk for the CLI: a missing or unreadable file, or a scenario with
// errors, becomes a UsageError (exit 2) carrying every positioned message — never a stack trace.

import { readFileSync } from 'node:fs';
import { formatScenarioError, loadScenario, type ScenarioError } from '../scenario/load.ts';
import type { ScenarioSpec } from '../scenario/spec.ts';
import { UsageError } from './usage.ts';

export function readScenarioText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`${path}: no such file (run \`sim list\` for the bundled scenarios)`);
    if (code === 'EISDIR') throw new UsageError(`${path}: is a folder; give a scenario .yaml file`);
    throw new UsageError(`${path}: cannot be read (${code ?? String(error)})`);
  }
}

export function formatErrors(errors: readonly ScenarioError[]): string {
  const noun = errors.length === 1 ? 'error' : 'errors';
  return `${errors.map(formatScenarioError).join('\n\n')}\n\n${errors.length} ${noun}`;
}

/** Loads and validates a scenario file, or throws a UsageError listing every error. */
export function loadScenarioFile(path: string, overrides: readonly string[] = []): ScenarioSpec {
  const result = loadScenario(readScenarioText(path), path, overrides);
  if (!result.ok) throw new UsageError(formatErrors(result.errors));
  return result.spec;
}
