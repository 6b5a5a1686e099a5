import { describe, it, expect } from 'vitest';
import { InvariantMonitor, type PartitionSnapshot, type ReplicaSnapshot } from '../../sim/check/invariants.ts';
import { PartitionLog } from '../../sim/kafka/log.ts';

const P = 'orders/0';

function appendTo(log: PartitionLog<string>, payload: string): void {
  log.append({
    recordCount: 1,
    leaderEpoch: 0,
    producerId: -1,
    producerEpoch: -1,
    baseSequence: -1,
    sizeBytes: 10,
    appendTimeUs: 0,
    maxTimestampUs: 0,
    payload,
  });
}

function logOf(payloads: readonly string[]): PartitionLog<string> {
  const log = new PartitionLog<string>();
  for (const payload of payloads) appendTo(log, payload);
  return log;
}

function replica(brokerId: number, log: PartitionLog<string>, overrides: Partial<ReplicaSnapshot> = {}): ReplicaSnapshot {
  return { brokerId, incarnation: 0, role: 'follower', leaderEpoch: 1, highWatermark: 0, log, ...overrides };
}

function snapshot(replicas: ReplicaSnapshot[], zk: PartitionSnapshot['zk'] = { leader: 1, leaderEpoch: 1, isr: [1, 2] }): PartitionSnapshot {
  return { partition: P, zk, replicas };
}

const names = (violations: readonly { invariant: string }[]): string[] => violations.map((v) => v.invariant);

