// Nearest-rank percentiles of large samples (the latencies of every record of a run) without
// sorting them: a run of 30 million records would spend seconds in a sort to read three values.
// Each wanted rank is found by selection (Hoare's quickselect with a median-of-three pivot), the
// highest first, so each later search only looks at the part below the one before.
//
// The values are what a sort would put at those ranks, exactly; the array is reordered in place.

/**
 * The 1-based nearest rank of percentile `p` among `total` values: ⌈p/100 · total⌉, within
 * [1, total]. The product is taken a hair low so that binary rounding cannot push an exact
 * integer up a rank (0.999 · 2000 is 1998.0000000000002 in floating point).
 */
export function nearestRank(p: number, total: number): number {
  return Math.min(total, Math.max(1, Math.ceil((p / 100) * total - 1e-9)));
}

/**
 * The values at the given 1-based ranks (each within [1, values.length]) in ascending order, as
 * `values` sorted ascending would hold them. Reorders `values`.
 */
export function valuesAtRanks(values: Float64Array, ranks: readonly number[]): number[] {
  const order = ranks.map((rank, index) => ({ rank, index })).sort((a, b) => b.rank - a.rank);
  const found = new Array<number>(ranks.length);
  let end = values.length;
  for (const { rank, index } of order) {
    found[index] = select(values, rank - 1, end);
    end = rank;
  }
  return found;
}

/** Places the k-th smallest (0-based) of values[0, end) at index k and returns it. */
function select(values: Float64Array, k: number, end: number): number {
  let lo = 0;
  let hi = end - 1;
  while (hi > lo) {
    const pivot = medianOfThree(values[lo]!, values[(lo + hi) >>> 1]!, values[hi]!);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const swap = values[i]!;
        values[i] = values[j]!;
        values[j] = swap;
        i++;
        j--;
      }
    }
    // values[lo..j] ≤ pivot ≤ values[i..hi], and everything strictly between equals the pivot.
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return pivot;
  }
  return values[k]!;
}

function medianOfThree(a: number, b: number, c: number): number {
  if (a < b) return b < c ? b : a < c ? c : a;
  return a < c ? a : b < c ? c : b;
}
