import { describe, expect, it } from 'vitest';
import { WatchManager } from '../../sim/zk/watch-manager.ts';

describe('server watch manager', () => {
  it('fires a data watch once and then forgets it', () => {
    const watches = new WatchManager<string>();
    watches.addDataWatch('/controller', 'broker-1');
    expect(watches.fire({ type: 'NodeDataChanged', path: '/controller' })).toEqual(['broker-1']);
    expect(watches.fire({ type: 'NodeDataChanged', path: '/controller' })).toEqual([]);
    expect(watches.size).toBe(0);
  });

  it('sends a delete once to a connection that held both a data and a child watch', () => {
    const watches = new WatchManager<string>();
    watches.addDataWatch('/brokers/ids', 'broker-1');
    watches.addChildWatch('/brokers/ids', 'broker-1');
    watches.addChildWatch('/brokers/ids', 'broker-2');
    expect(watches.fire({ type: 'NodeDeleted', path: '/brokers/ids' })).toEqual(['broker-1', 'broker-2']);
  });

  it('child changes reach only child watches, creations only data watches', () => {
    const watches = new WatchManager<string>();
    watches.addDataWatch('/a', 'data-watcher');
    watches.addChildWatch('/a', 'child-watcher');
    expect(watches.fire({ type: 'NodeChildrenChanged', path: '/a' })).toEqual(['child-watcher']);
    expect(watches.fire({ type: 'NodeCreated', path: '/a' })).toEqual(['data-watcher']);
  });

  it('drops every watch of a closed connection', () => {
    const watches = new WatchManager<string>();
    watches.addDataWatch('/a', 'gone');
    watches.addChildWatch('/b', 'gone');
    watches.addDataWatch('/a', 'stays');
    watches.removeWatcher('gone');
    expect(watches.size).toBe(1);
    expect(watches.fire({ type: 'NodeDataChanged', path: '/a' })).toEqual(['stays']);
  });
});
