// Trace events in plain words, for the viewer's event log and anything else that tells a run as a
// story: "controller 1 elected broker 3 leader of orders/0 from ISR [3]". One sentence per event,
// in Kafka's own terms (ISR, leader epoch, high watermark, unclean election), naming machines as
// people say them ("broker 2", "ZooKeeper 1"). The text is plain: whoever shows it must show it as
// text, never as markup, because topic names and znode data come from the scenario.
//
// `categoryOf` sorts kinds into the families the log filters and the timeline colours by; an
// unknown kind reads as its name and fields, so a newer trace still shows everything it holds.

import { formatTimeShort } from '../core/time.ts';
import type { TraceEvent } from './format.ts';

export const CATEGORIES = ['fault', 'process', 'network', 'zookeeper', 'controller', 'leadership', 'isr', 'log', 'offsets', 'client', 'group', 'checker', 'message', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];

const CATEGORY_OF: Readonly<Record<string, Category>> = {
  fault: 'fault', 'fault-end': 'fault', 'fault-skipped': 'fault',
  'node-up': 'process', 'node-down': 'process', 'node-paused': 'process', 'node-resumed': 'process', 'node-restarting': 'process',
  'node-restart-cancelled': 'process', 'node-power-on': 'process', 'disk-lost': 'process', 'broker-stopping': 'process', 'broker-start-failed': 'process',
  'partition-start': 'network', 'partition-heal': 'network', 'slow-network': 'network', 'slow-network-end': 'network', 'slow-disk': 'process', 'slow-disk-end': 'process',
  'zk-leader': 'zookeeper', 'zk-serving': 'zookeeper', 'zk-looking': 'zookeeper', 'zk-session': 'zookeeper', znode: 'zookeeper',
  'broker-registered': 'zookeeper', 'broker-registration-failed': 'zookeeper', 'broker-session-expired': 'zookeeper',
  controller: 'controller', 'controller-resigned': 'controller', 'controller-loaded': 'controller', 'broker-change': 'controller',
  'controlled-shutdown': 'controller', 'controlled-shutdown-done': 'controller', 'stale-controller-request': 'controller', 'stop-replica': 'controller',
  'topic-created': 'controller', 'topic-creation-failed': 'controller', 'topic-config-changed': 'controller',
  'leader-election': 'leadership', 'partition-offline': 'leadership', 'leader-and-isr': 'leadership',
  'isr-change': 'isr',
  truncation: 'log', 'log-recovered': 'log', 'segment-deleted': 'log', 'replica-failed': 'log',
  'replica-offsets': 'offsets',
  'producer-start': 'client', 'producer-metrics': 'client', 'producer-id': 'client', 'producer-epoch': 'client', 'producer-request': 'client', 'producer-response': 'client',
  'consumer-start': 'client', 'consumer-stop': 'client', 'consumer-error': 'client', 'consumer-poll': 'client', 'consumer-poll-timeout': 'client',
  'consumer-commit': 'client', 'consumer-join': 'client', 'consumer-coordinator': 'client', 'consumer-generation-reset': 'client', 'consumer-leave': 'group',
  'consumer-partitions-lost': 'group', 'consumer-partitions-revoked': 'group', 'group-state': 'group', 'group-assignment': 'group', 'group-member-removed': 'group',
  'offsets-load-start': 'group', 'offsets-loaded': 'group', 'offsets-unloaded': 'group',
  anomaly: 'checker',
  msg: 'message', 'msg-lost': 'message', 'conn-reset': 'message', 'conn-closed': 'message',
};

export function categoryOf(kind: string): Category {
  return CATEGORY_OF[kind] ?? 'other';
}

/** "broker-2" → "broker 2", "zk-1" → "ZooKeeper 1", "producer-p1" → "producer p1". */
export function nodeName(id: unknown): string {
  if (typeof id !== 'string') return String(id);
  const match = /^(broker|zk|producer|consumer)-(.+)$/.exec(id);
  if (!match) return id;
  const names: Readonly<Record<string, string>> = { broker: 'broker', zk: 'ZooKeeper', producer: 'producer', consumer: 'consumer' };
  return `${names[match[1] as string]} ${match[2]}`;
}

