// A growable column of numbers in a Float64Array: how the viewer keeps a million event times, or a
// metric series, without a million boxed numbers. Doubling growth; exact for integers to 2^53.

/** The most values one column holds (a 100 MB trace has about a million events). */
export const MAX_COLUMN_LENGTH = 256 * 1024 * 1024;

export class Float64Column {
  private values: Float64Array;
  private size = 0;

  constructor(initialCapacity = 1024) {
    this.values = new Float64Array(Math.max(16, initialCapacity));
  }

  get length(): number {
    return this.size;
  }

  push(value: number): void {
    if (this.size === this.values.length) this.grow();
    this.values[this.size++] = value;
  }

  at(index: number): number {
    return index >= 0 && index < this.size ? (this.values[index] as number) : Number.NaN;
  }

  /** The first index whose value is greater than `value`, for an ascending column. */
  upperBound(value: number): number {
    let low = 0;
    let high = this.size;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.values[middle] as number) <= value) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** The first index whose value is at least `value`, for an ascending column. */
  lowerBound(value: number): number {
    let low = 0;
    let high = this.size;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.values[middle] as number) < value) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private grow(): void {
    if (this.values.length >= MAX_COLUMN_LENGTH) throw new Error(`a trace column is limited to ${MAX_COLUMN_LENGTH} values`);
    const next = new Float64Array(Math.min(MAX_COLUMN_LENGTH, this.values.length * 2));
    next.set(this.values);
    this.values = next;
  }
}
