// Property: a consumer never reads above the high watermark. Under random leader crashes and
// isolations (acks=all, min.insync.replicas=2, unclean election off) and random consumer crashes,
// every record a poll returned lies below the high watermark its fetch response carried, and is in
// the final committed log at that offset — the consumer never saw data that was later truncated
// away. The history checker agrees (no read-above-hw, no read-truncated, no poll skips), and every
// commit strategy but commit-before-processing loses nothing to the group (at-least-once).
//
// Replay a failure with FC_SEED=<seed> (fast-check prints the seed and path).

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { CommitStrategy } from '../../sim/clients/consumer-config.ts';
import { brokerNodeId } from '../../sim/kafka/broker-config.ts';
import { GroupWorld, TOPIC } from './consumer-world.ts';

type Fault =
  | { readonly kind: 'crash-leader'; readonly partition: number; readonly atMs: number; readonly forMs: number }
  | { readonly kind: 'isolate-leader'; readonly partition: number; readonly atMs: number; readonly forMs: number }
  | { readonly kind: 'crash-consumer'; readonly member: number; readonly atMs: number; readonly forMs: number };

const timing = { atMs: fc.integer({ min: 500, max: 12_000 }), forMs: fc.integer({ min: 500, max: 15_000 }) };
const fault: fc.Arbitrary<Fault> = fc.oneof(
  fc.record({ kind: fc.constant('crash-leader' as const), partition: fc.nat(2), ...timing }),
  fc.record({ kind: fc.constant('isolate-leader' as const), partition: fc.nat(2), ...timing }),
  fc.record({ kind: fc.constant('crash-consumer' as const), member: fc.nat(1), ...timing }),
);
const commit: fc.Arbitrary<CommitStrategy> = fc.constantFrom('auto', 'sync', 'async', 'before-processing', 'on-revoke');

/** Schedules `f` relative to now; the cluster's leaders are looked up when it fires. */
function schedule(run: GroupWorld, f: Fault): void {
  const { world, scheduler } = run.cluster;
  const atUs = scheduler.now + f.atMs * 1000;
  scheduler.scheduleAt(atUs, () => {
    if (f.kind === 'crash-consumer') {
      run.member(f.member).crash();
      scheduler.schedule(f.forMs * 1000, () => run.member(f.member).restart());
      return;
    }
    const leader = run.cluster.leaderOf(`${TOPIC}/${f.partition}`);
    if (leader < 0) return;
    if (f.kind === 'crash-leader') {
      run.cluster.broker(leader).crash();
      scheduler.schedule(f.forMs * 1000, () => run.cluster.broker(leader).restart());
    } else {
      const id = world.partition({ kind: 'isolate', nodes: [brokerNodeId(leader)] });
      scheduler.schedule(f.forMs * 1000, () => world.heal(id));
    }
  });
}

describe('consumers under faults', () => {
  it('never read above the high watermark, nor anything later truncated', () => {
    const seed = Number(process.env.FC_SEED ?? 2024);
    fc.assert(
      fc.property(fc.nat(1000), commit, fc.array(fault, { minLength: 1, maxLength: 3 }), (runSeed, strategy, faults) => {
        const run = GroupWorld.build({
          seed: runSeed + 1,
          partitions: 3,
          rate: 300,
          config: { 'min.insync.replicas': 2 },
          // A JoinGroup answer lost to a partition is waited for max.poll.interval.ms + 5 s; keep it short.
          group: { members: 2, commit: strategy, config: { 'enable.auto.commit': strategy === 'auto', 'fetch.min.bytes': 10_000, 'max.poll.interval.ms': 15_000 } },
        });
        for (const f of faults) schedule(run, f);
        // Faults end by 27 s; a follower cut off mid-fetch waits replica.socket.timeout.ms (30 s) to retry.
        run.runFor('75s');
        expect(run.members.some((member) => member.history.polled > 0)).toBe(true);
        for (const member of run.members) {
          for (const op of member.history.ops) {
            if (op.type !== 'poll') continue;
            for (const read of op.reads) {
              for (const span of read.spans) expect(span.offset + span.count, `${member.name} at ${op.timeUs} µs on ${read.partition}`).toBeLessThanOrEqual(read.highWatermark!);
            }
          }
        }
        const report = run.check();
        const counts = Object.fromEntries(report.checks.map((check) => [check.kind, check.count]));
        expect([counts['read-above-hw'], counts['read-truncated'], counts['poll-skip'], counts['nonmonotonic-poll']]).toEqual([0, 0, 0, 0]);
        // Every strategy but commit-before-processing is at-least-once.
        if (strategy !== 'before-processing') expect(report.groups[0]!.lost).toBe(0);
      }),
      { seed, numRuns: 5 },
    );
  });
});
