// The network faults in force: partitions and added latency (DESIGN §8 `partition`, `heal`,
// `slow-network`). A partition drops every message on the directions it names, as an iptables DROP
// rule on the receiver's INPUT chain does (Jepsen's nemesis): nothing is sent back, so the sender
// learns of it only from its own timeouts. Shapes:
//
// - isolate N: N (one node, or a rack) cut off from every other node, both ways; nodes inside N
//   still reach each other.
// - between G1, G2, …: every node of one group cut off from every node of another, both ways; nodes
//   in no group are untouched.
// - one-way from F to T: messages from F to T are dropped; T to F still flows.
//
// Faults overlap freely: each has an id and ends on its own (`for:`) or with a heal of all. The
// network asks `blocked(from, to)` and `addedLatencyUs(from, to)` only when a fault starts or ends
// and when a new pair of nodes first talks, and caches the answer on the path, so the per-message
// cost does not grow with the number of faults.

import { assert } from '../core/assert.ts';
import type { NodeId } from './actor.ts';

/** A partition's shape, with node ids already resolved from brokers, racks, etc. */
export type PartitionShape =
  | { readonly kind: 'isolate'; readonly nodes: readonly NodeId[] }
  | { readonly kind: 'between'; readonly groups: readonly (readonly NodeId[])[] }
  | { readonly kind: 'one-way'; readonly from: readonly NodeId[]; readonly to: readonly NodeId[] };

/** A fault lasting until healed: ids are shared by every kind of lasting fault in the world. */
export type FaultId = number;

/** Faults in force at once; more means a fault timeline that never heals what it starts. */
export const MAX_LINK_FAULTS = 10_000;

/** Whether a partition drops messages from `from` to `to`. */
type Blocks = (from: NodeId, to: NodeId) => boolean;

export class LinkFaults {
  private readonly partitions = new Map<FaultId, Blocks>();
  private readonly latencies = new Map<FaultId, { readonly node: NodeId; readonly addedLatencyUs: number }>();

  get partitionCount(): number {
    return this.partitions.size;
  }

  addPartition(id: FaultId, shape: PartitionShape): void {
    this.checkRoom();
    this.partitions.set(id, compile(shape));
  }

  /** Adds one-way latency to every message sent from or to `node`. */
  addLatency(id: FaultId, node: NodeId, addedLatencyUs: number): void {
    assert(Number.isInteger(addedLatencyUs) && addedLatencyUs >= 0, () => `added latency must be whole non-negative microseconds, got ${addedLatencyUs}`);
    this.checkRoom();
    this.latencies.set(id, { node, addedLatencyUs });
  }

  /** Ends one fault; returns false when no partition or latency fault has that id. */
  remove(id: FaultId): boolean {
    return this.partitions.delete(id) || this.latencies.delete(id);
  }

  /** True when some partition in force drops messages from `from` to `to`. */
  blocked(from: NodeId, to: NodeId): boolean {
    for (const blocks of this.partitions.values()) if (blocks(from, to)) return true;
    return false;
  }

  /** Extra one-way latency from every latency fault on either end (they add up). */
  addedLatencyUs(from: NodeId, to: NodeId): number {
    let totalUs = 0;
    for (const fault of this.latencies.values()) {
      if (fault.node === from || fault.node === to) totalUs += fault.addedLatencyUs;
    }
    return totalUs;
  }

  private checkRoom(): void {
    assert(
      this.partitions.size + this.latencies.size < MAX_LINK_FAULTS,
      () => `more than ${MAX_LINK_FAULTS} network faults in force at once: a fault timeline that never heals`,
    );
  }
}

function compile(shape: PartitionShape): Blocks {
  switch (shape.kind) {
    case 'isolate': {
      assert(shape.nodes.length > 0, 'isolate needs at least one node');
      const inside = new Set(shape.nodes);
      return (from, to) => inside.has(from) !== inside.has(to);
    }
    case 'between': {
      assert(shape.groups.length >= 2, () => `a partition between groups needs at least two groups, got ${shape.groups.length}`);
      const groupOf = new Map<NodeId, number>();
      shape.groups.forEach((group, index) => {
        for (const node of group) {
          assert(!groupOf.has(node) || groupOf.get(node) === index, () => `node ${node} is in two groups of one partition`);
          groupOf.set(node, index);
        }
      });
      return (from, to) => {
        const a = groupOf.get(from);
        const b = groupOf.get(to);
        return a !== undefined && b !== undefined && a !== b;
      };
    }
    case 'one-way': {
      assert(shape.from.length > 0 && shape.to.length > 0, 'a one-way partition needs nodes on both sides');
      const senders = new Set(shape.from);
      const receivers = new Set(shape.to);
      return (from, to) => senders.has(from) && receivers.has(to);
    }
  }
}
