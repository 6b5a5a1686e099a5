// THE reducer (DESIGN §10): folds trace events, in order, into the cluster as an observer sees it
// at that moment (state.ts) — machines up, down or paused; ZooKeeper roles and sessions; the
// controller; network partitions and slow-downs in force; every partition's leader, epoch, ISR
// and replicas' offsets; producer metric samples; consumer groups, their assignments and committed
// offsets; the checker's anomalies. The viewer seeks with it (keyframes.ts) and the CLI summary
// counts with it, so it is pure, DOM-free and deterministic: the same events always fold to the
// same state.
//
// Events of kinds it does not know are counted (`unknownKinds`) and otherwise ignored, so a trace
// from a newer simulator still opens; a known kind with missing or mistyped fields is skipped and
// recorded in `problems` rather than folded into a wrong picture. Kafka's own events are folded
// in reduce-kafka.ts, consumer groups' in reduce-groups.ts; the hardware, ZooKeeper, fault,
// producer and checker events here.

import { checkEventFields, INFORMATIONAL_KINDS, isKnownKind, type EventOf, type KnownKind, type TraceEvent, type TraceHeader } from './format.ts';
import { Working } from './fold.ts';
import * as groups from './reduce-groups.ts';
import * as kafka from './reduce-kafka.ts';
import type { ClusterState, NetFaultState, ProcessStatus } from './state.ts';

/** What a fold shows of itself between events (series.ts samples it after each one). */
export type LiveView = Pick<ClusterState, 'timeUs' | 'counters' | 'isrSizeCounts' | 'nodes' | 'partitions' | 'netFaults' | 'groups'>;

type Handler<K extends KnownKind> = (working: Working, event: EventOf<K>) => void;

const DOWN_STATUS: Readonly<Record<string, ProcessStatus>> = { crash: 'crashed', stop: 'stopped', 'power-loss': 'powered-off' };

const HANDLERS: { [K in KnownKind]?: Handler<K> } = {
  'node-up': (w, e) => w.updateNode(e.node, { status: 'up', sinceUs: e.t, incarnation: e.incarnation, pausedUntilUs: null, restartAtUs: null }),
  'node-down': nodeDown,
  'node-paused': (w, e) => w.updateNode(e.node, { status: 'paused', sinceUs: e.t, pausedUntilUs: e.untilUs }),
  'node-resumed': (w, e) => w.updateNode(e.node, { status: 'up', sinceUs: e.t, pausedUntilUs: null }),
  'node-restarting': (w, e) => w.updateNode(e.node, { status: 'restarting', sinceUs: e.t, restartAtUs: e.startsAtUs }),
  'node-restart-cancelled': (w, e) => w.updateNode(e.node, { status: 'crashed', sinceUs: e.t, restartAtUs: null }),
  'node-power-on': (w, e) => w.updateNode(e.node, { status: 'stopped', sinceUs: e.t }),
  'partition-start': (w, e) => w.netFaults.set(e.fault, networkPartition(e)),
  'partition-heal': (w, e) => w.netFaults.delete(e.fault),
  'slow-network': (w, e) =>
    w.netFaults.set(e.fault, { ...lastingFault(e.fault, 'slow-network', e.t, [e.node]), addedLatencyUs: e.addedLatencyUs, bandwidthBytesPerSecond: e.bandwidthBytesPerSecond }),
  'slow-network-end': (w, e) => w.netFaults.delete(e.fault),
  'slow-disk': (w, e) => w.netFaults.set(e.fault, { ...lastingFault(e.fault, 'slow-disk', e.t, [e.node]), factor: e.factor }),
  'slow-disk-end': (w, e) => w.netFaults.delete(e.fault),
  'zk-leader': (w, e) => {
    w.zkLeader = { node: e.zk, epoch: e.epoch, sinceUs: e.t };
    w.updateNode(e.zk, { zkRole: 'leading' });
  },
  'zk-serving': (w, e) => w.updateNode(e.zk, { zkRole: e.state === 'LEADING' ? 'leading' : 'following' }),
  'zk-looking': (w, e) => {
    if (w.zkLeader?.node === e.zk) w.zkLeader = null;
    w.updateNode(e.zk, { zkRole: 'looking' });
  },
  'zk-session': zkSession,
  znode,
  'broker-registered': kafka.brokerRegistered,
  controller: kafka.controllerElected,
  'controller-resigned': kafka.controllerResigned,
  'topic-created': kafka.topicCreated,
  'leader-election': kafka.leaderElection,
  'partition-offline': kafka.partitionOffline,
  'isr-change': kafka.isrChange,
  'leader-and-isr': kafka.leaderAndIsr,
  'replica-offsets': kafka.replicaOffsets,
  truncation: kafka.truncated,
  'log-recovered': kafka.truncated,
  fault,
  'fault-end': (w, e) => w.faults.delete(e.fault),
  'producer-start': (w, e) => {
    const known = w.producers.get(e.producer);
    const acks = e.acks === undefined || e.acks === null ? null : String(e.acks);
    w.producers.set(e.producer, { name: e.producer, incarnation: e.incarnation, acks, lastSample: null, sent: 0, acked: 0, failed: 0, unknown: 0, ...pickTotals(known) });
  },
  'producer-metrics': producerMetrics,
  'group-state': groups.groupState,
  'group-assignment': groups.groupAssignment,
  'consumer-partitions-lost': groups.partitionsGone,
  'consumer-partitions-revoked': groups.partitionsGone,
  'consumer-leave': groups.memberGone,
  'consumer-stop': groups.memberGone,
  'consumer-commit': groups.committed,
  'consumer-start': groups.consumerStarted,
  anomaly,
};

