// Reading the scenario schema as data: which keys a map at some path accepts, and what the
// field at a path is documented as. Error messages use it for "did you mean" over the keys at
// the right level and for hints; `--set` overrides use it to split dotted Kafka keys from the
// path around them (`producers.p1.config.linger.ms` → `config` then `linger.ms`).
//
// It follows zod 4's public definitions (`schema._zod.def`): wrappers (optional, default, …)
// are looked through, a pipe is read on its input side (what a user writes), and a union
// contributes the keys of all its map alternatives.

import { z } from 'zod';
import type { PathSegment } from './problem.ts';

type Schema = z.core.$ZodType;

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'nonoptional', 'catch']);
const MAX_DEPTH = 64;

interface Definition {
  type: string;
  innerType?: Schema;
  in?: Schema;
  options?: readonly Schema[];
  shape?: Record<string, Schema>;
  catchall?: Schema;
  element?: Schema;
  valueType?: Schema;
}

function definition(schema: Schema): Definition {
  return schema._zod.def as unknown as Definition;
}

/** The concrete alternatives a value at this schema may match, wrappers looked through. */
function alternatives(schema: Schema, depth = 0): Schema[] {
  if (depth > MAX_DEPTH) return [];
  const def = definition(schema);
  if (WRAPPERS.has(def.type) && def.innerType) return alternatives(def.innerType, depth + 1);
  if (def.type === 'pipe' && def.in) return alternatives(def.in, depth + 1);
  if (def.type === 'union' && def.options) return def.options.flatMap((option) => alternatives(option, depth + 1));
  return [schema];
}

function children(schema: Schema, segment: PathSegment): Schema[] {
  const found: Schema[] = [];
  for (const alternative of alternatives(schema)) {
    const def = definition(alternative);
    if (def.type === 'object' && def.shape) {
      const child = typeof segment === 'string' && Object.hasOwn(def.shape, segment) ? def.shape[segment] : openCatchall(def);
      if (child) found.push(child);
    } else if (def.type === 'array' && def.element && typeof segment === 'number') {
      found.push(def.element);
    } else if (def.type === 'record' && def.valueType) {
      found.push(def.valueType);
    }
  }
  return found;
}

function openCatchall(def: Definition): Schema | undefined {
  return def.catchall && definition(def.catchall).type !== 'never' ? def.catchall : undefined;
}

/** Every schema a value at `path` may be checked against. */
export function schemasAt(root: Schema, path: readonly PathSegment[]): Schema[] {
  let current = [root];
  for (const segment of path) current = current.flatMap((schema) => children(schema, segment));
  return current;
}

/** The keys a map at `path` accepts; `open` when it accepts any key (hardware overrides). */
export function keysAt(root: Schema, path: readonly PathSegment[]): { keys: string[]; open: boolean } {
  const keys: string[] = [];
  let open = false;
  for (const schema of schemasAt(root, path)) {
    for (const alternative of alternatives(schema)) {
      const def = definition(alternative);
      if (def.type === 'record' || (def.type === 'object' && openCatchall(def))) open = true;
      if (def.type === 'object' && def.shape) for (const key of Object.keys(def.shape)) if (!keys.includes(key)) keys.push(key);
    }
  }
  return { keys, open };
}

/** Whether the value at `path` is a list (so a path segment there names an item). */
export function isListAt(root: Schema, path: readonly PathSegment[]): boolean {
  return schemasAt(root, path).some((schema) => alternatives(schema).some((alternative) => definition(alternative).type === 'array'));
}

export interface FieldDocs {
  description?: string;
  example?: unknown;
}

/** The description and first example registered on the field at `path`, from any wrapper level. */
export function docsAt(root: Schema, path: readonly PathSegment[]): FieldDocs {
  const docs: FieldDocs = {};
  for (const schema of schemasAt(root, path)) {
    let current: Schema | undefined = schema;
    for (let depth = 0; current !== undefined && depth < MAX_DEPTH; depth++) {
      const meta = z.globalRegistry.get(current as z.ZodType) as { description?: string; examples?: unknown[] } | undefined;
      docs.description ??= meta?.description;
      if (docs.example === undefined && meta?.examples !== undefined) docs.example = meta.examples[0];
      const def: Definition = definition(current);
      current = WRAPPERS.has(def.type) ? def.innerType : def.type === 'pipe' ? def.in : undefined;
    }
  }
  return docs;
}
