// The trace events the explanations read, indexed once per check by partition and by kind.
//
// TRACE_EVENT_MAP is the single place that names the emitters' event kinds and fields: each
// logical event the explanations use maps to the emitter's `k` and the field that holds each
// value. If an emitter renames a kind or a field, change it here and nowhere else. The emitters
// today: the controller (sim/kafka/partition-state-machine.ts: leader-election and
// partition-offline; replica-state-machine.ts: controller-made isr-change), the brokers
// (sim/kafka/replica-trace.ts: leader-made isr-change, truncation; log-manager.ts: log-recovered
// after an unclean shutdown), the nemesis (sim/faults/nemesis.ts: fault), the machines
// (sim/hw/machine.ts: node-down) and ZooKeeper (sim/zk/commit-ledger.ts: zk-session, whose `op`
// is 'expired' for an expiry). Events of other kinds are skipped, so the index stays small even
// for a trace of millions of events.

import type { TraceEvent } from '../core/trace.ts';
import { brokerNodeId } from '../kafka/broker-config.ts';
import type { PartitionName } from '../kafka/protocol.ts';

export const TRACE_EVENT_MAP = {
  election: {
    kind: 'leader-election',
    fields: { partition: 'partition', leader: 'newLeader', previousLeader: 'oldLeader', leaderEpoch: 'leaderEpoch', isr: 'isr', fromIsr: 'fromIsr', electionKind: 'kind', reason: 'reason' },
  },
  isrChange: {
    kind: 'isr-change',
    fields: { partition: 'partition', isr: 'isr', previousIsr: 'oldIsr', leader: 'leader', leaderEpoch: 'leaderEpoch', by: 'by', reason: 'reason' },
  },
  truncation: {
    kind: 'truncation',
    fields: { partition: 'partition', broker: 'broker', fromOffset: 'fromLogEndOffset', toOffset: 'toLogEndOffset', removedRecords: 'removedRecords', reason: 'reason', mode: 'protocol' },
  },
  logRecovery: {
    kind: 'log-recovered',
    fields: { partition: 'partition', broker: 'broker', fromOffset: 'fromLogEndOffset', toOffset: 'toLogEndOffset', removedRecords: 'removedRecords' },
  },
  partitionOffline: { kind: 'partition-offline', fields: { partition: 'partition', isr: 'isr', reason: 'reason' } },
  fault: { kind: 'fault', fields: { fault: 'fault', faultKind: 'kind', target: 'target', nodes: 'nodes' } },
  nodeDown: { kind: 'node-down', fields: { node: 'node', how: 'how' } },
  sessionExpiry: { kind: 'zk-session', fields: { op: 'op', owner: 'owner' }, when: { op: 'expired' } },
} as const;

/** The simulated machine a broker runs on ("broker-2"); faults and node events name nodes. */
export function brokerNode(broker: number): string {
  return brokerNodeId(broker);
}

interface Stamp {
  readonly i: number;
  readonly t: number;
}

export interface ElectionEvent extends Stamp {
  readonly partition: PartitionName;
  readonly leader: number;
  readonly previousLeader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  readonly fromIsr: readonly number[];
  readonly electionKind: string;
  readonly reason: string;
}

export interface IsrChangeEvent extends Stamp {
  readonly partition: PartitionName;
  readonly isr: readonly number[];
  readonly previousIsr: readonly number[] | null;
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly by: string;
  readonly reason: string | null;
}

/** A truncation, or a log recovery that dropped a torn or lost tail (`recovery`). */
export interface TruncationEvent extends Stamp {
  readonly partition: PartitionName;
  readonly broker: number;
  readonly fromOffset: number;
  readonly toOffset: number;
  readonly removedRecords: number;
  readonly reason: string;
  readonly mode: string | null;
  readonly recovery: boolean;
}

export interface OfflineEvent extends Stamp {
  readonly partition: PartitionName;
  readonly isr: readonly number[];
  readonly reason: string;
}

export interface FaultEvent extends Stamp {
  readonly fault: number;
  readonly faultKind: string;
  readonly target: string;
  readonly nodes: readonly string[];
}

export interface NodeDownEvent extends Stamp {
  readonly node: string;
  readonly how: string;
}

export interface SessionExpiryEvent extends Stamp {
  readonly owner: string;
}

export type IndexedEvent =
  | ({ readonly type: 'election' } & ElectionEvent)
  | ({ readonly type: 'isr-change' } & IsrChangeEvent)
  | ({ readonly type: 'truncation' } & TruncationEvent)
  | ({ readonly type: 'offline' } & OfflineEvent)
  | ({ readonly type: 'fault' } & FaultEvent)
  | ({ readonly type: 'node-down' } & NodeDownEvent)
  | ({ readonly type: 'session-expiry' } & SessionExpiryEvent);

interface PartitionEvents {
  readonly elections: ElectionEvent[];
  readonly isrChanges: IsrChangeEvent[];
  readonly truncations: TruncationEvent[];
  readonly offline: OfflineEvent[];
}

const NONE: PartitionEvents = { elections: [], isrChanges: [], truncations: [], offline: [] };

function field(event: TraceEvent, name: string): unknown {
  return event[name];
}

function num(event: TraceEvent, name: string, fallback = -1): number {
  const value = field(event, name);
  return typeof value === 'number' ? value : fallback;
}

function str(event: TraceEvent, name: string): string | null {
  const value = field(event, name);
  return typeof value === 'string' ? value : null;
}

function ids(event: TraceEvent, name: string): number[] {
  const value = field(event, name);
  return Array.isArray(value) ? value.filter((x): x is number => typeof x === 'number') : [];
}

function names(event: TraceEvent, name: string): string[] {
  const value = field(event, name);
  return Array.isArray(value) ? value.filter((x): x is string => typeof x === 'string') : [];
}

