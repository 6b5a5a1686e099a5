// Turns zod's validation issues into problems a user can act on: what was expected, what was
// found, and a hint — "did you mean `linger.ms`?" for an unknown key (edit distance over the
// keys accepted at that level), the field's own documentation for a wrong type, an example for
// a missing key.
//
// Unions need care: zod reports every alternative's failure. When the value's type fits one
// alternative (a map where a map or a word is allowed), that alternative's specific complaint
// is the useful one; when it fits none, one message names what is accepted.

import type { z } from 'zod';
import { MISPLACED_KEYS } from './kafka-config.ts';
import { formatPath } from './problem.ts';
import type { Path, Problem } from './problem.ts';
import { docsAt, keysAt } from './schema-walk.ts';
import { describeValue, didYouMean, listOf } from './suggest.ts';

type Issue = z.core.$ZodIssue;
type Schema = z.core.$ZodType;

const EXPECTED: Readonly<Record<string, string>> = {
  number: 'a number',
  int: 'a whole number',
  string: 'text',
  boolean: 'true or false',
  object: 'a map of keys',
  array: 'a list',
  null: 'an empty value',
};

const MAX_UNION_DEPTH = 16;

/** Problems for every issue of a failed parse of `root` (issues parsed with `reportInput`). */
export function problemsFromIssues(issues: readonly Issue[], root: Schema): Problem[] {
  return withoutMissingTypos(issues.flatMap((issue) => problemsFromIssue(issue, [], root, 0)));
}

const MISSING = 'missing required key';

/**
 * Drops "missing required key `broker`" when the same map has an unknown key `brokr` whose
 * suggestion is `broker`: the typo is the one problem, and reporting both only adds noise.
 */
function withoutMissingTypos(problems: Problem[]): Problem[] {
  const suggested = new Set<string>();
  for (const problem of problems) {
    const match = problem.atKey === true ? /^did you mean `(.*)`\?$/.exec(problem.hint ?? '') : null;
    if (match) suggested.add(formatPath([...problem.path.slice(0, -1), match[1] as string]));
  }
  return problems.filter((problem) => !(problem.message.startsWith(MISSING) && suggested.has(formatPath(problem.path))));
}

function problemsFromIssue(issue: Issue, prefix: Path, root: Schema, depth: number): Problem[] {
  const path = [...prefix, ...(issue.path as Path)];
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => unknownKey(key, path, root));
    case 'invalid_union':
      return unionProblems(issue, path, input, root, depth);
    case 'invalid_element':
    case 'invalid_key':
      return issue.issues.flatMap((inner) => problemsFromIssue(inner, path, root, depth + 1));
    case 'custom':
      return [{ path, message: issue.message, hint: (issue.params as { hint?: string } | undefined)?.hint }];
    default:
      return [{ path, message: describeIssue(issue, path, input), hint: hintFor(issue, path, input, root) }];
  }
}

function unknownKey(key: string, parentPath: Path, root: Schema): Problem {
  const { keys } = keysAt(root, parentPath);
  const hint = MISPLACED_KEYS[key] ?? didYouMean(key, keys) ?? (keys.length > 0 ? `expected one of ${listOf(keys)}` : 'remove it');
  return { path: [...parentPath, key], message: `unknown key \`${key}\``, hint, atKey: true };
}

function describeIssue(issue: Issue, path: Path, input: unknown): string {
  const found = `found ${describeValue(input)}`;
  switch (issue.code) {
    case 'invalid_type':
      if (input === undefined) return `${MISSING} \`${String(path[path.length - 1] ?? '')}\``;
      return `expected ${EXPECTED[issue.expected] ?? issue.expected}, ${found}`;
    case 'invalid_value':
      return `expected ${listOf(issue.values.map(String))}, ${found}`;
    case 'too_small':
      return `${sizeWord(issue.origin)} ${issue.inclusive === false ? 'more than' : 'at least'} ${issue.minimum}${unitWord(issue.origin)}, ${found}`;
    case 'too_big':
      return `${sizeWord(issue.origin)} ${issue.inclusive === false ? 'less than' : 'at most'} ${issue.maximum}${unitWord(issue.origin)}, ${found}`;
    default:
      return `${issue.message}; ${found}`;
  }
}

function sizeWord(origin: string): string {
  return origin === 'array' || origin === 'set' ? 'expected a list of' : origin === 'string' ? 'expected text of' : 'expected';
}

function unitWord(origin: string): string {
  return origin === 'array' || origin === 'set' ? ' items' : origin === 'string' ? ' characters' : '';
}

function hintFor(issue: Issue, path: Path, input: unknown, root: Schema): string | undefined {
  const docs = docsAt(root, path);
  if (issue.code === 'invalid_value') return didYouMean(String(input), issue.values.map(String)) ?? docs.description;
  if (issue.code === 'invalid_type' && input === undefined && docs.example !== undefined) {
    return `add \`${String(path[path.length - 1])}: ${String(docs.example)}\`${docs.description ? ` (${docs.description})` : ''}`;
  }
  return docs.description;
}

/** The alternative whose complaint to report, or null when the value's type fits none of them. */
function closestAlternative(branches: readonly (readonly Issue[])[]): readonly Issue[] | null {
  const typeMismatch = (branch: readonly Issue[]) => branch.every((issue) => issue.path.length === 0 && issue.code === 'invalid_type');
  const missingKey = (issue: Issue) => issue.path.length === 1 && issue.code === 'invalid_type' && (issue as { input?: unknown }).input === undefined;
  const shallow = (branch: readonly Issue[]) => branch.filter((issue) => issue.path.length === 0 || missingKey(issue)).length;
  let best: readonly Issue[] | null = null;
  for (const branch of branches) {
    if (typeMismatch(branch)) continue;
    if (best === null || shallow(branch) < shallow(best)) best = branch;
  }
  return best;
}

function unionProblems(issue: Extract<Issue, { code: 'invalid_union' }>, path: Path, input: unknown, root: Schema, depth: number): Problem[] {
  const branch = depth < MAX_UNION_DEPTH ? closestAlternative(issue.errors) : null;
  if (branch !== null) return branch.flatMap((inner) => problemsFromIssue(inner, path, root, depth + 1));
  const docs = docsAt(root, path);
  if (input === undefined) {
    const key = String(path[path.length - 1] ?? '');
    const example = docs.example === undefined ? '' : `add \`${key}: ${String(docs.example)}\``;
    return [{ path, message: `${MISSING} \`${key}\``, hint: example || docs.description }];
  }
  const expected = issue.message.startsWith('expected ') ? issue.message : `expected ${alternativesExpected(issue)}`;
  return [{ path, message: `${expected}, found ${describeValue(input)}`, hint: docs.description }];
}

function alternativesExpected(issue: Extract<Issue, { code: 'invalid_union' }>): string {
  const words: string[] = [];
  for (const branch of issue.errors) {
    for (const inner of branch) {
      const word = inner.code === 'invalid_type' ? (EXPECTED[inner.expected] ?? inner.expected) : inner.code === 'invalid_value' ? listOf(inner.values.map(String)) : null;
      if (word !== null && !words.includes(word)) words.push(word);
    }
  }
  return words.length === 0 ? 'another value' : words.join(' or ');
}
