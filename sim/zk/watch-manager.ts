// The watches one ZooKeeper server holds for its connected clients (ZooKeeper's WatchManager, one
// table for data watches and one for child watches). Watches are one-shot: firing a path's watches
// removes them, and a client that wants more must read again with `watch` set.
//
// Which table a change reaches follows DataTree: a create fires NodeCreated on the node's data
// watches (left by exists() on a missing node) and NodeChildrenChanged on its parent's child
// watches; setData fires NodeDataChanged on data watches; a delete fires NodeDeleted on the node's
// data and child watches — once per connection even if it held both — and NodeChildrenChanged on
// the parent's child watches. Watches live with the connection: when it closes they are dropped,
// and a client that reconnects re-registers them with SetWatches (server-cnxn.ts).

import { assert } from '../core/assert.ts';
import type { WatchTrigger } from './types.ts';

/** Watches one server may hold in total before the run is treated as runaway. */
export const MAX_WATCHES_PER_SERVER = 10_000_000;

export class WatchManager<Watcher> {
  private readonly dataWatches = new Map<string, Set<Watcher>>();
  private readonly childWatches = new Map<string, Set<Watcher>>();
  private watchCount = 0;

  get size(): number {
    return this.watchCount;
  }

  addDataWatch(path: string, watcher: Watcher): void {
    this.add(this.dataWatches, path, watcher);
  }

  addChildWatch(path: string, watcher: Watcher): void {
    this.add(this.childWatches, path, watcher);
  }

  /** The watchers a change notifies, each once, in registration order; their watches are consumed. */
  fire(trigger: WatchTrigger): Watcher[] {
    switch (trigger.type) {
      case 'NodeCreated':
      case 'NodeDataChanged':
        return this.take(this.dataWatches, trigger.path);
      case 'NodeChildrenChanged':
        return this.take(this.childWatches, trigger.path);
      case 'NodeDeleted': {
        const notified = this.take(this.dataWatches, trigger.path);
        const seen = new Set(notified);
        for (const watcher of this.take(this.childWatches, trigger.path)) if (!seen.has(watcher)) notified.push(watcher);
        return notified;
      }
    }
  }

  /** Drops every watch of a watcher (its connection closed). */
  removeWatcher(watcher: Watcher): void {
    for (const table of [this.dataWatches, this.childWatches]) {
      for (const [path, watchers] of table) {
        if (watchers.delete(watcher)) {
          this.watchCount--;
          if (watchers.size === 0) table.delete(path);
        }
      }
    }
  }

  private add(table: Map<string, Set<Watcher>>, path: string, watcher: Watcher): void {
    let watchers = table.get(path);
    if (!watchers) {
      watchers = new Set();
      table.set(path, watchers);
    }
    if (watchers.has(watcher)) return;
    watchers.add(watcher);
    this.watchCount++;
    assert(this.watchCount <= MAX_WATCHES_PER_SERVER, () => `a ZooKeeper server holds more than ${MAX_WATCHES_PER_SERVER} watches`);
  }

  private take(table: Map<string, Set<Watcher>>, path: string): Watcher[] {
    const watchers = table.get(path);
    if (!watchers) return [];
    table.delete(path);
    this.watchCount -= watchers.size;
    return [...watchers];
  }
}
