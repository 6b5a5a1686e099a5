import { describe, expect, it } from 'vitest';
import { readTraceText } from '../../sim/trace/reader.ts';
import { ClusterFold, reduceEvents } from '../../sim/trace/reduce.ts';
import { smallestIsr, type ClusterState } from '../../sim/trace/state.ts';
import type { TraceEvent, TraceHeader } from '../../sim/trace/format.ts';
import { failoverTraceText, type FailoverOptions } from './failover-trace.ts';

function load(options: FailoverOptions = {}): { header: TraceHeader; events: TraceEvent[] } {
  let header: TraceHeader | null = null;
  const events: TraceEvent[] = [];
  readTraceText(failoverTraceText(options), { header: (h) => (header = h), event: (e) => events.push(e) });
  return { header: header as unknown as TraceHeader, events };
}

const story = load({ lostWrite: true });

function stateAt(timeUs: number): ClusterState {
  return reduceEvents(story.header, story.events.filter((event) => event.t <= timeUs));
}

describe('the reducer on a leader failover', () => {
  it('starts from every machine the scenario names, none started', () => {
    const state = reduceEvents(story.header, []);
    expect([...state.nodes.keys()]).toEqual(['broker-1', 'broker-2', 'broker-3', 'zk-1', 'zk-2', 'zk-3', 'producer-p1']);
    expect(state.nodes.get('broker-2')?.rack).toBe('r2');
    expect([...state.nodes.values()].every((node) => node.status === 'not-started')).toBe(true);
  });

  it('before the crash: all up, controller 1, ZooKeeper 1 leading, every partition led by its preferred replica with a full ISR', () => {
    const state = stateAt(19_000_000);
    expect([...state.nodes.values()].every((node) => node.status === 'up')).toBe(true);
    expect(state.controller).toMatchObject({ broker: 1, epoch: 1 });
    expect(state.zkLeader?.node).toBe('zk-1');
    expect(state.nodes.get('zk-2')?.zkRole).toBe('following');
    const p0 = state.partitions.get('orders/0');
    expect(p0).toMatchObject({ leader: 2, leaderEpoch: 0, isr: [2, 3, 1], phase: 'online' });
    expect(p0?.replicaStates.map((replica) => replica.broker)).toEqual([2, 3, 1]);
    expect(p0?.replicaStates.every((replica) => replica.logEndOffset > 10_000)).toBe(true);
    expect(state.counters.underReplicated).toBe(0);
    expect(smallestIsr(state)).toBe(3);
  });

  it('just after the crash: broker 2 is down but still leader of orders/0 in ZooKeeper, its session still open', () => {
    const state = stateAt(25_000_000);
    const broker2 = state.nodes.get('broker-2');
    expect(broker2).toMatchObject({ status: 'crashed', downHow: 'crash', registered: true });
    expect(broker2?.session?.id).toBe('0x0000000000000102');
    expect(state.partitions.get('orders/0')).toMatchObject({ leader: 2, isr: [2, 3, 1] });
  });

  it('after the leaders shrink their ISRs, the other partitions are under-replicated with an ISR of 2', () => {
    const state = stateAt(31_000_000);
    expect(state.partitions.get('orders/1')?.isr).toEqual([3, 1]);
    expect(state.partitions.get('orders/1')?.lastIsrChange).toMatchObject({ oldIsr: [3, 1, 2], by: 'leader', reason: 'follower-out-of-sync' });
    expect(state.counters.underReplicated).toBe(4);
    expect(state.counters.isrShrinks).toBe(4);
    expect(smallestIsr(state)).toBe(2);
  });

  it('after the session expires: broker 2 unregistered, new leaders for orders/0 and orders/3 in a new epoch with a shrunk ISR', () => {
    const state = stateAt(39_000_000);
    expect(state.nodes.get('broker-2')).toMatchObject({ registered: false, session: null });
    const p0 = state.partitions.get('orders/0');
    expect(p0).toMatchObject({ leader: 3, leaderEpoch: 1, isr: [3, 1], leaderChanges: 1 });
    expect(p0?.lastElection).toMatchObject({ kind: 'clean', reason: 'broker-failure', oldLeader: 2, fromIsr: [2, 3, 1] });
    expect(state.partitions.get('orders/3')).toMatchObject({ leader: 1, leaderEpoch: 1, isr: [1, 3] });
    expect(state.counters.underReplicated).toBe(6);
    expect(state.counters.leaderElections).toBe(8);
  });

  it('after the restart: broker 2 truncates the writes nobody fetched, then rejoins every ISR', () => {
    const restarted = stateAt(46_000_000);
    expect(restarted.nodes.get('broker-2')).toMatchObject({ status: 'up', incarnation: 2, registered: true });
    const replica = restarted.partitions.get('orders/0')?.replicaStates.find((each) => each.broker === 2);
    expect(replica?.lastTruncation).toMatchObject({ removedRecords: 10, reason: 'diverging-epoch' });
    expect(replica?.role).toBe('follower');
    const healed = stateAt(60_000_000);
    expect(healed.counters.underReplicated).toBe(0);
    expect(healed.partitions.get('orders/0')?.isr).toEqual([3, 1, 2]);
    expect(healed.anomalies).toHaveLength(1);
    expect(healed.anomalies[0]).toMatchObject({ kind: 'lost-acked-write', partition: 'orders/0' });
    expect(healed.anomalies[0]?.explanation.events).toHaveLength(3);
  });

  it('sums producer metric samples and keeps the last one', () => {
    const state = stateAt(60_000_000);
    const producer = state.producers.get('p1');
    expect(producer?.acks).toBe('1');
    expect(producer?.lastSample?.timeUs).toBe(60_000_000);
    expect(producer?.sent).toBeGreaterThan(200_000);
    expect(producer?.unknown).toBeGreaterThan(0);
  });
});

