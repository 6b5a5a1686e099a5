// The words on the cluster view's cards (cluster-view.ts): each machine's status as a word, its
// roles as badges (controller, ZooKeeper leader or follower, cut off by a network partition, slow
// disk or network), and two lines of detail chosen for what a student should notice — a crashed
// broker whose ZooKeeper session is still open and when it will expire, a paused process and
// when it wakes, what a producer achieves, which partitions a consumer reads.

import { nodeName } from '../sim/trace/describe.ts';
import type { ClusterState, NetFaultState, NodeState } from '../sim/trace/state.ts';
import { formatRate, formatSpan, formatTime } from './format.ts';
import type { TraceModel } from './trace-model.ts';

export const STATUS_WORDS: Readonly<Record<NodeState['status'], string>> = {
  'not-started': 'NOT STARTED', up: 'UP', paused: 'PAUSED', crashed: 'CRASHED', stopped: 'STOPPED', 'powered-off': 'POWERED OFF', restarting: 'RESTARTING',
};

export interface Detail {
  text: string;
  warn: boolean;
}

export interface Badge {
  kind: string;
  text: string;
}

export function roleBadges(node: NodeState, state: ClusterState, cut: readonly string[]): Badge[] {
  const badges: Badge[] = [];
  if (node.role === 'broker' && state.controller?.broker === node.number) badges.push({ kind: 'controller', text: 'CONTROLLER' });
  if (node.zkRole !== null) badges.push({ kind: `zk-${node.zkRole}`, text: node.zkRole === 'leading' ? 'ZK LEADER' : node.zkRole === 'following' ? 'ZK FOLLOWER' : 'ZK LOOKING' });
  if (cut.length > 0) badges.push({ kind: 'cut', text: cut.join(' · ') });
  for (const fault of state.netFaults.values()) {
    if (fault.nodes[0] !== node.id) continue;
    if (fault.kind === 'slow-disk') badges.push({ kind: 'slow', text: `DISK ×${fault.factor}` });
    if (fault.kind === 'slow-network') badges.push({ kind: 'slow', text: 'SLOW NET' });
  }
  return badges;
}

export function detailLines(node: NodeState, state: ClusterState, timeUs: number, model: TraceModel): Detail[] {
  if (node.status === 'paused' && node.pausedUntilUs !== null) return [{ text: `frozen until ${formatTime(node.pausedUntilUs)}`, warn: true }];
  if (node.status === 'restarting' && node.restartAtUs !== null) return [{ text: `starts at ${formatTime(node.restartAtUs)}`, warn: false }];
  if (node.role === 'broker') return brokerLines(node, state, timeUs);
  if (node.role === 'zookeeper') return [{ text: node.status === 'up' && state.zkLeader ? `ensemble epoch ${state.zkLeader.epoch}` : node.status === 'up' ? 'no leader elected' : '', warn: false }];
  if (node.role === 'producer') {
    const name = node.id.slice('producer-'.length);
    const producer = state.producers.get(name);
    const series = model.series.producers.get(name);
    const index = series === undefined ? -1 : series.timeUs.upperBound(timeUs) - 1;
    const failed = index >= 0 && series ? series.failedPerSecond.at(index) : 0;
    const rate = index >= 0 && series ? `${formatRate(series.ackedPerSecond.at(index))} acked/s${failed > 0 ? ` · ${formatRate(failed)} failed/s` : ''}` : 'no metrics yet';
    const acks = String(producer?.acks ?? model.header.scenario.producers?.find((p) => p.name === name)?.config?.acks ?? '?');
    // Kafka's acks=-1 is acks=all.
    return [{ text: `acks=${acks === '-1' ? 'all' : acks}`, warn: false }, { text: rate, warn: failed > 0 }];
  }
  if (node.role === 'consumer') return consumerLines(node, state);
  return [];
}

