// Loading a scenario: YAML text (plus `--set` overrides) in, a validated, fully explicit
// `ScenarioSpec` out — or every error found, each with file, line, column, field path, what
// was expected and found, and a hint (DESIGN §1.7, §11).
//
// Stages: YAML syntax (yaml's own errors, positioned), overrides (sim/scenario/overrides.ts),
// per-field schema (sim/scenario/schema.ts), cross-field resolution (sim/scenario/resolve.ts).
// A stage runs only when the one before it succeeded, so errors are never knock-on effects of
// earlier ones. Field paths are mapped back to YAML nodes for positions; an error in an
// overridden value points at the `--set` argument instead (file "--set", line = its ordinal).
// User input never makes this throw: every failure is a `ScenarioError`.

import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, YAMLError } from 'yaml';
import { problemsFromIssues } from './issues.ts';
import { applyOverrides } from './overrides.ts';
import type { AppliedOverride } from './overrides.ts';
import type { Path, Problem } from './problem.ts';
import { formatPath } from './problem.ts';
import { resolveScenario } from './resolve.ts';
import { scenarioSchema } from './schema.ts';
import type { ScenarioSpec } from './spec.ts';

export interface ScenarioError {
  /** The scenario file, or "--set" for an error in an override. */
  file: string;
  /** 1-based; for an override, its position among the `--set` arguments. */
  line: number;
  /** 1-based. */
  column: number;
  /** `producers[0].config.acks`; empty for YAML syntax errors. */
  path: string;
  /** What was expected and what was found. */
  message: string;
  /** How to fix it, when we can tell. */
  hint?: string;
  /** The text of the offending line, for display under the message. */
  source?: string;
}

export type LoadResult = { ok: true; spec: ScenarioSpec } | { ok: false; errors: ScenarioError[] };

/** Loads and validates a scenario. `overrides` are `--set` arguments such as `seed=7`. */
export function loadScenario(text: string, fileName: string, overrides: readonly string[] = []): LoadResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lines = new SourceLines(text, lineCounter);
  const syntax = [...doc.errors, ...doc.warnings];
  if (syntax.length > 0) return { ok: false, errors: syntax.map((error) => syntaxError(error, fileName, lines)) };
  const converted = toPlainData(doc);
  if ('error' in converted) return { ok: false, errors: [{ file: fileName, line: 1, column: 1, path: '', message: converted.error }] };
  const overridden = applyOverrides(converted.data, overrides, scenarioSchema);
  if (overridden.problems.length > 0) {
    const errors = overridden.problems.map((problem) => ({
      file: '--set',
      line: problem.ordinal,
      column: problem.column,
      path: '',
      message: problem.message,
      source: problem.source,
      ...hintOf(problem.hint),
    }));
    return { ok: false, errors };
  }
  const locate = (problems: readonly Problem[]) => positioned(problems, { doc, fileName, lines, overrides: overridden.applied });
  const parsed = scenarioSchema.safeParse(overridden.data, { reportInput: true });
  if (!parsed.success) return { ok: false, errors: locate(problemsFromIssues(parsed.error.issues, scenarioSchema)) };
  const resolved = resolveScenario(parsed.data, fileName, writtenKeys(overridden.data, 'expect'));
  return resolved.ok ? resolved : { ok: false, errors: locate(resolved.problems) };
}

function writtenKeys(data: unknown, key: string): string[] {
  const section = (data as Record<string, unknown>)[key];
  return typeof section === 'object' && section !== null ? Object.keys(section) : [];
}

function hintOf(hint: string | undefined): { hint?: string } {
  return hint === undefined ? {} : { hint };
}

/** The document as plain values; yaml throws on alias bombs here, which is user input too. */
function toPlainData(doc: Document): { data: unknown } | { error: string } {
  try {
    return { data: doc.toJS({ maxAliasCount: 100 }) };
  } catch (error) {
    return { error: `the YAML cannot be read: ${error instanceof Error ? error.message : String(error)}` };
  }
}