describe('the reducer on consumer groups', () => {
  const withGroup = load({ consumers: true });
  const at = (timeUs: number): ClusterState => reduceEvents(withGroup.header, withGroup.events.filter((event) => event.t <= timeUs));

  it('follows the coordinator to a stable generation with each member holding its assignment', () => {
    const group = at(1_000_000).groups.get('billing');
    expect(group).toMatchObject({ state: 'Stable', generation: 1, coordinator: 1, rebalances: 1 });
    expect(group?.assignments).toEqual([
      { member: 'billing/0', generation: 1, partitions: ['orders/0', 'orders/2', 'orders/4'] },
      { member: 'billing/1', generation: 1, partitions: ['orders/1', 'orders/3', 'orders/5'] },
    ]);
  });

  it('keeps the last successfully committed offset of every partition', () => {
    const group = at(11_000_000).groups.get('billing');
    expect(group?.committed.map((entry) => entry.partition)).toEqual(['orders/0', 'orders/2', 'orders/4', 'orders/1', 'orders/3', 'orders/5']);
    const hw = at(10_000_000).partitions.get('orders/0')?.replicaStates[0]?.highWatermark ?? 0;
    expect(group?.committed[0]?.offset).toBe(hw - 200);
  });

  it("drops a member's partitions when it loses them, and the member when it leaves", () => {
    const base = at(1_000_000);
    const lost = reduceEvents(withGroup.header, [
      ...withGroup.events.filter((event) => event.t <= 1_000_000),
      { i: 1e9, t: 1_000_001, k: 'consumer-partitions-lost', group: 'billing', member: 'billing/0', memberId: 'm-0', generation: 1, partitions: ['orders/0'] },
      { i: 1e9 + 1, t: 1_000_002, k: 'consumer-leave', group: 'billing', member: 'billing/1', memberId: 'm-1', reason: 'poll timeout' },
    ]);
    expect(base.groups.get('billing')?.assignments).toHaveLength(2);
    expect(lost.groups.get('billing')?.assignments).toEqual([{ member: 'billing/0', generation: 1, partitions: ['orders/2', 'orders/4'] }]);
  });
});

describe('the reducer with unexpected input', () => {
  const header = story.header;

  it('counts unknown kinds and ignores them, without counting the informational ones', () => {
    const state = reduceEvents(header, [
      { i: 0, t: 0, k: 'quantum-flux', level: 9 },
      { i: 1, t: 1, k: 'quantum-flux' },
      { i: 2, t: 2, k: 'segment-deleted', broker: 1, partition: 'orders/0' },
    ]);
    expect(state.counters.unknown).toBe(2);
    expect(state.unknownKinds.get('quantum-flux')).toBe(2);
    expect(state.position).toBe(3);
  });

  it('skips a known event with a mistyped field and says which field', () => {
    const state = reduceEvents(header, [{ i: 7, t: 0, k: 'leader-election', partition: 'orders/0', newLeader: 'three' }]);
    expect(state.partitions.size).toBe(0);
    expect(state.counters.malformed).toBe(1);
    expect(state.problems[0]).toMatch(/^event 7: a "leader-election" event needs "oldLeader" to be number/);
  });

  it('ignores an ISR change from an older leader epoch than the one already elected', () => {
    const election = { i: 0, t: 0, k: 'leader-election', partition: 't/0', oldLeader: 1, newLeader: 2, leaderEpoch: 5, isr: [2, 3], fromIsr: [1, 2, 3], kind: 'clean', reason: 'broker-failure' };
    const stale = { i: 1, t: 1, k: 'isr-change', partition: 't/0', by: 'leader', leader: 1, leaderEpoch: 4, isr: [1], oldIsr: [1, 2, 3] };
    const state = reduceEvents(null, [election, stale]);
    expect(state.partitions.get('t/0')).toMatchObject({ leader: 2, leaderEpoch: 5, isr: [2, 3] });
  });

  it('keeps a topic name with markup as plain data', () => {
    const name = '<script>alert(1)</script>';
    const state = reduceEvents(null, [{ i: 0, t: 0, k: 'topic-created', topic: name, partitions: 1, replicationFactor: 1, assignment: [[1]] }]);
    expect(state.partitions.get(`${name}/0`)?.topic).toBe(name);
  });

  it('resumes from a snapshot to the same state as folding from the start', () => {
    const fold = new ClusterFold(header);
    const half = Math.floor(story.events.length / 2);
    story.events.slice(0, half).forEach((event) => fold.apply(event));
    const resumed = new ClusterFold(header, fold.snapshot());
    story.events.slice(half).forEach((event) => {
      fold.apply(event);
      resumed.apply(event);
    });
    expect(resumed.snapshot()).toEqual(fold.snapshot());
  });
});
