// A problem found in a scenario before it has a position: a field path into the document and
// what is wrong there. The loader (sim/scenario/load.ts) turns each into a `ScenarioError` with
// file, line and column by looking the path up in the parsed YAML.

/** Keys and list indices from the document root, e.g. ['producers', 0, 'config', 'acks']. */
export type PathSegment = string | number;
export type Path = readonly PathSegment[];

export interface Problem {
  readonly path: Path;
  /** What was expected and what was found. */
  readonly message: string;
  /** How to fix it, when we can tell. */
  readonly hint?: string | undefined;
  /** Point at the key itself (an unknown key) rather than at its value. */
  readonly atKey?: boolean;
}

/** `producers[0].config.acks`: keys joined by dots, list indices in brackets. */
export function formatPath(path: Path): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? segment : `.${segment}`;
  }
  return text === '' ? '(top level)' : text;
}