function nodeDown(working: Working, event: EventOf<'node-down'>): void {
  const status = DOWN_STATUS[event.how] ?? 'crashed';
  const node = working.nodes.get(event.node);
  working.updateNode(event.node, { status, sinceUs: event.t, downHow: event.how, pausedUntilUs: null, zkRole: node?.role === 'zookeeper' ? null : (node?.zkRole ?? null) });
  if (working.zkLeader?.node === event.node) working.zkLeader = null;
}

function zkSession(working: Working, event: EventOf<'zk-session'>): void {
  if (event.op === 'created') {
    const timeoutMs = typeof event.timeoutMs === 'number' ? event.timeoutMs : null;
    working.updateNode(event.owner, { session: { id: String(event.session), timeoutMs, sinceUs: event.t } });
    return;
  }
  if (working.nodes.get(event.owner)?.session?.id === String(event.session)) working.updateNode(event.owner, { session: null });
}

/** The znodes the picture depends on: broker registrations and the controller's. */
function znode(working: Working, event: EventOf<'znode'>): void {
  const broker = /^\/brokers\/ids\/(\d+)$/.exec(event.path);
  if (broker && (event.op === 'create' || event.op === 'delete')) {
    working.updateNode(`broker-${broker[1]}`, { registered: event.op === 'create' });
  } else if (event.path === '/controller' && event.op === 'delete') {
    working.controller = null;
  }
}

function fault(working: Working, event: EventOf<'fault'>): void {
  if (!working.lastingFaults.has(event.fault)) return;
  working.faults.set(event.fault, { index: event.fault, kind: event.kind, target: event.target, nodes: event.nodes, sinceUs: event.t, sinceSeq: event.i });
}

function producerMetrics(working: Working, event: EventOf<'producer-metrics'>): void {
  const known = working.producers.get(event.producer);
  const sample = { timeUs: event.t, sent: event.sent, acked: event.acked, failed: event.failed, unknown: event.unknown, p50Ms: event.p50Ms, p99Ms: event.p99Ms, maxMs: event.maxMs };
  working.producers.set(event.producer, {
    name: event.producer,
    incarnation: known?.incarnation ?? 1,
    acks: known?.acks ?? null,
    lastSample: sample,
    sent: (known?.sent ?? 0) + event.sent,
    acked: (known?.acked ?? 0) + event.acked,
    failed: (known?.failed ?? 0) + event.failed,
    unknown: (known?.unknown ?? 0) + event.unknown,
  });
}

