// A plain binary heap, written the textbook way over parallel typed arrays, used by
// `npm run bench` as the yardstick for the kernel's event queue: the kernel must be at least as
// fast as the obvious good implementation measured in the same process.

export class ReferenceBinaryHeap {
  private times = new Float64Array(1024);
  private seqs = new Float64Array(1024);
  private payloads: unknown[] = [];
  private size = 0;
  private nextSeq = 0;
  poppedTime = 0;

  get length(): number {
    return this.size;
  }

  push(time: number, payload: unknown): void {
    if (this.size === this.times.length) {
      const times = new Float64Array(this.size * 2);
      times.set(this.times);
      this.times = times;
      const seqs = new Float64Array(this.size * 2);
      seqs.set(this.seqs);
      this.seqs = seqs;
    }
    let i = this.size++;
    const seq = this.nextSeq++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = this.times[parent] as number;
      if (pt < time || (pt === time && (this.seqs[parent] as number) < seq)) break;
      this.times[i] = pt;
      this.seqs[i] = this.seqs[parent] as number;
      this.payloads[i] = this.payloads[parent];
      i = parent;
    }
    this.times[i] = time;
    this.seqs[i] = seq;
    this.payloads[i] = payload;
  }

  pop(): unknown {
    if (this.size === 0) return undefined;
    const top = this.payloads[0];
    this.poppedTime = this.times[0] as number;
    const last = --this.size;
    const time = this.times[last] as number;
    const seq = this.seqs[last] as number;
    const payload = this.payloads[last];
    this.payloads[last] = undefined;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      const right = child + 1;
      if (
        right < last &&
        ((this.times[right] as number) < (this.times[child] as number) ||
          ((this.times[right] as number) === (this.times[child] as number) &&
            (this.seqs[right] as number) < (this.seqs[child] as number)))
      ) {
        child = right;
      }
      const ct = this.times[child] as number;
      if (time < ct || (time === ct && seq < (this.seqs[child] as number))) break;
      this.times[i] = ct;
      this.seqs[i] = this.seqs[child] as number;
      this.payloads[i] = this.payloads[child];
      i = child;
    }
    if (last > 0) {
      this.times[i] = time;
      this.seqs[i] = seq;
      this.payloads[i] = payload;
    }
    return top;
  }
}

/** The naive heap many JavaScript simulators use: an array of event objects holding closures. */
export class ObjectHeap {
  private items: { time: number; seq: number; fn: () => void }[] = [];
  private nextSeq = 0;
  poppedTime = 0;

  push(time: number, fn: () => void): void {
    const item = { time, seq: this.nextSeq++, fn };
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (p.time < time || (p.time === time && p.seq < item.seq)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = item;
  }

  pop(): (() => void) | undefined {
    const items = this.items;
    const top = items[0];
    if (!top) return undefined;
    const last = items.pop()!;
    if (items.length > 0) {
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= items.length) break;
        const right = child + 1;
        if (right < items.length && earlier(items[right]!, items[child]!)) child = right;
        if (earlier(last, items[child]!)) break;
        items[i] = items[child]!;
        i = child;
      }
      items[i] = last;
    }
    this.poppedTime = top.time;
    return top.fn;
  }
}

function earlier(a: { time: number; seq: number }, b: { time: number; seq: number }): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
