// Wording helpers for scenario errors: "did you mean" suggestions by edit distance, and short
// descriptions of what a user wrote ("found the string \"al\"", "found a list").
//
// The distance is the optimal-string-alignment variant of Damerau–Levenshtein, so a swapped
// pair of letters ("lingre.ms") costs one edit like a typo does. Inputs are cut to a fixed
// length first: the cost is quadratic and an error message must never be slow to produce.

const MAX_COMPARED_CHARS = 64;

/** Edits (insert, delete, substitute, swap adjacent) that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const left = a.slice(0, MAX_COMPARED_CHARS);
  const right = b.slice(0, MAX_COMPARED_CHARS);
  const width = right.length + 1;
  const rows: number[][] = [];
  for (let i = 0; i <= left.length; i++) {
    const row: number[] = new Array<number>(width).fill(0);
    row[0] = i;
    rows.push(row);
  }
  const first = rows[0] as number[];
  for (let j = 0; j <= right.length; j++) first[j] = j;
  for (let i = 1; i <= left.length; i++) {
    const row = rows[i] as number[];
    const above = rows[i - 1] as number[];
    for (let j = 1; j <= right.length; j++) {
      const cost = left[i - 1] === right[j - 1] ? 0 : 1;
      let best = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + cost);
      if (i > 1 && j > 1 && left[i - 1] === right[j - 2] && left[i - 2] === right[j - 1]) {
        best = Math.min(best, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = best;
    }
  }
  return (rows[left.length] as number[])[right.length] as number;
}

/**
 * The candidate closest to `word`, if it is close enough to be a plausible typo: a case-only
 * difference always is; otherwise at most a third of the word's length (at least 1, at most 4).
 * Ties go to the earlier candidate, so the order of the candidate list decides.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const sameLetters = candidates.find((candidate) => candidate.toLowerCase() === lower);
  if (sameLetters !== undefined) return sameLetters;
  const allowed = Math.min(4, Math.max(1, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestDistance = allowed + 1;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** "did you mean `linger.ms`?" when a close candidate exists. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const match = closest(word, candidates);
  return match === undefined ? undefined : `did you mean \`${match}\`?`;
}

/** A list for a message: "`a`, `b` or `c`", eliding past `max` items. */
export function listOf(values: readonly (string | number)[], max = 12): string {
  const shown = values.slice(0, max).map((value) => `\`${value}\``);
  if (values.length > max) return `${shown.join(', ')}, … (${values.length} in all)`;
  if (shown.length <= 1) return shown.join('');
  return `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`;
}

/** How a message names a value the user wrote: `the string "al"`, `the number 7.5`, `a list`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return `the text ${JSON.stringify(clip(value))}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `\`${value}\``;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map of keys';
  return `a value of type ${typeof value}`;
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
