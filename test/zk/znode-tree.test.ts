import { describe, expect, it } from 'vitest';
import { ZnodeTree, isValidPath } from '../../sim/zk/znode-tree.ts';
import { makeZxid, type Txn, type TxnBody } from '../../sim/zk/types.ts';

const SESSION = '0x0100000000000001';
const OTHER = '0x0100000000000002';

/** A tree with two live sessions and a counter for zxids, applying txns as a server would. */
function treeWithSessions(): { tree: ZnodeTree; apply: (body: TxnBody, sessionId?: string) => ReturnType<ZnodeTree['apply']> } {
  const tree = new ZnodeTree();
  let counter = 0;
  const apply = (body: TxnBody, sessionId = SESSION) => {
    counter++;
    const txn: Txn = { zxid: makeZxid(1, counter), sessionId, cxid: counter, timeMs: counter * 10, body };
    return tree.apply(txn);
  };
  apply({ type: 'createSession', timeoutMs: 6000, owner: 'broker-1' }, SESSION);
  apply({ type: 'createSession', timeoutMs: 6000, owner: 'broker-2' }, OTHER);
  return { tree, apply };
}

describe('znode tree', () => {
  it('starts with the system znodes under /zookeeper', () => {
    const tree = new ZnodeTree();
    expect(tree.read({ type: 'getChildren', path: '/' }).result).toMatchObject({ children: ['zookeeper'] });
    expect(tree.read({ type: 'getChildren', path: '/zookeeper' }).result).toMatchObject({ children: ['config', 'quota'] });
  });

  it('validates paths as PathUtils does', () => {
    expect(['/', '/a', '/a/b-c_1'].every(isValidPath)).toBe(true);
    expect(['', 'a', '/a/', '//a', '/a//b', '/a/./b', '/a/..'].some(isValidPath)).toBe(false);
  });

  it('creates a node with a fresh Stat and bumps the parent cversion and pzxid', () => {
    const { tree, apply } = treeWithSessions();
    const outcome = apply({ type: 'create', path: '/brokers', data: 'x', mode: 'persistent' });
    expect(outcome).toMatchObject({ err: 'OK', results: [{ type: 'create', path: '/brokers' }] });
    const stat = tree.stat('/brokers');
    expect(stat).toMatchObject({ version: 0, cversion: 0, dataLength: 1, ephemeralOwner: null, czxid: makeZxid(1, 3), mzxid: makeZxid(1, 3) });
    expect(tree.stat('/')).toMatchObject({ cversion: 1, pzxid: makeZxid(1, 3), numChildren: 2 });
    expect(outcome.triggers).toEqual([
      { type: 'NodeCreated', path: '/brokers' },
      { type: 'NodeChildrenChanged', path: '/' },
    ]);
  });

  it('refuses a create without a parent, over an existing node, or under an ephemeral', () => {
    const { apply } = treeWithSessions();
    expect(apply({ type: 'create', path: '/a/b', data: '', mode: 'persistent' }).err).toBe('NONODE');
    apply({ type: 'create', path: '/a', data: '', mode: 'ephemeral' });
    expect(apply({ type: 'create', path: '/a', data: '', mode: 'persistent' }).err).toBe('NODEEXISTS');
    expect(apply({ type: 'create', path: '/a/b', data: '', mode: 'persistent' }).err).toBe('NOCHILDRENFOREPHEMERALS');
    expect(apply({ type: 'create', path: 'bad', data: '', mode: 'persistent' }).err).toBe('BADARGUMENTS');
  });

  it('names sequential nodes after the parent cversion, ten digits wide', () => {
    const { apply } = treeWithSessions();
    apply({ type: 'create', path: '/isr_change_notification', data: '', mode: 'persistent' });
    const first = apply({ type: 'create', path: '/isr_change_notification/isr_change_', data: '{}', mode: 'persistent-sequential' });
    apply({ type: 'delete', path: '/isr_change_notification/isr_change_0000000000', version: -1 });
    const second = apply({ type: 'create', path: '/isr_change_notification/isr_change_', data: '{}', mode: 'persistent-sequential' });
    expect(first.results[0]).toEqual({ type: 'create', path: '/isr_change_notification/isr_change_0000000000' });
    // The delete also bumped the cversion, so the sequence skips a number.
    expect(second.results[0]).toEqual({ type: 'create', path: '/isr_change_notification/isr_change_0000000002' });
  });

  it('makes setData and delete conditional on the data version', () => {
    const { tree, apply } = treeWithSessions();
    apply({ type: 'create', path: '/controller_epoch', data: '0', mode: 'persistent' });
    expect(apply({ type: 'setData', path: '/controller_epoch', data: '1', version: 3 }).err).toBe('BADVERSION');
    expect(apply({ type: 'setData', path: '/controller_epoch', data: '1', version: 0 })).toMatchObject({ err: 'OK', results: [{ type: 'setData', stat: { version: 1 } }] });
    expect(apply({ type: 'setData', path: '/controller_epoch', data: '2', version: -1 }).err).toBe('OK');
    expect(tree.data('/controller_epoch')).toBe('2');
    expect(apply({ type: 'delete', path: '/controller_epoch', version: 1 }).err).toBe('BADVERSION');
    expect(apply({ type: 'delete', path: '/controller_epoch', version: 2 }).err).toBe('OK');
    expect(apply({ type: 'setData', path: '/controller_epoch', data: '3', version: -1 }).err).toBe('NONODE');
  });

  it('refuses to delete a node with children', () => {
    const { apply } = treeWithSessions();
    apply({ type: 'create', path: '/a', data: '', mode: 'persistent' });
    apply({ type: 'create', path: '/a/b', data: '', mode: 'persistent' });
    expect(apply({ type: 'delete', path: '/a', version: -1 }).err).toBe('NOTEMPTY');
  });

  it('a multi applies all of its ops together', () => {
    const { tree, apply } = treeWithSessions();
    apply({ type: 'create', path: '/controller_epoch', data: '4', mode: 'persistent' });
    const outcome = apply({
      type: 'multi',
      ops: [
        { type: 'create', path: '/controller', data: '{"brokerid":1}', mode: 'ephemeral' },
        { type: 'setData', path: '/controller_epoch', data: '5', version: 0 },
      ],
    });
    expect(outcome.err).toBe('OK');
    expect(outcome.results.map((result) => result.type)).toEqual(['create', 'setData']);
    expect(tree.data('/controller_epoch')).toBe('5');
    expect(tree.stat('/controller')?.ephemeralOwner).toBe(SESSION);
  });

  it('a failing multi changes nothing and reports OK, the error, then RUNTIMEINCONSISTENCY', () => {
    const { tree, apply } = treeWithSessions();
    apply({ type: 'create', path: '/controller_epoch', data: '4', mode: 'persistent' });
    apply({ type: 'create', path: '/p', data: '', mode: 'persistent' });
    const before = tree.digest();
    const outcome = apply({
      type: 'multi',
      ops: [
        { type: 'create', path: '/controller', data: '{}', mode: 'ephemeral' },
        { type: 'delete', path: '/p', version: -1 },
        { type: 'setData', path: '/controller_epoch', data: '5', version: 7 },
        { type: 'create', path: '/later', data: '', mode: 'persistent' },
      ],
    });
    expect(outcome.err).toBe('BADVERSION');
    expect(outcome.results).toEqual([
      { type: 'error', err: 'OK' },
      { type: 'error', err: 'OK' },
      { type: 'error', err: 'BADVERSION' },
      { type: 'error', err: 'RUNTIMEINCONSISTENCY' },
    ]);
    expect(outcome.triggers).toEqual([]);
    expect(tree.digest()).toBe(before);
  });

  it('closing a session deletes its ephemeral nodes and nobody else’s', () => {
    const { tree, apply } = treeWithSessions();
    apply({ type: 'create', path: '/brokers', data: '', mode: 'persistent' });
    apply({ type: 'create', path: '/brokers/1', data: 'a', mode: 'ephemeral' }, SESSION);
    apply({ type: 'create', path: '/brokers/2', data: 'b', mode: 'ephemeral' }, OTHER);
    expect(tree.ephemerals(SESSION)).toEqual(['/brokers/1']);
    const outcome = apply({ type: 'closeSession', reason: 'expired' }, SESSION);
    expect(tree.stat('/brokers/1')).toBeNull();
    expect(tree.stat('/brokers/2')).not.toBeNull();
    expect(tree.sessions.has(SESSION)).toBe(false);
    expect(outcome.triggers).toContainEqual({ type: 'NodeDeleted', path: '/brokers/1' });
  });

  it('rejects writes from a session that no longer exists', () => {
    const { apply } = treeWithSessions();
    apply({ type: 'closeSession', reason: 'closed' }, SESSION);
    expect(apply({ type: 'create', path: '/x', data: '', mode: 'ephemeral' }, SESSION).err).toBe('SESSIONEXPIRED');
  });

  it('exists on a missing node answers NONODE with a null stat', () => {
    const tree = new ZnodeTree();
    expect(tree.read({ type: 'exists', path: '/nope' })).toEqual({ err: 'NONODE', result: { type: 'exists', stat: null } });
    expect(tree.read({ type: 'getData', path: '/nope' })).toEqual({ err: 'NONODE', result: null });
  });

  it('a clone is independent of the original and has the same digest', () => {
    const { tree, apply } = treeWithSessions();
    apply({ type: 'create', path: '/a', data: '1', mode: 'persistent' });
    const copy = tree.clone();
    expect(copy.digest()).toBe(tree.digest());
    apply({ type: 'setData', path: '/a', data: '2', version: -1 });
    expect(copy.data('/a')).toBe('1');
    expect(copy.digest()).not.toBe(tree.digest());
  });
});
