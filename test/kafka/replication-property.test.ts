// The safety property of today's replication (`kip-320`): under random interleavings of appends,
// fetches, reordered and delayed messages, ISR-consistent leader elections, ISR shrinks and
// follower restarts (process crashes: the page cache survives), no record that was below the high
// watermark of the current leader is ever lost, StrongIsr and the other live invariants hold, and
// once the faults stop and every message is delivered all replicas converge on the leader's log.
//
// Replay a failure with FC_SEED=<seed> (fast-check prints the seed and path).

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ReplicationCluster } from './replication-cluster.ts';

const BROKERS = [1, 2, 3];
/** Heal-phase fetch rounds after which the replicas must have converged. */
const CONVERGENCE_ROUNDS = 40;

type Op =
  | { readonly kind: 'produce'; readonly pick: number }
  | { readonly kind: 'send'; readonly broker: number }
  | { readonly kind: 'round-trip'; readonly broker: number }
  | { readonly kind: 'deliver'; readonly pick: number }
  | { readonly kind: 'elect'; readonly pick: number }
  | { readonly kind: 'restart'; readonly broker: number }
  | { readonly kind: 'checkpoint'; readonly broker: number }
  | { readonly kind: 'advance'; readonly ms: number };

const broker = fc.constantFrom(...BROKERS);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('produce' as const), pick: fc.nat(5) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('send' as const), broker }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('round-trip' as const), broker }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat(20) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('elect' as const), pick: fc.nat(5) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const), broker }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('checkpoint' as const), broker }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 15_000 }) }) },
);

function apply(cluster: ReplicationCluster, step: Op, label: string): void {
  switch (step.kind) {
    case 'produce': {
      const leaders = BROKERS.filter((id) => cluster.isAlive(id) && cluster.partition(id).role === 'leader');
      const on = leaders[step.pick % Math.max(1, leaders.length)];
      if (on !== undefined) cluster.produce(label, on);
      return;
    }
    case 'send':
      cluster.send(step.broker);
      return;
    case 'round-trip':
      cluster.roundTrip(step.broker);
      return;
    case 'deliver':
      if (cluster.inFlight.length > 0) cluster.deliver(step.pick % cluster.inFlight.length);
      return;
    case 'elect':
      cluster.elect(cluster.zk.isr[step.pick % cluster.zk.isr.length]!);
      return;
    case 'restart':
      if (step.broker !== cluster.zk.leader) cluster.restart(step.broker);
      return;
    case 'checkpoint':
      cluster.checkpoint(step.broker);
      return;
    case 'advance':
      cluster.advanceMs(step.ms);
  }
}

/** The replica that leads legitimately: the ZooKeeper leader, leading in the ZooKeeper epoch. */
function legitimateLeader(cluster: ReplicationCluster): number | undefined {
  const id = cluster.zk.leader;
  const partition = cluster.partition(id);
  const legit = partition.role === 'leader' && partition.leaderEpoch === cluster.zk.leaderEpoch;
  return legit ? id : undefined;
}

/** Records what the legitimate leader has committed, and fails if it lacks anything committed before. */
function checkCommitted(cluster: ReplicationCluster, committed: string[]): void {
  const leader = legitimateLeader(cluster);
  if (leader === undefined) return;
  const log = cluster.logOf(leader);
  expect(log.slice(0, committed.length), `leader ${leader} lost committed records`).toEqual(committed);
  const highWatermark = cluster.partition(leader).highWatermark;
  for (let offset = committed.length; offset < highWatermark; offset++) committed.push(log[offset]!);
}

function heal(cluster: ReplicationCluster): void {
  cluster.deliverAll();
  for (let round = 0; round < CONVERGENCE_ROUNDS; round++) cluster.replicate(1);
}

describe('kip-320 replication under random schedules', () => {
  it('never loses a committed record, keeps StrongIsr, and converges once healed', () => {
    const seed = Number(process.env.FC_SEED ?? 320);
    fc.assert(
      fc.property(fc.array(op, { minLength: 30, maxLength: 150, size: 'max' }), (ops) => {
        const cluster = new ReplicationCluster({
          brokers: BROKERS.length,
          protocol: 'kip-320',
          replicaLagTimeMaxMs: 10_000,
          async: true,
        });
        cluster.elect(1, { isr: BROKERS });
        cluster.deliverAll();
        const committed: string[] = [];
        ops.forEach((step, i) => {
          apply(cluster, step, `r${i}`);
          checkCommitted(cluster, committed);
        });
        heal(cluster);
        checkCommitted(cluster, committed);
        expect(cluster.violations).toEqual([]);
        const leaderLog = cluster.logOf(cluster.zk.leader);
        for (const id of BROKERS) expect(cluster.logOf(id), `broker ${id} after healing`).toEqual(leaderLog);
      }),
      { seed, numRuns: 400 },
    );
  });
});
