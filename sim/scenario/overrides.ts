// `--set key=value` overrides (DESIGN §12), applied to the parsed YAML before validation, so an
// overridden value is checked exactly like one written in the file.
//
// The key is a dotted path: `seed=7`, `duration=30s`, `cluster.config.min.insync.replicas=2`,
// `producers.p1.config.acks=1`, `faults.0.for=5s`. A segment inside a list names an item by its
// `name` (topics, producers) or `group` (consumers) field, or by index. Because Kafka keys
// contain dots, segments are joined greedily: at each level the longest run of segments that
// forms a key the schema knows (or the file already has) wins. The value is read as a YAML
// scalar or flow collection ("1" is a number, "all" text, "[r1, r2]" a list). Missing maps on
// the way are created; a path that names nothing is a problem reported against the override.

import { parseDocument } from 'yaml';
import type { z } from 'zod';
import type { Path, PathSegment } from './problem.ts';
import { formatPath } from './problem.ts';
import { isListAt, keysAt } from './schema-walk.ts';
import { describeValue, didYouMean, listOf } from './suggest.ts';

export interface AppliedOverride {
  /** 1-based position among the overrides, reported as the "line" of an error it causes. */
  readonly ordinal: number;
  /** `--set producers.p1.config.acks=1`, as shown in messages. */
  readonly source: string;
  /** The resolved path, list items by index. */
  readonly path: Path;
  /** 1-based column of the value in `source`. */
  readonly valueColumn: number;
}

export interface OverrideProblem {
  readonly ordinal: number;
  readonly source: string;
  readonly column: number;
  readonly message: string;
  readonly hint?: string | undefined;
}

const PREFIX = '--set ';
const MAX_SEGMENTS = 64;