const list = (value: unknown): string => (Array.isArray(value) ? `[${value.join(', ')}]` : '[]');
const nodes = (value: unknown): string => (Array.isArray(value) ? value.map(nodeName).join(', ') : '');
const leader = (id: unknown): string => (id === -1 ? 'no leader' : `broker ${String(id)}`);
const at = (us: unknown): string => (typeof us === 'number' ? formatTimeShort(us) : '?');

type Describer = (e: TraceEvent) => string;

const partitions = (value: unknown, most = 4): string => {
  if (!Array.isArray(value)) return '[]';
  return value.length <= most ? list(value) : `[${value.slice(0, most).join(', ')}, … ${value.length - most} more]`;
};

const GROUP_DESCRIBERS: Readonly<Record<string, Describer>> = {
  'group-state': (e) => {
    const reason = typeof e.reason === 'string' ? `: ${e.reason}` : '';
    const members = Array.isArray(e.members) ? `, ${e.members.length} member${e.members.length === 1 ? '' : 's'}` : '';
    return `group ${String(e.group)} is ${String(e.state)} (generation ${String(e.generation)}${members}, coordinator broker ${String(e.coordinator)})${reason}`;
  },
  'group-assignment': (e) => `consumer ${String(e.member)} was assigned ${partitions(e.partitions)} in generation ${String(e.generation)} of group ${String(e.group)}`,
  'group-member-removed': (e) => `the coordinator removed member ${String(e.member)} from group ${String(e.group)}: ${String(e.reason)}`,
  'consumer-partitions-lost': (e) => `consumer ${String(e.member)} lost ${partitions(e.partitions)} (generation ${String(e.generation)})`,
  'consumer-partitions-revoked': (e) => `consumer ${String(e.member)} gave back ${partitions(e.partitions)} for a rebalance`,
  'consumer-commit': (e) => {
    const offsets = Array.isArray(e.offsets) ? e.offsets.slice(0, 3).map((entry: { partition?: unknown; offset?: unknown }) => `${String(entry.partition)}@${String(entry.offset)}`) : [];
    const more = Array.isArray(e.offsets) && e.offsets.length > 3 ? `, … ${e.offsets.length - 3} more` : '';
    const error = typeof e.error === 'string' && e.error !== '' ? ` (${e.error})` : '';
    return `consumer ${String(e.member)} committed ${offsets.join(', ')}${more} (${String(e.how)}): ${String(e.outcome)}${error}`;
  },
  'consumer-start': (e) => `consumer ${String(e.member)} of group ${String(e.group)} started (commits: ${String(e.commit)})`,
  'consumer-stop': (e) => `consumer ${String(e.member)} stopped`,
  'consumer-leave': (e) => `consumer ${String(e.member)} left group ${String(e.group)}${typeof e.reason === 'string' ? ` (${e.reason})` : ''}`,
  'consumer-error': (e) => `consumer ${String(e.member)} failed: ${String(e.error)}`,
  'consumer-poll': (e) => `consumer ${String(e.member)} polled ${String(e.records)} records from ${partitions(e.partitions)}`,
  'consumer-poll-timeout': (e) => `consumer ${String(e.member)} went ${at(e.sinceLastPollUs)} without polling (max.poll.interval.ms) and leaves the group`,
  'consumer-join': (e) => `consumer ${String(e.member)} asks to join group ${String(e.group)}`,
  'consumer-coordinator': (e) =>
    e.coordinator === null ? `consumer ${String(e.member)} lost its group coordinator (${String(e.reason)})` : `consumer ${String(e.member)} found its group coordinator: broker ${String(e.coordinator)}`,
  'consumer-generation-reset': (e) => `consumer ${String(e.member)} must rejoin its group (${String(e.error)})`,
  'offsets-load-start': (e) => `broker ${String(e.broker)} loads group offsets from ${String(e.partition)}`,
  'offsets-loaded': (e) => `broker ${String(e.broker)} now coordinates groups ${list(e.groups)} (${String(e.partition)})`,
  'offsets-unloaded': (e) => `broker ${String(e.broker)} no longer coordinates the groups of ${String(e.partition)}`,
};

