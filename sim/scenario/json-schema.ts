// The JSON Schema of scenario files, generated from the zod schema (sim/scenario/schema.ts) so
// the two never disagree. Editors (VS Code's YAML extension, IntelliJ) use it to complete keys,
// show each key's documentation and Kafka default, and flag unknown keys while typing. It
// describes what a user writes (zod's "input" side): durations and sizes as text or numbers,
// optional keys with their defaults. Checks that relate fields exist only in the loader.
//
// `npm run gen:schema` writes it to scenarios/schema.json; a test fails when that file is stale.

import { z } from 'zod';
import { scenarioSchema } from './schema.ts';

/** Where the committed copy lives, relative to the repository root. */
export const SCENARIO_JSON_SCHEMA_PATH = 'scenarios/schema.json';

export function scenarioJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(scenarioSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
}

/** The file's exact text: two-space JSON with a trailing newline. */
export function scenarioJsonSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}