export class TraceIndex {
  private readonly partitions = new Map<PartitionName, PartitionEvents>();
  readonly faults: FaultEvent[] = [];
  readonly nodeDowns: NodeDownEvent[] = [];
  readonly sessionExpiries: SessionExpiryEvent[] = [];

  constructor(events: Iterable<TraceEvent>) {
    for (const event of events) this.add(event);
  }

  events(partition: PartitionName): PartitionEvents {
    return this.partitions.get(partition) ?? NONE;
  }

  private add(e: TraceEvent): void {
    const m = TRACE_EVENT_MAP;
    const stamp = { i: e.i, t: e.t };
    switch (e.k) {
      case m.election.kind: {
        const f = m.election.fields;
        this.of(e, f.partition).elections.push({
          ...stamp, partition: str(e, f.partition)!, leader: num(e, f.leader), previousLeader: num(e, f.previousLeader),
          leaderEpoch: num(e, f.leaderEpoch), isr: ids(e, f.isr), fromIsr: ids(e, f.fromIsr),
          electionKind: str(e, f.electionKind) ?? 'clean', reason: str(e, f.reason) ?? '',
        });
        return;
      }
      case m.isrChange.kind: {
        const f = m.isrChange.fields;
        this.of(e, f.partition).isrChanges.push({
          ...stamp, partition: str(e, f.partition)!, isr: ids(e, f.isr),
          previousIsr: Array.isArray(field(e, f.previousIsr)) ? ids(e, f.previousIsr) : null,
          leader: num(e, f.leader), leaderEpoch: num(e, f.leaderEpoch), by: str(e, f.by) ?? '', reason: str(e, f.reason),
        });
        return;
      }
      case m.truncation.kind:
      case m.logRecovery.kind: {
        const recovery = e.k === m.logRecovery.kind;
        const f = recovery ? m.logRecovery.fields : m.truncation.fields;
        this.of(e, f.partition).truncations.push({
          ...stamp, partition: str(e, f.partition)!, broker: num(e, f.broker), fromOffset: num(e, f.fromOffset),
          toOffset: num(e, f.toOffset), removedRecords: num(e, f.removedRecords, 0),
          reason: recovery ? 'log recovery' : (str(e, m.truncation.fields.reason) ?? ''),
          mode: recovery ? null : str(e, m.truncation.fields.mode), recovery,
        });
        return;
      }
      case m.partitionOffline.kind: {
        const f = m.partitionOffline.fields;
        this.of(e, f.partition).offline.push({ ...stamp, partition: str(e, f.partition)!, isr: ids(e, f.isr), reason: str(e, f.reason) ?? '' });
        return;
      }
      default:
        this.addNodeEvent(e, stamp);
    }
  }

  private addNodeEvent(e: TraceEvent, stamp: Stamp): void {
    const m = TRACE_EVENT_MAP;
    if (e.k === m.fault.kind) {
      const f = m.fault.fields;
      this.faults.push({ ...stamp, fault: num(e, f.fault), faultKind: str(e, f.faultKind) ?? '', target: str(e, f.target) ?? '', nodes: names(e, f.nodes) });
    } else if (e.k === m.nodeDown.kind) {
      this.nodeDowns.push({ ...stamp, node: str(e, m.nodeDown.fields.node) ?? '', how: str(e, m.nodeDown.fields.how) ?? '' });
    } else if (e.k === m.sessionExpiry.kind && field(e, m.sessionExpiry.fields.op) === m.sessionExpiry.when.op) {
      this.sessionExpiries.push({ ...stamp, owner: String(field(e, m.sessionExpiry.fields.owner) ?? '') });
    }
  }

  /** The partition's lists; an event without a partition name goes to '' (never asked for). */
  private of(e: TraceEvent, partitionField: string): PartitionEvents {
    const partition = str(e, partitionField) ?? '';
    let events = this.partitions.get(partition);
    if (events === undefined) this.partitions.set(partition, (events = { elections: [], isrChanges: [], truncations: [], offline: [] }));
    return events;
  }
}

/** The last event at or before `timeUs` (lists are in trace order, so in time order). */
export function lastAtOrBefore<E extends Stamp>(list: readonly E[], timeUs: number, accept: (event: E) => boolean = () => true): E | undefined {
  let high = firstAfter(list, timeUs) - 1;
  while (high >= 0 && !accept(list[high]!)) high--;
  return list[high];
}

/** The first event at or after `timeUs` that `accept`s, and not after `untilUs`. */
export function firstAtOrAfter<E extends Stamp>(list: readonly E[], timeUs: number, untilUs = Number.MAX_SAFE_INTEGER, accept: (event: E) => boolean = () => true): E | undefined {
  for (let k = firstAtOrAfterIndex(list, timeUs); k < list.length && list[k]!.t <= untilUs; k++) {
    if (accept(list[k]!)) return list[k];
  }
  return undefined;
}

/** Events with fromUs ≤ t ≤ toUs, at most `limit` of them (the first ones). */
export function between<E extends Stamp>(list: readonly E[], fromUs: number, toUs: number, limit: number): E[] {
  const found: E[] = [];
  for (let k = firstAtOrAfterIndex(list, fromUs); k < list.length && list[k]!.t <= toUs && found.length < limit; k++) found.push(list[k]!);
  return found;
}

function firstAtOrAfterIndex(list: readonly Stamp[], timeUs: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (list[mid]!.t < timeUs) low = mid + 1;
    else high = mid;
  }
  return low;
}

function firstAfter(list: readonly Stamp[], timeUs: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (list[mid]!.t <= timeUs) low = mid + 1;
    else high = mid;
  }
  return low;
}