function anomaly(working: Working, event: EventOf<'anomaly'>): void {
  const explanation = event.explanation;
  const events = Array.isArray(explanation.events) ? explanation.events.filter((seq): seq is number => typeof seq === 'number') : [];
  working.anomalies.push({
    seq: event.i,
    timeUs: event.t,
    kind: event.kind,
    verdict: typeof event.verdict === 'string' ? event.verdict : null,
    partition: typeof event.partition === 'string' ? event.partition : null,
    count: typeof event.count === 'number' ? event.count : null,
    detail: typeof event.detail === 'string' ? event.detail : event.kind,
    explanation: { text: typeof explanation.text === 'string' ? explanation.text : '', events },
  });
}

function pickTotals(known: { sent: number; acked: number; failed: number; unknown: number } | undefined): object {
  return known === undefined ? {} : { sent: known.sent, acked: known.acked, failed: known.failed, unknown: known.unknown };
}

function lastingFault(id: number, kind: NetFaultState['kind'], timeUs: number, nodes: readonly string[]): NetFaultState {
  return { id, kind, sinceUs: timeUs, shape: null, nodes, groups: [], from: [], to: [], factor: null, addedLatencyUs: null, bandwidthBytesPerSecond: null };
}

function networkPartition(event: EventOf<'partition-start'>): NetFaultState {
  return {
    ...lastingFault(event.fault, 'partition', event.t, strings(event.nodes)),
    shape: event.kind,
    groups: Array.isArray(event.groups) ? event.groups.map(strings) : [],
    from: strings(event.from),
    to: strings(event.to),
  };
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** Folds events into cluster states; `snapshot()` is the state after the events so far. */
export class ClusterFold {
  private readonly working: Working;

  /** Starts before the first event, or from a snapshot taken by a fold over the same trace. */
  constructor(header: TraceHeader | null, from?: ClusterState) {
    this.working = from === undefined ? Working.initial(header) : Working.from(from);
    this.working.lastingFaults = lastingFaultIndexes(header);
  }

  get position(): number {
    return this.working.position;
  }

  /** The live state without copying: read it before the next `apply`, never keep it. */
  get live(): LiveView {
    return this.working;
  }

  apply(event: TraceEvent): void {
    const working = this.working;
    working.position++;
    working.timeUs = event.t;
    working.lastSeq = event.i;
    if (!isKnownKind(event.k)) {
      if (INFORMATIONAL_KINDS.has(event.k)) return;
      working.counters.unknown++;
      working.unknownKinds.set(event.k, (working.unknownKinds.get(event.k) ?? 0) + 1);
      return;
    }
    const problem = checkEventFields(event);
    if (problem !== null) {
      working.problem(`event ${event.i}: ${problem}`);
      return;
    }
    const handler = HANDLERS[event.k] as Handler<KnownKind> | undefined;
    handler?.(working, event as EventOf<KnownKind>);
  }

  snapshot(): ClusterState {
    return this.working.snapshot();
  }
}

/** Folds a whole sequence of events (the CLI summary, tests). */
export function reduceEvents(header: TraceHeader | null, events: Iterable<TraceEvent>): ClusterState {
  const fold = new ClusterFold(header);
  for (const event of events) fold.apply(event);
  return fold.snapshot();
}

/**
 * Scenario faults that stay in force until a fault-end: those with a `for:` (a pause ends by
 * itself, with no fault-end). Without a scenario in the header, none are tracked.
 */
export function lastingFaultIndexes(header: TraceHeader | null): ReadonlySet<number> {
  const faults = header?.scenario.faults ?? [];
  return new Set(faults.filter((spec) => spec.forUs !== null && spec.forUs !== undefined && spec.kind !== 'pause').map((spec) => spec.index));
}
