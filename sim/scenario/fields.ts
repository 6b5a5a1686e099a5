// Zod building blocks of the scenario schema: durations (to integer µs), sizes (to bytes),
// rates, bandwidths, and one schema per Kafka config table (sim/scenario/kafka-config.ts).
//
// Every builder validates the *input* form (a string or a number), so the generated JSON Schema
// describes what a user types, and converts in a transform. Conversion failures become zod
// issues carrying the parser's own message plus, where one helps, a `hint` param; they never
// throw. Kafka `*.ms` and `*.bytes` keys keep Kafka's units but also accept "30s" or "1MiB".

import { z } from 'zod';
import { DurationError, parseDuration, US_PER_MS } from '../core/time.ts';
import { BROKER_CONFIG, CONSUMER_CONFIG, PRODUCER_CONFIG, TOPIC_CONFIG } from './kafka-config.ts';
import type { ConfigEntry, ConfigTable, ConfigValues, EnumEntry, ListEntry, NumberEntry } from './kafka-config.ts';
import { didYouMean, listOf } from './suggest.ts';
import { parseBandwidth, parseRate, parseSize, UnitError } from './units.ts';

type Ctx = z.core.$RefinementCtx;

/** Records a problem found while converting a value; `hint` says how to fix it. */
export function addIssue(ctx: Ctx, input: unknown, message: string, hint?: string): void {
  ctx.issues.push({ code: 'custom', message, input, params: hint === undefined ? {} : { hint } });
}

function converted<T>(ctx: Ctx, value: string | number, parse: (value: string | number) => T): T {
  try {
    return parse(value);
  } catch (error) {
    if (!(error instanceof DurationError || error instanceof UnitError)) throw error;
    addIssue(ctx, value, error.message);
    return z.NEVER;
  }
}

const numberOrText = (expected: string) => z.union([z.number(), z.string()], { error: `expected ${expected}` });

/** A duration written as "30s", "250ms", "1m30s" or a number of milliseconds; yields µs. */
export function durationUs(description: string, example: string) {
  return numberOrText(`a duration such as "${example}" or a number of milliseconds`)
    .meta({ description: `${description} A duration: "250ms", "30s", "2m", "1h", or a number of milliseconds.`, examples: [example] })
    .transform((value, ctx) => converted(ctx, value, parseDuration));
}

/** A size written as "1MiB", "100KB" or a number of bytes; yields bytes. */
export function sizeBytes(description: string, example: string) {
  return numberOrText(`a size such as "${example}" or a number of bytes`)
    .meta({ description: `${description} A size: "64KiB", "1MB" (KB = 1000, KiB = 1024), or bytes.`, examples: [example] })
    .transform((value, ctx) => converted(ctx, value, parseSize));
}

/** A producer rate: "5000/s", a number per second, or `max`. */
export function recordRate(description: string) {
  return numberOrText('a rate such as "5000/s", or max')
    .meta({ description: `${description} Records per time unit ("5000/s", "300/m") or max (closed loop).`, examples: ['1000/s', 'max'] })
    .transform((value, ctx) => converted(ctx, value, parseRate));
}

/** A bandwidth: "10Mbps", "1Gbps" or "100MB/s"; yields bytes per second. */
export function bandwidthBytesPerSecond(description: string) {
  return numberOrText('a bandwidth such as "10Mbps" or "100MB/s"')
    .meta({ description: `${description} Bits ("10Mbps", "1Gbps") or bytes ("100MB/s") per second.`, examples: ['10Mbps'] })
    .transform((value, ctx) => converted(ctx, value, parseBandwidth));
}

/** A whole number in [min, max], with a description for editors. */
export function integer(description: string, min: number, max: number) {
  return z.int().min(min).max(max).meta({ description });
}

function numberEntrySchema(key: string, entry: NumberEntry, meta: Meta) {
  const min = entry.min ?? (entry.type === 'int' ? -2_147_483_648 : Number.MIN_SAFE_INTEGER);
  const max = entry.max ?? (entry.type === 'int' ? 2_147_483_647 : Number.MAX_SAFE_INTEGER);
  const unit = entry.type === 'duration-ms' ? 'milliseconds' : entry.type === 'size-bytes' ? 'bytes' : 'a whole number';
  const textual = entry.type === 'duration-ms' || entry.type === 'size-bytes';
  const written = textual ? numberOrText(`${unit} or ${entry.type === 'duration-ms' ? 'a duration such as "30s"' : 'a size such as "1MiB"'}`) : z.number();
  const base = entry.default === null ? written.nullable() : written;
  return base.meta(meta).transform((value, ctx) => {
    if (value === null) return null;
    const number = typeof value === 'number' ? value : converted(ctx, value, entry.type === 'duration-ms' ? durationToMs : parseSize);
    if (typeof number !== 'number') return z.NEVER;
    if (!Number.isInteger(number) || number < min || number > max) {
      const range = entry.max === undefined ? `at least ${min}` : `between ${min} and ${max}`;
      addIssue(ctx, value, `\`${key}\` must be a whole number of ${unit} ${range}; found ${JSON.stringify(value)}`);
      return z.NEVER;
    }
    return number;
  });
}