/** A consumer's group, generation and share of the partitions ("consumer-billing-0" is billing/0). */
function consumerLines(node: NodeState, state: ClusterState): Detail[] {
  const id = node.id.slice('consumer-'.length);
  const cut = id.lastIndexOf('-');
  const groupName = id.slice(0, cut);
  const member = `${groupName}/${id.slice(cut + 1)}`;
  const group = state.groups.get(groupName);
  if (group === undefined) return [{ text: `group ${groupName}`, warn: false }];
  const held = group.assignments.find((assignment) => assignment.member === member)?.partitions ?? [];
  return [
    { text: `${groupName}: ${group.state ?? 'joining'} · gen ${group.generation}`, warn: group.state !== 'Stable' },
    { text: held.length === 0 ? 'no partitions' : `reads ${held.length}: ${held.join(', ')}`, warn: false },
  ];
}

function brokerLines(node: NodeState, state: ClusterState, timeUs: number): Detail[] {
  if (node.status !== 'up' && node.session !== null) {
    // With no heartbeat since it went down, ZooKeeper expires the session a timeout later.
    const expiry = node.session.timeoutMs === null ? `down ${formatSpan(timeUs - node.sinceUs)}` : `expires ≈ ${formatTime(node.sinceUs + node.session.timeoutMs * 1000)}`;
    return [{ text: 'ZK session still open', warn: true }, { text: expiry, warn: false }];
  }
  if (node.status !== 'up') return [{ text: node.registered ? 'still registered in ZK' : 'ZK session gone', warn: false }, { text: node.registered ? '' : 'unregistered', warn: false }];
  let leads = 0;
  let inIsr = 0;
  for (const partition of state.partitions.values()) {
    if (partition.leader === node.number && partition.phase === 'online') leads++;
    if (node.number !== null && partition.isr.includes(node.number)) inIsr++;
  }
  return [
    { text: `leads ${leads} · in ${inIsr} ISR${inIsr === 1 ? '' : 's'}`, warn: false },
    { text: node.registered ? 'registered in ZK' : 'not registered in ZK', warn: !node.registered },
  ];
}

/** What cuts this node off: the partitions whose shape separates it from someone. */
export function cutOffBy(id: string, faults: ReadonlyMap<number, NetFaultState>): string[] {
  const labels: string[] = [];
  for (const fault of faults.values()) {
    if (fault.kind !== 'partition') continue;
    if (fault.shape === 'isolate' && fault.nodes.includes(id)) labels.push(`CUT OFF #${fault.id}`);
    else if (fault.shape === 'between' && fault.groups.some((group) => group.includes(id))) labels.push(`PARTITIONED #${fault.id}`);
    else if (fault.shape === 'one-way' && (fault.from.includes(id) || fault.to.includes(id))) labels.push(`ONE-WAY #${fault.id}`);
  }
  return labels;
}

export function describeNetFault(fault: NetFaultState): string {
  const names = (ids: readonly string[]): string => ids.map(nodeName).join(', ');
  if (fault.kind === 'slow-disk') return `${nodeName(fault.nodes[0])}: disk ${fault.factor}× slower (fault #${fault.id})`;
  if (fault.kind === 'slow-network') {
    const latency = fault.addedLatencyUs ? ` +${formatSpan(fault.addedLatencyUs)} latency` : '';
    const bandwidth = fault.bandwidthBytesPerSecond ? ` capped at ${formatRate(fault.bandwidthBytesPerSecond * 8)}bit/s` : '';
    return `${nodeName(fault.nodes[0])}: network slowed${latency}${bandwidth} (fault #${fault.id})`;
  }
  if (fault.shape === 'isolate') return `Network partition #${fault.id}: ${names(fault.nodes)} cut off from everyone`;
  if (fault.shape === 'one-way') return `One-way partition #${fault.id}: ${names(fault.from)} cannot reach ${names(fault.to)}`;
  return `Network partition #${fault.id} between ${fault.groups.map((group) => `{${names(group)}}`).join(' and ')}`;
}

export function describeCluster(state: ClusterState): string {
  const nodes = [...state.nodes.values()].map((node) => `${nodeName(node.id)} ${STATUS_WORDS[node.status].toLowerCase()}`);
  const controller = state.controller ? `controller: broker ${state.controller.broker}` : 'no controller';
  return `Cluster: ${nodes.join(', ')}; ${controller}.`;
}
