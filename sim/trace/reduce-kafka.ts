// How Kafka's events move the picture: topics and their partitions (topic-created), the
// controller's decisions as written to ZooKeeper (leader-election, partition-offline, isr-change:
// leader, leader epoch, ISR), what each broker applied (leader-and-isr: its own role), each
// replica's log end offset and high watermark (replica-offsets, coalesced by the emitter), and
// every truncation or log recovery that removed records.
//
// An isr-change from an older leader epoch than the one already known arrives after a newer
// election and is ignored, as Kafka fences it by zkVersion; a leader-and-isr carrying a newer
// leader epoch than any election seen (a trace cut at the start) is taken as the new state.

import type { EventOf } from './format.ts';
import { newPartition, type Working } from './fold.ts';
import type { PartitionState } from './state.ts';

export function topicCreated(working: Working, event: EventOf<'topic-created'>): void {
  working.topics.set(event.topic, { name: event.topic, partitions: event.partitions, replicationFactor: event.replicationFactor, createdUs: event.t });
  for (let index = 0; index < event.partitions; index++) {
    const name = `${event.topic}/${index}`;
    const replicas = event.assignment[index] ?? [];
    const existing = working.partitions.get(name);
    if (existing === undefined) working.setPartition(newPartition(name, event.topic, index, replicas, event.t));
  }
}

export function leaderElection(working: Working, event: EventOf<'leader-election'>): void {
  const partition = working.partition(event.partition);
  const changed = event.newLeader !== event.oldLeader && event.reason !== 'new-partition';
  working.setPartition({
    ...partition,
    leader: event.newLeader,
    leaderEpoch: event.leaderEpoch,
    isr: event.isr,
    phase: 'online',
    offlineReason: null,
    phaseSinceUs: partition.phase === 'online' ? partition.phaseSinceUs : event.t,
    leaderChanges: partition.leaderChanges + (changed ? 1 : 0),
    lastElection: { timeUs: event.t, seq: event.i, kind: event.kind, reason: event.reason, oldLeader: event.oldLeader, fromIsr: event.fromIsr },
  });
  working.counters.leaderElections++;
  if (event.kind === 'unclean') working.counters.uncleanElections++;
}

export function partitionOffline(working: Working, event: EventOf<'partition-offline'>): void {
  const partition = working.partition(event.partition);
  working.setPartition({
    ...partition,
    leader: event.leader,
    leaderEpoch: Math.max(partition.leaderEpoch, event.leaderEpoch),
    isr: event.isr,
    phase: 'offline',
    offlineReason: event.reason,
    phaseSinceUs: partition.phase === 'offline' ? partition.phaseSinceUs : event.t,
  });
}

export function isrChange(working: Working, event: EventOf<'isr-change'>): void {
  const partition = working.partition(event.partition);
  if (event.leaderEpoch < partition.leaderEpoch) return;
  if (event.isr.length < event.oldIsr.length) working.counters.isrShrinks++;
  else if (event.isr.length > event.oldIsr.length) working.counters.isrExpands++;
  const noLeader = event.leader === -1;
  working.setPartition({
    ...partition,
    leader: event.leader,
    leaderEpoch: event.leaderEpoch,
    isr: event.isr,
    phase: noLeader ? 'offline' : 'online',
    offlineReason: noLeader ? (partition.offlineReason ?? 'no-leader') : null,
    phaseSinceUs: (partition.phase === 'offline') === noLeader ? partition.phaseSinceUs : event.t,
    lastIsrChange: { timeUs: event.t, seq: event.i, oldIsr: event.oldIsr, by: event.by, reason: typeof event.reason === 'string' ? event.reason : null },
  });
}

export function leaderAndIsr(working: Working, event: EventOf<'leader-and-isr'>): void {
  if (typeof event.role !== 'string') return;
  let partition: PartitionState = working.partition(event.partition);
  if (!sameList(partition.replicas, event.replicas)) {
    partition = { ...partition, replicas: event.replicas };
    working.setPartition(partition);
  }
  if (event.leaderEpoch > partition.leaderEpoch) {
    partition = { ...partition, leader: event.leader, leaderEpoch: event.leaderEpoch, isr: event.isr, phase: 'online', offlineReason: null };
    working.setPartition(partition);
  }
  working.setReplica(partition, event.broker, { role: event.role, leaderEpoch: event.leaderEpoch });
}

export function replicaOffsets(working: Working, event: EventOf<'replica-offsets'>): void {
  working.setReplica(working.partition(event.partition), event.broker, {
    role: event.role,
    logStartOffset: event.logStartOffset,
    logEndOffset: event.logEndOffset,
    highWatermark: event.highWatermark,
    leaderEpoch: event.leaderEpoch,
  });
}

/** A truncation (`truncation`) or a log recovery after power loss (`log-recovered`). */
export function truncated(working: Working, event: EventOf<'truncation'> | EventOf<'log-recovered'>): void {
  const partition = working.partition(event.partition);
  const replica = partition.replicaStates.find((each) => each.broker === event.broker);
  const reason = event.k === 'truncation' ? event.reason : 'log recovery';
  working.setReplica(partition, event.broker, {
    logEndOffset: event.toLogEndOffset,
    highWatermark: Math.min(replica?.highWatermark ?? 0, event.toLogEndOffset),
    lastTruncation: { timeUs: event.t, seq: event.i, fromOffset: event.fromLogEndOffset, toOffset: event.toLogEndOffset, removedRecords: event.removedRecords, reason },
  });
  working.counters.truncations++;
  working.counters.truncatedRecords += event.removedRecords;
}

export function controllerElected(working: Working, event: EventOf<'controller'>): void {
  working.controller = { broker: event.broker, epoch: event.epoch, sinceUs: event.t, sinceSeq: event.i };
  working.counters.controllerChanges++;
}

export function controllerResigned(working: Working, event: EventOf<'controller-resigned'>): void {
  if (working.controller?.broker === event.broker) working.controller = null;
}

export function brokerRegistered(working: Working, event: EventOf<'broker-registered'>): void {
  const change = { registered: true, brokerEpoch: event.brokerEpoch };
  const rack = typeof event.rack === 'string' ? { rack: event.rack } : {};
  working.updateNode(`broker-${event.broker}`, { ...change, ...rack });
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}
