// Output files are written atomically (DESIGN §1.7): into a temporary file beside the target, then
// renamed over it, so an interrupted run never leaves a half-written trace or overwrites a good
// one with a broken one. Node-only, hence under sim/cli/.

import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import type { TraceEvent, TraceSink } from '../core/trace.ts';

function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
}

/** Writes `text` to `path` atomically, creating the folder if needed. */
export function writeFileAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = temporaryPathFor(path);
  const fd = openSync(temporary, 'w');
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}

const FLUSH_BYTES = 1 << 20;

/**
 * An NDJSON trace sink that streams to a temporary file in 1 MiB writes and renames it into place
 * on `commit()`. `abort()` removes the temporary file and leaves any existing trace untouched.
 */
export class AtomicNdjsonFile implements TraceSink {
  private readonly temporary: string;
  private readonly fd: number;
  private buffer: string[] = [];
  private bufferedChars = 0;
  private open = true;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.temporary = temporaryPathFor(path);
    this.fd = openSync(this.temporary, 'w');
  }

  /** Writes one raw line (the header or the end record). */
  writeLine(line: string): void {
    this.buffer.push(line, '\n');
    this.bufferedChars += line.length + 1;
    if (this.bufferedChars >= FLUSH_BYTES) this.flush();
  }

  accept(line: string, _event: TraceEvent): void {
    this.writeLine(line);
  }

  commit(): void {
    this.flush();
    this.close();
    renameSync(this.temporary, this.path);
  }

  abort(): void {
    if (!this.open) return;
    this.close();
    rmSync(this.temporary, { force: true });
  }

  private flush(): void {
    if (this.bufferedChars === 0) return;
    writeSync(this.fd, this.buffer.join(''));
    this.buffer = [];
    this.bufferedChars = 0;
  }

  private close(): void {
    if (this.open) {
      closeSync(this.fd);
      this.open = false;
    }
  }
}