describe('StrongIsr', () => {
  it('holds when every ISR member has the leader\'s records below its HW', () => {
    const monitor = new InvariantMonitor();
    const leader = replica(1, logOf(['a', 'b', 'c']), { role: 'leader', highWatermark: 2 });
    expect(monitor.observePartition(snapshot([leader, replica(2, logOf(['a', 'b']))]))).toEqual([]);
  });

  it('breaks when an ISR member lacks a record below the HW, or holds a different one', () => {
    const leader = replica(1, logOf(['a', 'b']), { role: 'leader', highWatermark: 2 });
    const short = new InvariantMonitor().observePartition(snapshot([leader, replica(2, logOf(['a']))]));
    expect(short).toEqual([expect.objectContaining({ invariant: 'StrongIsr', partition: P })]);
    expect(short[0]!.detail).toMatch(/member 2 lacks offset 1/);
    const other = new InvariantMonitor().observePartition(snapshot([leader, replica(2, logOf(['a', 'x']))]));
    expect(other[0]!.detail).toMatch(/member 2 has \[1\.\.1\] epoch 0 "x" where leader 1 has \[1\.\.1\] epoch 0 "b"/);
  });

  it('names producer records in its detail as the history does (p1#7), not as raw payloads', () => {
    const records = (firstRecord: number) => ({ kind: 'records', producer: 'p1', firstRecord, count: 1 });
    const logOfRecords = (firsts: readonly number[]): PartitionLog<string> => {
      const log = new PartitionLog<string>();
      for (const first of firsts) appendTo(log, records(first) as unknown as string);
      return log;
    };
    const leader = replica(1, logOfRecords([0, 1]), { role: 'leader', highWatermark: 2 });
    const [violation] = new InvariantMonitor().observePartition(snapshot([leader, replica(2, logOfRecords([0, 7]))]));
    expect(violation!.detail).toMatch(/member 2 has \[1\.\.1\] epoch 0 p1#7 where leader 1 has \[1\.\.1\] epoch 0 p1#1,/);
  });

  it('ignores replicas outside the ISR and records at or above the HW', () => {
    const leader = replica(1, logOf(['a', 'b']), { role: 'leader', highWatermark: 1 });
    const monitor = new InvariantMonitor();
    expect(monitor.observePartition(snapshot([leader, replica(2, logOf(['a', 'x'])), replica(3, logOf([]))]))).toEqual([]);
  });

  it('reports a violation once while it lasts, and again if it returns', () => {
    const monitor = new InvariantMonitor();
    const member = logOf(['a']);
    const leader = replica(1, logOf(['a', 'b']), { role: 'leader', highWatermark: 2 });
    const observe = () => monitor.observePartition(snapshot([leader, replica(2, member)]));
    expect(names(observe())).toEqual(['StrongIsr']);
    expect(observe()).toEqual([]);
    appendTo(member, 'b');
    expect(observe()).toEqual([]);
    member.truncateTo(1);
    expect(names(observe())).toEqual(['StrongIsr']);
  });

  it('notices a member that replaced already-checked records', () => {
    const monitor = new InvariantMonitor();
    const member = logOf(['a', 'b']);
    const leaderLog = logOf(['a', 'b']);
    const leader = () => replica(1, leaderLog, { role: 'leader', highWatermark: 2 });
    expect(monitor.observePartition(snapshot([leader(), replica(2, member)]))).toEqual([]);
    member.truncateTo(1);
    appendTo(member, 'z');
    expect(names(monitor.observePartition(snapshot([leader(), replica(2, member)])))).toEqual(['StrongIsr']);
  });

  it('notices a replacement after quiet checks that no longer look batches up', () => {
    const monitor = new InvariantMonitor();
    const member = logOf(['a', 'b']);
    const leaderLog = logOf(['a', 'b']);
    const observe = () => monitor.observePartition(snapshot([replica(1, leaderLog, { role: 'leader', highWatermark: 2 }), replica(2, member)]));
    for (let check = 0; check < 3; check++) expect(observe()).toEqual([]);
    member.truncateTo(0);
    expect(member.truncationCount).toBe(1);
    appendTo(member, 'a');
    appendTo(member, 'q');
    expect(names(observe())).toEqual(['StrongIsr']);
    // A truncation at the log end removes nothing and is not counted.
    leaderLog.truncateTo(leaderLog.logEndOffset);
    expect(leaderLog.truncationCount).toBe(0);
  });
});

describe('LeaderInIsr, HwMonotonic, OneLeaderPerEpoch, EpochsGrow', () => {
  it('reports a ZooKeeper leader outside the ZooKeeper ISR', () => {
    const violations = new InvariantMonitor().observePartition(snapshot([], { leader: 3, leaderEpoch: 2, isr: [1, 2] }));
    expect(names(violations)).toEqual(['LeaderInIsr']);
    expect(new InvariantMonitor().observePartition(snapshot([], { leader: -1, leaderEpoch: 2, isr: [1] }))).toEqual([]);
  });

  it('reports a leader whose HW goes down within its epoch, not across a new epoch', () => {
    const monitor = new InvariantMonitor();
    const log = logOf(['a', 'b', 'c']);
    monitor.observePartition(snapshot([replica(1, log, { role: 'leader', highWatermark: 3 })]));
    expect(names(monitor.observePartition(snapshot([replica(1, log, { role: 'leader', highWatermark: 2 })]))))
      .toEqual(['HwMonotonic']);
    const nextEpoch = replica(1, log, { role: 'leader', leaderEpoch: 2, highWatermark: 1 });
    expect(monitor.observePartition(snapshot([nextEpoch], { leader: 1, leaderEpoch: 2, isr: [1] }))).toEqual([]);
  });

  it('reports two brokers leading the same epoch, once', () => {
    const monitor = new InvariantMonitor();
    const both = snapshot([
      replica(1, logOf([]), { role: 'leader', leaderEpoch: 4 }),
      replica(2, logOf([]), { role: 'leader', leaderEpoch: 4 }),
    ], { leader: 1, leaderEpoch: 4, isr: [1] });
    expect(names(monitor.observePartition(both))).toEqual(['OneLeaderPerEpoch']);
    expect(monitor.observePartition(both)).toEqual([]);
  });

  it('reports leader and controller epochs that go down, except across a broker restart', () => {
    const monitor = new InvariantMonitor();
    const log = logOf([]);
    monitor.observePartition(snapshot([replica(2, log, { leaderEpoch: 5 })], { leader: 1, leaderEpoch: 5, isr: [1] }));
    const back = monitor.observePartition(snapshot([replica(2, log, { leaderEpoch: 4 })], { leader: 1, leaderEpoch: 4, isr: [1] }));
    expect(names(back)).toEqual(['EpochsGrow', 'EpochsGrow']);
    const restarted = replica(2, log, { leaderEpoch: -1, incarnation: 1 });
    expect(monitor.observePartition(snapshot([restarted], { leader: 1, leaderEpoch: 5, isr: [1] }))).toEqual([]);
    expect(monitor.observeControllerEpoch(3)).toEqual([]);
    expect(monitor.observeControllerEpoch(2)).toEqual([
      { invariant: 'EpochsGrow', partition: null, detail: 'controller epoch went from 3 to 2' },
    ]);
  });
});
