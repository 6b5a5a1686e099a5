import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { SCENARIO_JSON_SCHEMA_PATH, scenarioJsonSchema, scenarioJsonSchemaText } from '../../sim/scenario/json-schema.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

describe('scenario JSON Schema', () => {
  it('matches the committed scenarios/schema.json', () => {
    const committed = readFileSync(`${ROOT}${SCENARIO_JSON_SCHEMA_PATH}`, 'utf8');
    const fresh = scenarioJsonSchemaText();
    if (committed !== fresh) {
      throw new Error(`${SCENARIO_JSON_SCHEMA_PATH} is stale: the scenario schema changed. Run \`npm run gen:schema\` and commit the result.`);
    }
    expect(committed.endsWith('}\n')).toBe(true);
  });

  it('lets editors complete Kafka keys with their documentation and defaults', () => {
    const schema = scenarioJsonSchema() as { $defs: Record<string, { properties: Record<string, { default?: unknown; description?: string }>; additionalProperties?: unknown }> };
    const producer = schema.$defs.producerConfig;
    expect(producer?.properties['linger.ms']).toMatchObject({ default: 0, description: expect.stringMatching(/Kafka default: 0/) });
    expect(producer?.properties.acks?.default).toBe('all');
    expect(producer?.additionalProperties).toBe(false);
  });

  it('describes what users type: durations as text or numbers, with the top-level defaults', () => {
    const schema = scenarioJsonSchema() as { required: string[]; properties: Record<string, { default?: unknown; type?: unknown }> };
    expect(schema.required).toEqual(['duration']);
    expect(schema.properties.duration?.type).toEqual(['number', 'string']);
    expect(schema.properties.seed?.default).toBe(42);
  });
});