const DESCRIBE: Readonly<Record<string, Describer>> = {
  'node-up': (e) => `${nodeName(e.node)} started${typeof e.incarnation === 'number' && e.incarnation > 1 ? ` (incarnation ${e.incarnation})` : ''}`,
  'node-down': (e) =>
    e.how === 'power-loss'
      ? `${nodeName(e.node)} lost power${typeof e.lostBytes === 'number' && e.lostBytes > 0 ? `; ${e.lostBytes} unflushed bytes are gone` : ''}`
      : `${nodeName(e.node)} ${e.how === 'stop' ? 'stopped' : 'crashed'}`,
  'node-paused': (e) => `${nodeName(e.node)} froze (a pause such as a long GC) until ${at(e.untilUs)}`,
  'node-resumed': (e) => `${nodeName(e.node)} resumed and handles its backlog late`,
  'node-restarting': (e) => `${nodeName(e.node)} is restarting; it starts at ${at(e.startsAtUs)}`,
  'node-restart-cancelled': (e) => `${nodeName(e.node)}'s restart was cancelled`,
  'node-power-on': (e) => `${nodeName(e.node)}'s machine powered on`,
  'disk-lost': (e) => `${nodeName(e.node)} lost ${String(e.lostBytes)} unflushed bytes of ${String(e.file)}`,
  'partition-start': describePartition,
  'partition-heal': (e) => `network partition #${String(e.fault)} healed`,
  'slow-network': (e) => {
    const latency = typeof e.addedLatencyUs === 'number' && e.addedLatencyUs > 0 ? ` +${formatTimeShort(e.addedLatencyUs)} latency` : '';
    const bandwidth = typeof e.bandwidthBytesPerSecond === 'number' ? ` capped at ${Math.round((e.bandwidthBytesPerSecond * 8) / 1e6)} Mbit/s` : '';
    return `${nodeName(e.node)}'s network slowed:${latency}${bandwidth}`;
  },
  'slow-network-end': (e) => `${nodeName(e.node)}'s network is back to normal`,
  'slow-disk': (e) => `${nodeName(e.node)}'s disk is ${String(e.factor)}× slower`,
  'slow-disk-end': (e) => `${nodeName(e.node)}'s disk is back to normal speed`,
  msg: (e) => `${nodeName(e.from)} → ${nodeName(e.to)}: ${String(e.type ?? 'message')} (${String(e.bytes)} bytes, ${at(e.t - Number(e.sentUs))} in flight)`,
  'msg-lost': (e) => `${String(e.type ?? 'message')} from ${nodeName(e.from)} to ${nodeName(e.to)} was lost (${String(e.reason)})`,
  'conn-reset': (e) => `${nodeName(e.node)}'s connection to ${nodeName(e.peer)} was reset`,
  'conn-closed': (e) => `${nodeName(e.node)}'s connection to ${nodeName(e.peer)} was closed`,
  'zk-leader': (e) => `${nodeName(e.zk)} leads the ZooKeeper ensemble (epoch ${String(e.epoch)})`,
  'zk-serving': (e) => (e.state === 'LEADING' ? `${nodeName(e.zk)} serves as ZooKeeper leader` : `${nodeName(e.zk)} serves, following ZooKeeper ${String(e.leader)}`),
  'zk-looking': (e) => `${nodeName(e.zk)} is looking for a ZooKeeper leader${typeof e.reason === 'string' ? ` (${e.reason})` : ''}`,
  'zk-session': describeSession,
  znode: (e) => {
    const cause = typeof e.cause === 'string' ? ` (${e.cause})` : '';
    const data = typeof e.data === 'string' && e.data.length > 0 ? `: ${e.data}` : '';
    const verb = e.op === 'create' ? 'created' : e.op === 'delete' ? 'deleted' : 'updated';
    return `znode ${String(e.path)} ${verb}${cause}${e.op === 'delete' ? '' : data}`;
  },
  'broker-registered': (e) => `broker ${String(e.broker)} registered in ZooKeeper (broker epoch ${String(e.brokerEpoch)})`,
  'broker-registration-failed': (e) => `broker ${String(e.broker)} could not register: ${String(e.reason)}`,
  'broker-session-expired': (e) => `broker ${String(e.broker)} learned its ZooKeeper session expired and re-registers`,
  'broker-start-failed': (e) => `broker ${String(e.broker)} failed to start: ${String(e.reason)}`,
  'broker-stopping': (e) => `broker ${String(e.broker)} is shutting down`,
  controller: (e) => `broker ${String(e.broker)} became the controller (controller epoch ${String(e.epoch)})`,
  'controller-resigned': (e) => `broker ${String(e.broker)} is no longer the controller`,
  'controller-loaded': (e) =>
    `controller ${String(e.controller)} loaded the cluster from ZooKeeper: brokers ${list(e.brokers)}, ${String(e.partitions)} partitions, ${String(e.offlinePartitions)} offline (took ${at(e.tookUs)})`,
  'broker-change': (e) => {
    const gone = Array.isArray(e.deadBrokers) && e.deadBrokers.length > 0 ? `; gone: ${list(e.deadBrokers)}` : '';
    const added = Array.isArray(e.newBrokers) && e.newBrokers.length > 0 ? `; new: ${list(e.newBrokers)}` : '';
    return `controller ${String(e.controller)} sees live brokers ${list(e.live)}${gone}${added}`;
  },
  'controlled-shutdown': (e) => `controller ${String(e.controller)} moves ${String(e.leaderships)} leaderships off broker ${String(e.broker)} for its controlled shutdown`,
  'controlled-shutdown-done': (e) => `broker ${String(e.broker)}'s controlled shutdown ${e.succeeded ? 'succeeded' : 'gave up'}`,
  'stale-controller-request': (e) =>
    `broker ${String(e.broker)} refused a ${String(e.request)} from controller ${String(e.controller)}: controller epoch ${String(e.controllerEpoch)} is older than ${String(e.knownControllerEpoch)}`,
  'stop-replica': (e) => `broker ${String(e.broker)} stopped replicas ${list(e.partitions)}`,
  'topic-created': (e) => `topic ${String(e.topic)} created: ${String(e.partitions)} partitions × ${String(e.replicationFactor)} replicas`,
  'topic-creation-failed': (e) => `topic ${String(e.topic)} could not be created: ${String(e.error)}`,
  'topic-config-changed': (e) => `topic ${String(e.topic)}'s configuration changed`,
  'leader-election': describeElection,
  'partition-offline': (e) =>
    `${String(e.partition)} is offline: ${e.reason === 'no-live-replica' ? 'no replica is alive' : `no live replica in its ISR ${list(e.isr)}`}`,
  'leader-and-isr': (e) =>
    typeof e.role === 'string'
      ? `broker ${String(e.broker)} became ${e.role} of ${String(e.partition)} (leader ${String(e.leader)}, epoch ${String(e.leaderEpoch)})`
      : `broker ${String(e.broker)} ignored a stale LeaderAndIsr for ${String(e.partition)} (${String(e.ignored)})`,
  'isr-change': describeIsrChange,
  truncation: (e) =>
    `broker ${String(e.broker)} truncated ${String(e.partition)} from offset ${String(e.fromLogEndOffset)} to ${String(e.toLogEndOffset)}, removing ${String(e.removedRecords)} records (${String(e.reason)})`,
  'log-recovered': (e) =>
    `broker ${String(e.broker)} recovered ${String(e.partition)} after the power loss: offsets ${String(e.toLogEndOffset)}–${String(e.fromLogEndOffset)} were never on disk (${String(e.removedRecords)} records)`,
  'segment-deleted': (e) => `broker ${String(e.broker)} deleted a segment of ${String(e.partition)} (offsets ${String(e.baseOffset)}–${String(e.endOffset)}, ${String(e.reason)})`,
  'replica-failed': (e) => `broker ${String(e.broker)}'s replica of ${String(e.partition)} failed: ${String(e.detail)}`,
  'replica-offsets': (e) =>
    `broker ${String(e.broker)}'s ${String(e.partition)} (${String(e.role)}): log end offset ${String(e.logEndOffset)}, high watermark ${String(e.highWatermark)}`,
  'producer-start': (e) => `producer ${String(e.producer)} started (acks=${String(e.acks)}${e.idempotence ? ', idempotent' : ''})`,
  'producer-metrics': (e) => {
    const p99 = typeof e.p99Ms === 'number' ? `; p99 ${e.p99Ms} ms` : '';
    return `producer ${String(e.producer)}: ${String(e.sent)} sent, ${String(e.acked)} acked, ${String(e.failed)} failed, ${String(e.unknown)} unknown${p99}`;
  },
  'producer-id': (e) => `producer ${String(e.producer)} got producer id ${String(e.producerId)} (epoch ${String(e.producerEpoch)})`,
  'producer-epoch': (e) => `producer ${String(e.producer)} bumped its epoch to ${String(e.producerEpoch)}`,
  ...GROUP_DESCRIBERS,
  fault: (e) => `fault #${String(e.fault)}: ${String(e.kind)} ${String(e.target)}`,
  'fault-end': (e) => `fault #${String(e.fault)} (${String(e.kind)}) undone: ${String(e.target)}`,
  'fault-skipped': (e) => `fault #${String(e.fault)} (${String(e.kind)}) skipped: ${String(e.reason)}`,
  anomaly: (e) => `anomaly (${String(e.kind)}): ${typeof e.detail === 'string' ? e.detail : 'see the checker panel'}`,
};

