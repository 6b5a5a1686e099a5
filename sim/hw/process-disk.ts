// A disk as one process incarnation sees it (actor.ts `DiskAccess`, `FileHandle`). The files and
// their bytes belong to the machine (disk.ts) and outlive the process; what belongs to the
// incarnation is the promise to call back. Every completion (fsync done, read done, snapshot
// durable) is routed through the incarnation, so a callback never runs in a process that has
// died since it asked, and waits while the process is paused.

import type { DiskAccess, FileHandle } from './actor.ts';
import type { Disk, DiskFile } from './disk.ts';
import type { Incarnation } from './process.ts';

export class ProcessDisk implements DiskAccess {
  private readonly handles = new Map<string, ProcessFile>();

  constructor(
    readonly index: number,
    private readonly disk: Disk,
    private readonly owner: Incarnation,
  ) {}

  file(name: string): FileHandle {
    let handle = this.handles.get(name);
    if (handle === undefined) {
      handle = new ProcessFile(this.disk, this.disk.file(name), this.owner);
      this.handles.set(name, handle);
    }
    return handle;
  }

  fileNames(): string[] {
    return [...this.disk.files.keys()];
  }
}

class ProcessFile implements FileHandle {
  constructor(
    private readonly disk: Disk,
    private readonly file: DiskFile,
    private readonly owner: Incarnation,
  ) {}

  get name(): string {
    return this.file.name;
  }

  get endPosition(): number {
    return this.file.endPosition;
  }

  get durablePosition(): number {
    return this.file.durablePosition;
  }

  get survivingPosition(): number {
    return this.file.survivingPosition;
  }

  get contents(): unknown {
    return this.file.contents;
  }

  set contents(value: unknown) {
    this.file.contents = value;
  }

  get snapshot(): unknown {
    return this.file.snapshot;
  }

  append(bytes: number): number {
    return this.disk.append(this.file, bytes);
  }

  fsync(done: () => void): void {
    this.disk.fsync(this.file, () => this.owner.complete(done));
  }

  read(position: number, bytes: number, done: () => void): void {
    this.disk.read(this.file, position, bytes, () => this.owner.complete(done));
  }

  writeSnapshot(snapshot: unknown, bytes: number, done?: () => void): void {
    this.disk.writeSnapshot(this.file, snapshot, bytes, done === undefined ? undefined : () => this.owner.complete(done));
  }
}