function durationToMs(value: string | number): number {
  const us = parseDuration(value);
  if (us % US_PER_MS !== 0) throw new DurationError(`"${value}" is not a whole number of milliseconds, which this Kafka setting needs`);
  return us / US_PER_MS;
}

function canonicalValue(entry: EnumEntry | ListEntry, written: string): string | undefined {
  if (entry.values.includes(written)) return written;
  return entry.aliases?.[written];
}

function enumEntrySchema(key: string, entry: EnumEntry, meta: Meta) {
  const base = z.union([z.string(), z.number()], { error: `expected one of ${listOf(entry.values)}` });
  return base.meta(meta).transform((value, ctx) => {
    const canonical = canonicalValue(entry, String(value));
    if (canonical !== undefined) return canonical;
    addIssue(ctx, value, `\`${key}\` must be one of ${listOf(entry.values)}; found ${JSON.stringify(value)}`, didYouMean(String(value), entry.values));
    return z.NEVER;
  });
}

function listEntrySchema(key: string, entry: ListEntry, meta: Meta) {
  const error = `expected a list of ${listOf(entry.values)}, or them separated by commas`;
  return z.union([z.array(z.string()), z.string()], { error }).meta(meta).transform((value, ctx) => {
    const items = typeof value === 'string' ? value.split(',').map((item) => item.trim()) : value;
    const values: string[] = [];
    for (const item of items) {
      const canonical = canonicalValue(entry, item);
      if (canonical === undefined) {
        addIssue(ctx, value, `\`${key}\` accepts ${listOf(entry.values)}; found ${JSON.stringify(item)}`, didYouMean(item, entry.values));
        return z.NEVER;
      }
      if (!values.includes(canonical)) values.push(canonical);
    }
    if (values.length === 0) addIssue(ctx, value, `\`${key}\` needs at least one of ${listOf(entry.values)}`);
    return values;
  });
}

type Meta = { description: string; default: unknown; enum?: readonly (string | number)[] };

function entrySchema(key: string, entry: ConfigEntry, meta: Meta): z.ZodType {
  switch (entry.type) {
    case 'boolean':
      return z.boolean().meta(meta);
    case 'string':
      return z.string().meta(meta);
    case 'enum':
      return enumEntrySchema(key, entry, meta);
    case 'list':
      return listEntrySchema(key, entry, meta);
    default:
      return numberEntrySchema(key, entry, meta);
  }
}

function editorEnum(entry: ConfigEntry): readonly (string | number)[] | undefined {
  if (entry.type !== 'enum') return undefined;
  const numeric = [...entry.values, ...Object.keys(entry.aliases ?? {})].filter((value) => /^-?\d+$/.test(value)).map(Number);
  return [...entry.values, ...Object.keys(entry.aliases ?? {}), ...numeric];
}

/**
 * The schema of one config family: every key optional, unknown keys rejected. The result holds
 * only the keys written; `configDefaults` fills the rest when the spec is resolved.
 */
function configSchema<T extends ConfigTable>(table: T, id: string, description: string): z.ZodType<Partial<ConfigValues<T>>, unknown> {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, entry] of Object.entries(table)) {
    const shown = entry.default === null ? 'unset' : JSON.stringify(entry.default);
    const allowed = editorEnum(entry);
    const meta = { description: `${entry.doc} Kafka default: ${shown}.`, default: entry.default, ...(allowed ? { enum: allowed } : {}) };
    shape[key] = entrySchema(key, entry, meta).optional();
  }
  return z.strictObject(shape).meta({ id, description }) as unknown as z.ZodType<Partial<ConfigValues<T>>, unknown>;
}

// One instance per family, registered under an id, so the JSON Schema defines each once.
export const brokerConfigSchema = configSchema(BROKER_CONFIG, 'brokerConfig', 'Broker settings (server.properties), by Kafka name.');
export const topicConfigSchema = configSchema(TOPIC_CONFIG, 'topicConfig', 'Topic settings, by Kafka name; unset keys follow the broker settings.');
export const producerConfigSchema = configSchema(PRODUCER_CONFIG, 'producerConfig', 'Producer settings, by Kafka name.');
export const consumerConfigSchema = configSchema(CONSUMER_CONFIG, 'consumerConfig', 'Consumer settings, by Kafka name.');

/** A scenario-level setting in milliseconds (named `*.ms` like Kafka's), with its default. */
export function millis(key: string, description: string, defaultMs: number) {
  const entry: NumberEntry = { type: 'duration-ms', default: defaultMs, min: 1, doc: description };
  const meta = { description: `${description} Milliseconds, or a duration such as "18s".`, default: defaultMs };
  return (numberEntrySchema(key, entry, meta) as z.ZodType<number, string | number>).prefault(defaultMs);
}
