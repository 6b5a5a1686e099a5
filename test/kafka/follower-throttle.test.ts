// A follower whose writes Linux throttles (vm.dirty_ratio, sim/hw/disk.ts) waits once per fetch
// for the machine's dirty excess to drain, as balance_dirty_pages makes the fetcher thread wait:
// not once per batch it appends, which would multiply the wait by the batches in a fetch and
// starve the follower far below its disk's speed.

import { describe, expect, it } from 'vitest';
import { resolveHardwareProfile } from '../../sim/hw/profiles.ts';
import { brokerNodeId } from '../../sim/kafka/broker-config.ts';
import { ClusterWorld } from './cluster-builder.ts';

const GIB = 1024 ** 3;
const BATCH_BYTES = 64 * 1024;
/** 64 MiB of page cache beside the 6 GiB heap: writers are throttled past ~13 MB dirty. */
const SMALL_CACHE = resolveHardwareProfile('ssd-10g', { ramBytes: 6 * GIB + 64 * 1024 * 1024 });

describe('a follower throttled by dirty-page writeback', () => {
  it('keeps writing at about its disk speed, and catches up once the disk recovers', () => {
    const cluster = ClusterWorld.build({ brokers: 2, hardware: SMALL_CACHE, detail: 'standard' });
    cluster.runFor('3s');
    cluster.createTopic({ name: 't', partitions: 1, replicationFactor: 2 });
    const leader = cluster.leaderOf('t/0');
    const follower = leader === 1 ? 2 : 1;
    const logEnd = (broker: number): number => cluster.broker(broker).server!.replicaManager.partitions.get('t/0')!.log.logEndOffset;
    // The follower's disk writes 1 MB/s; the leader takes 65 MB (1,000 batches, ~16 per fetch).
    const slow = cluster.world.slowDisk(brokerNodeId(follower), 1000);
    for (let i = 0; i < 1000; i++) cluster.produce('t/0', { records: 1, bytes: BATCH_BYTES, acks: 1 });
    const behind = logEnd(follower);
    cluster.runFor('5s');
    const writtenBytes = (logEnd(follower) - behind) * BATCH_BYTES;
    expect(logEnd(follower)).toBeLessThan(logEnd(leader));
    expect(writtenBytes).toBeGreaterThan(2_000_000);
    cluster.world.heal(slow);
    cluster.runFor('3s');
    expect(logEnd(follower)).toBe(logEnd(leader));
  });
});