function describePartition(e: TraceEvent): string {
  const id = `network partition #${String(e.fault)}`;
  if (e.kind === 'isolate') return `${id}: ${nodes(e.nodes)} cut off from everyone`;
  if (e.kind === 'one-way') return `${id}: messages from ${nodes(e.from)} to ${nodes(e.to)} are dropped`;
  const groups = Array.isArray(e.groups) ? e.groups.map((group) => `{${nodes(group)}}`).join(' and ') : '';
  return `${id} between ${groups}`;
}

function describeSession(e: TraceEvent): string {
  const owner = nodeName(e.owner);
  if (e.op === 'created') {
    const timeout = typeof e.timeoutMs === 'number' ? ` (timeout ${formatTimeShort(e.timeoutMs * 1000)})` : '';
    return `ZooKeeper opened session ${String(e.session)} for ${owner}${timeout}`;
  }
  if (e.op === 'expired') return `${owner}'s ZooKeeper session expired; its ephemeral znodes are deleted`;
  return `${owner} closed its ZooKeeper session`;
}

function describeElection(e: TraceEvent): string {
  const by = typeof e.controller === 'number' ? `controller ${e.controller}` : 'the controller';
  const partition = String(e.partition);
  const epoch = `leader epoch ${String(e.leaderEpoch)}`;
  if (e.newLeader === -1) return `${by} found no leader for ${partition}`;
  if (e.reason === 'new-partition') return `${by} made broker ${String(e.newLeader)} the first leader of ${partition}, ISR ${list(e.isr)} (${epoch})`;
  if (e.kind === 'unclean') {
    return `${by} elected broker ${String(e.newLeader)} leader of ${partition} UNCLEANLY: it was not in the ISR ${list(e.fromIsr)}, so writes it never fetched are lost (${epoch})`;
  }
  const kind = e.kind === 'preferred' ? 'preferred-leader election: ' : e.kind === 'controlled' ? 'controlled shutdown: ' : '';
  return `${kind}${by} elected broker ${String(e.newLeader)} leader of ${partition} from ISR ${list(e.fromIsr)}, replacing ${leader(e.oldLeader)} (${epoch}, ${String(e.reason)})`;
}

