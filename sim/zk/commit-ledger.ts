// The omniscient record of one ensemble's committed transactions — a checker and a trace source,
// never read by the servers (DESIGN §1.4: they keep private state and talk over the network).
//
// Zab promises one total order of committed transactions that every server applies without gaps
// or reordering (primary order). Every server reports each transaction it applies; the ledger
// holds the global sequence defined by first application and asserts, live, that each server's
// next applied transaction is exactly the next one of that sequence (or extends it when the server
// is ahead of everyone). A server that loads a snapshot or receives a SNAP restarts at the
// snapshot's position. Any violation is a simulator bug and stops the run (exit code 3).
//
// Because it sees each commit once, the ledger also emits the trace events for the ensemble:
// `znode` (path, op, a short data summary) and `zk-session` (created, expired, closed, with the
// owner), at the moment the first server — normally the leader — applies the change.

import { assert } from '../core/assert.ts';
import type { Trace } from '../core/trace.ts';
import type { NodeId } from '../hw/actor.ts';
import { formatZxid, type OpResult, type SessionId, type Txn, type TxnOutcome, type WriteOp } from './types.ts';

/** Committed transactions one run may record before it is treated as runaway. */
export const MAX_COMMITTED_TXNS = 50_000_000;
const DATA_SUMMARY_CHARS = 60;

/** The start of a znode's data for the trace, so events stay short. */
export function summarizeData(data: string): string {
  return data.length <= DATA_SUMMARY_CHARS ? data : `${data.slice(0, DATA_SUMMARY_CHARS)}…`;
}

export class ZkCommitLedger {
  private readonly order: Txn[] = [];
  private readonly indexByZxid = new Map<number, number>();
  private readonly positions = new Map<number, number>();
  private readonly sessionOwners = new Map<SessionId, NodeId>();

  /** Every committed transaction, in the one order all servers apply them. */
  get committed(): readonly Txn[] {
    return this.order;
  }

  /** The zxid a server has applied up to (0 before anything). */
  appliedZxid(sid: number): number {
    const position = this.positions.get(sid) ?? -1;
    return position < 0 ? 0 : (this.order[position] as Txn).zxid;
  }

  /** A server's tree now reflects everything up to `zxid` (startup from a snapshot, or a SNAP). */
  reset(sid: number, zxid: number): void {
    if (zxid === 0) {
      this.positions.set(sid, -1);
      return;
    }
    const index = this.indexByZxid.get(zxid);
    assert(index !== undefined, () => `zk server ${sid} loaded a snapshot at ${formatZxid(zxid)}, which was never committed`);
    this.positions.set(sid, index);
  }

  /** A server applied `txn`; asserts primary order and emits the trace on first application. */
  applied(sid: number, node: NodeId, txn: Txn, outcome: TxnOutcome, trace: Trace): void {
    const next = (this.positions.get(sid) ?? -1) + 1;
    if (next < this.order.length) {
      const expected = this.order[next] as Txn;
      assert(
        expected === txn || (expected.zxid === txn.zxid && JSON.stringify(expected) === JSON.stringify(txn)),
        () => `zk server ${sid} applied ${formatZxid(txn.zxid)} where the committed order has ${formatZxid(expected.zxid)}`,
      );
    } else {
      const tip = this.order[this.order.length - 1];
      assert(tip === undefined || txn.zxid > tip.zxid, () => `zk server ${sid} committed ${formatZxid(txn.zxid)} after ${formatZxid(tip?.zxid ?? 0)}`);
      assert(this.order.length < MAX_COMMITTED_TXNS, () => `more than ${MAX_COMMITTED_TXNS} ZooKeeper transactions committed`);
      this.indexByZxid.set(txn.zxid, this.order.length);
      this.order.push(txn);
      this.emit(node, txn, outcome, trace);
    }
    this.positions.set(sid, next);
  }

  private emit(node: NodeId, txn: Txn, outcome: TxnOutcome, trace: Trace): void {
    const body = txn.body;
    const zxid = formatZxid(txn.zxid);
    if (body.type === 'createSession') {
      this.sessionOwners.set(txn.sessionId, body.owner);
      trace.emit('zk-session', { op: 'created', session: txn.sessionId, owner: body.owner, timeoutMs: body.timeoutMs, zk: node, zxid });
      return;
    }
    if (body.type === 'closeSession') {
      const owner = this.sessionOwners.get(txn.sessionId);
      if (owner === undefined) return;
      this.sessionOwners.delete(txn.sessionId);
      trace.emit('zk-session', { op: body.reason, session: txn.sessionId, owner, zk: node, zxid });
      for (const trigger of outcome.triggers) {
        if (trigger.type === 'NodeDeleted') trace.emit('znode', { op: 'delete', path: trigger.path, cause: `session ${body.reason}`, zxid });
      }
      return;
    }
    if (outcome.err !== 'OK') return;
    const ops: readonly WriteOp[] = body.type === 'multi' ? body.ops : body.type === 'error' ? [] : [body];
    ops.forEach((op, index) => this.emitOp(op, outcome.results[index], txn, zxid, trace));
  }

  private emitOp(op: WriteOp, result: OpResult | undefined, txn: Txn, zxid: string, trace: Trace): void {
    if (op.type === 'create' && result?.type === 'create') {
      const ephemeral = op.mode === 'ephemeral' || op.mode === 'ephemeral-sequential';
      trace.emit('znode', { op: 'create', path: result.path, data: summarizeData(op.data), ...(ephemeral ? { owner: txn.sessionId } : {}), zxid });
    } else if (op.type === 'setData' && result?.type === 'setData') {
      trace.emit('znode', { op: 'set', path: op.path, data: summarizeData(op.data), version: result.stat.version, zxid });
    } else if (op.type === 'delete') {
      trace.emit('znode', { op: 'delete', path: op.path, zxid });
    }
  }
}
