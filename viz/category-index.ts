// Where each family of events is in the trace (sim/trace/describe.ts categories), so the event log
// finds the events around the cursor that it shows without reading the ones it hides. A one-hour
// trace is mostly replica offsets; the log hides them by default, and without this index it would
// scan tens of thousands of lines on every seek to find forty elections and ISR changes.
//
// One column of positions per family, filled in file order while the trace loads; `walk` merges
// the shown families' columns outward from a position, nearest first.

import { Float64Column } from '../sim/trace/column.ts';
import type { Category } from '../sim/trace/describe.ts';

export class CategoryIndex {
  private readonly columns = new Map<Category, Float64Column>();

  add(position: number, category: Category): void {
    let column = this.columns.get(category);
    if (column === undefined) {
      column = new Float64Column();
      this.columns.set(category, column);
    }
    column.push(position);
  }

  /** How many events of the family the trace holds. */
  count(category: Category): number {
    return this.columns.get(category)?.length ?? 0;
  }

  /**
   * Positions of events of the shown families, from `from` outward: ascending from `from`
   * (direction 1), or descending from `from` (direction -1), `from` itself included.
   */
  *walk(from: number, direction: 1 | -1, shown: ReadonlySet<Category>): Generator<number> {
    const heads: { column: Float64Column; at: number }[] = [];
    for (const category of shown) {
      const column = this.columns.get(category);
      if (column === undefined) continue;
      const at = direction === 1 ? column.lowerBound(from) : column.upperBound(from) - 1;
      heads.push({ column, at });
    }
    for (;;) {
      let best: { column: Float64Column; at: number } | null = null;
      let bestPosition = direction === 1 ? Infinity : -Infinity;
      for (const head of heads) {
        if (head.at < 0 || head.at >= head.column.length) continue;
        const position = head.column.at(head.at);
        if (direction === 1 ? position < bestPosition : position > bestPosition) {
          best = head;
          bestPosition = position;
        }
      }
      if (best === null) return;
      best.at += direction;
      yield bestPosition;
    }
  }
}