function describeIsrChange(e: TraceEvent): string {
  const old = Array.isArray(e.oldIsr) ? e.oldIsr : [];
  const now = Array.isArray(e.isr) ? e.isr : [];
  const verb = now.length < old.length ? 'shrank' : now.length > old.length ? 'expanded' : 'changed';
  const partition = String(e.partition);
  if (e.by === 'controller') {
    const removed = typeof e.removed === 'number' ? `removed broker ${e.removed} from` : `${verb}`;
    return `controller ${String(e.controller)} ${removed} the ISR of ${partition}: ${list(old)} → ${list(now)}${typeof e.reason === 'string' ? ` (${e.reason})` : ''}`;
  }
  const why = e.reason === 'follower-out-of-sync' ? ' (a follower fell behind replica.lag.time.max.ms)' : e.reason === 'follower-caught-up' ? ' (a follower caught up)' : '';
  return `leader broker ${String(e.leader)} ${verb} the ISR of ${partition} from ${list(old)} to ${list(now)}${why}`;
}

/** One sentence for any event; unknown kinds read as their name and fields. */
export function describeEvent(event: TraceEvent): string {
  const describer = DESCRIBE[event.k];
  if (describer !== undefined) return describer(event);
  const { i: _i, t: _t, k, ...fields } = event;
  const text = JSON.stringify(fields);
  return `${k} ${text.length > 160 ? `${text.slice(0, 160)}…` : text}`;
}