type Container = Record<string, unknown> | unknown[];

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value of an override, read as YAML; a parse failure is a message, never a throw. */
function readValue(text: string): { value: unknown } | { error: string } {
  const doc = parseDocument(text, { prettyErrors: false });
  const first = doc.errors[0];
  if (first !== undefined) return { error: first.message };
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }) };
  } catch (error) {
    // yaml reports unresolvable aliases only here, by throwing; it is still a bad value.
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Applies every override to `data` (the YAML document as plain values) in order. Returns the
 * possibly replaced root, where each override landed, and the overrides that could not land.
 */
export function applyOverrides(data: unknown, overrides: readonly string[], schema: z.core.$ZodType) {
  let root: unknown = data ?? {};
  const applied: AppliedOverride[] = [];
  const problems: OverrideProblem[] = [];
  overrides.forEach((text, index) => {
    const ordinal = index + 1;
    const source = `${PREFIX}${text}`;
    const fail = (column: number, message: string, hint?: string) => problems.push({ ordinal, source, column, message, hint });
    const equals = text.indexOf('=');
    if (equals <= 0) return fail(PREFIX.length + 1, `\`${text}\` is not key=value`, 'write e.g. `--set seed=7` or `--set producers.p1.config.acks=1`');
    const read = readValue(text.slice(equals + 1));
    if ('error' in read) return fail(PREFIX.length + equals + 2, `the value is not valid YAML: ${read.error}`, 'quote it, e.g. --set \'description="a: b"\'');
    if (!isMap(root)) return fail(1, `the scenario is ${describeValue(root)}, not a map of keys, so nothing can be set in it`);
    const located = locate(root, text.slice(0, equals), schema);
    if ('message' in located) return fail(PREFIX.length + 1 + located.offset, located.message, located.hint);
    (located.container as Record<PathSegment, unknown>)[located.key] = read.value;
    applied.push({ ordinal, source, path: located.path, valueColumn: PREFIX.length + equals + 2 });
  });
  return { data: root, applied, problems };
}

type Located = { container: Container; key: PathSegment; path: Path } | { message: string; hint?: string | undefined; offset: number };

/** Walks the dotted key through `root`, creating missing maps, to the container of the last key. */
function locate(root: Record<string, unknown>, key: string, schema: z.core.$ZodType): Located {
  const segments = key.split('.');
  if (segments.length > MAX_SEGMENTS || segments.some((segment) => segment === '')) {
    return { message: `\`${key}\` is not a dotted path of keys`, hint: 'write keys separated by single dots', offset: 0 };
  }
  const offsets = segments.map((_, index) => segments.slice(0, index).join('.').length + (index > 0 ? 1 : 0));
  const path: PathSegment[] = [];
  let node: Container = root;
  let index = 0;
  while (index < segments.length) {
    const step = Array.isArray(node) ? stepIntoList(node, segments, index, path) : stepIntoMap(node, segments, index, path, schema);
    if ('message' in step) return { ...step, offset: offsets[index] as number };
    path.push(step.key);
    index = step.next;
    if (index === segments.length) return { container: node, key: step.key, path };
    const child: unknown = (node as Record<PathSegment, unknown>)[step.key];
    if (child === undefined || child === null) {
      if (isListAt(schema, path)) {
        const message = `\`${formatPath(path)}\` is empty, so it has no item \`${segments[index]}\``;
        return { message, hint: 'add the item in the file first', offset: offsets[index] as number };
      }
      const created: Record<string, unknown> = {};
      (node as Record<PathSegment, unknown>)[step.key] = created;
      node = created;
    } else if (typeof child === 'object') {
      node = child as Container;
    } else {
      return { message: `\`${formatPath(path)}\` is ${describeValue(child)}, so it has no key \`${segments[index]}\``, offset: offsets[index] as number };
    }
  }
  return { message: 'an empty path', offset: 0 };
}

type Step = { key: PathSegment; next: number } | { message: string; hint?: string | undefined };

/** The longest run of segments from `start` that `accepts`, as [key, next index]. */
function longestRun(segments: readonly string[], start: number, accepts: (joined: string) => boolean): { joined: string; next: number } | null {
  for (let end = segments.length; end > start; end--) {
    const joined = segments.slice(start, end).join('.');
    if (accepts(joined)) return { joined, next: end };
  }
  return null;
}

function stepIntoMap(node: Record<string, unknown>, segments: readonly string[], start: number, path: Path, schema: z.core.$ZodType): Step {
  const { keys, open } = keysAt(schema, path);
  const known = [...keys, ...Object.keys(node).filter((key) => !keys.includes(key))];
  const run = longestRun(segments, start, (joined) => known.includes(joined));
  if (run !== null) return { key: run.joined, next: run.next };
  if (open || keys.length === 0) return { key: segments.slice(start).join('.'), next: segments.length };
  const rest = segments.slice(start).join('.');
  const where = path.length === 0 ? 'at the top level' : `in \`${formatPath(path)}\``;
  return { message: `unknown key \`${rest}\` ${where}`, hint: didYouMean(rest, keys) ?? didYouMean(segments[start] as string, keys) ?? `expected one of ${listOf(keys)}` };
}

function itemName(item: unknown): string | undefined {
  if (!isMap(item)) return undefined;
  const name = item.name ?? item.group;
  return typeof name === 'string' ? name : undefined;
}

function stepIntoList(node: unknown[], segments: readonly string[], start: number, path: Path): Step {
  const names = node.map(itemName);
  const run = longestRun(segments, start, (joined) => names.includes(joined));
  if (run !== null) return { key: names.indexOf(run.joined), next: run.next };
  const segment = segments[start] as string;
  if (/^\d{1,9}$/.test(segment) && Number(segment) < node.length) return { key: Number(segment), next: start + 1 };
  const named = names.filter((name): name is string => name !== undefined);
  if (node.length === 0) return { message: `\`${formatPath(path)}\` is empty, so it has no item \`${segment}\``, hint: 'add the item in the file first' };
  return {
    message: `\`${formatPath(path)}\` has no item \`${segment}\``,
    hint: didYouMean(segment, named) ?? (named.length > 0 ? `name one of ${listOf(named)}, or an index from 0 to ${node.length - 1}` : `use an index from 0 to ${node.length - 1}`),
  };
}