const SYNTAX_HINTS: Readonly<Record<string, string>> = {
  DUPLICATE_KEY: 'each key may appear only once in a map: remove or rename one',
  TAB_AS_INDENT: 'YAML indents with spaces, not tabs',
  BAD_INDENT: 'check the indentation: items of one map or list line up',
  MISSING_CHAR: 'a bracket, brace or quote is not closed',
  MULTIPLE_DOCS: 'a scenario is one YAML document: remove the extra `---`',
  BAD_SCALAR_START: 'quote values that start with a special character such as `@`, `` ` `` or `%`',
};

function syntaxError(error: YAMLError, fileName: string, lines: SourceLines): ScenarioError {
  const { line, column, source } = lines.at(error.pos[0]);
  const hint = SYNTAX_HINTS[error.code];
  return { file: fileName, line, column, path: '', message: `YAML: ${error.message}`, source, ...hintOf(hint) };
}

/** Line and column of a character offset, with the line's text, clipped for display. */
class SourceLines {
  constructor(
    private readonly text: string,
    private readonly lineCounter: LineCounter,
  ) {}

  at(offset: number): { line: number; column: number; source: string } {
    const bounded = Math.max(0, Math.min(offset, this.text.length));
    const { line, col } = this.lineCounter.linePos(bounded);
    const start = this.lineCounter.lineStarts[line - 1] ?? 0;
    const end = this.text.indexOf('\n', start);
    const source = this.text.slice(start, end < 0 ? undefined : end).replace(/\r$/, '');
    return { line: Math.max(1, line), column: Math.max(1, col), source: source.length > 200 ? `${source.slice(0, 200)}…` : source };
  }
}

interface PositionContext {
  readonly doc: Document;
  readonly fileName: string;
  readonly lines: SourceLines;
  readonly overrides: readonly AppliedOverride[];
}

function startsWith(path: Path, prefix: Path): boolean {
  return prefix.length <= path.length && prefix.every((segment, index) => segment === path[index]);
}

function positioned(problems: readonly Problem[], context: PositionContext): ScenarioError[] {
  const seen = new Set<string>();
  const errors: ScenarioError[] = [];
  for (const problem of problems) {
    const path = formatPath(problem.path);
    const key = `${path}\n${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const override = [...context.overrides].reverse().find((applied) => startsWith(problem.path, applied.path));
    const where = override
      ? { file: '--set', line: override.ordinal, column: override.valueColumn, source: override.source }
      : { file: context.fileName, ...context.lines.at(nodeOffset(context.doc, problem.path, problem.atKey === true)) };
    errors.push({ ...where, path, message: problem.message, ...hintOf(problem.hint) });
  }
  return errors.sort((a, b) => (a.file === b.file ? a.line - b.line || a.column - b.column : a.file === '--set' ? 1 : -1));
}

function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return key === null || key === undefined ? '' : String(key);
}

function rangeStart(node: unknown): number | undefined {
  return (node as { range?: [number, number, number] } | null)?.range?.[0];
}

/**
 * Where the value at `path` starts (or its key, for `atKey`); when the path does not exist in
 * the document (a missing key), the nearest existing ancestor.
 */
function nodeOffset(doc: Document, path: Path, atKey: boolean): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (let index = 0; index < path.length; index++) {
    if (isAlias(node)) node = node.resolve(doc);
    const segment = path[index];
    if (isMap(node)) {
      const pair = node.items.find((item) => keyText(item.key) === String(segment));
      if (pair === undefined) return offset;
      const keyOffset = rangeStart(pair.key) ?? offset;
      if (atKey && index === path.length - 1) return keyOffset;
      node = pair.value;
      offset = rangeStart(node) ?? keyOffset;
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
      node = node.items[segment];
      offset = rangeStart(node) ?? offset;
    } else {
      return offset;
    }
  }
  return offset;
}

/** One error as a human reads it: position, path, message, the source line with a caret, hint. */
export function formatScenarioError(error: ScenarioError): string {
  const where = `${error.file}:${error.line}:${error.column}`;
  const lines = [`${where}: ${error.path === '' ? '' : `${error.path}: `}${error.message}`];
  if (error.source !== undefined) {
    const gutter = error.file === '--set' ? '' : `${error.line} | `;
    lines.push(`  ${gutter}${error.source}`);
    lines.push(`  ${' '.repeat(gutter.length + Math.max(0, error.column - 1))}^`);
  }
  if (error.hint !== undefined) lines.push(`  hint: ${error.hint}`);
  return lines.join('\n');
}
