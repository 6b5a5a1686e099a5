// Fault checks that need the whole scenario: does a target name something that exists, and do
// two faults of one kind on one target overlap in time.
//
// Targets are looked up by what the scenario defines: broker ids, ZooKeeper server ids 1..N,
// rack names, producer names, `GROUP/INDEX` with INDEX below the group's member count, and
// `TOPIC/P` with P below the topic's partition count. `leader:` and `controller` stay dynamic:
// which broker they hit is decided when the fault fires.
//
// Overlap: a fault with `for` is in force over [at, at + for). Another fault of the same kind
// on the same (written) target starting inside that window is refused: when the first one is
// undone it would also end the second, which is never what the author meant.

import { formatDuration } from '../core/time.ts';
import type { FaultContext } from './resolve-faults.ts';
import type { FaultSpec, TargetSpec } from './spec.ts';
import type { Problem } from './problem.ts';
import { didYouMean, listOf } from './suggest.ts';

export type TargetOutcome = { target: TargetSpec } | { problem: string; hint?: string | undefined };

const missing = (problem: string, hint?: string): TargetOutcome => ({ problem, hint });

/** `TOPIC/N` split at the last slash; null when the part after it is not a whole number. */
function splitIndexed(text: string): { name: string; index: number } | null {
  const slash = text.lastIndexOf('/');
  const index = text.slice(slash + 1);
  if (slash <= 0 || !/^\d{1,9}$/.test(index)) return null;
  return { name: text.slice(0, slash), index: Number(index) };
}

/** The topic a fault names, or why it does not exist. */
export function topicProblem(name: string, context: FaultContext): string | null {
  return context.topics.has(name) ? null : `topic \`${name}\` is not defined (topics: ${listOf([...context.topics.keys()])})`;
}

export function targetProblem(key: string, value: string | number | true, context: FaultContext): TargetOutcome {
  switch (key) {
    case 'broker': {
      const ids = context.cluster.brokers.map((broker) => broker.id);
      if (ids.includes(value as number)) return { target: { type: 'broker', brokerId: value as number } };
      return missing(`broker ${value} does not exist: the cluster has brokers ${listOf(ids)}`, 'a count `brokers: N` gives ids 1..N');
    }
    case 'zk': {
      const count = context.zookeeper.servers.length;
      if ((value as number) <= count) return { target: { type: 'zk', serverId: value as number } };
      return missing(`ZooKeeper server ${value} does not exist: the ensemble has servers 1..${count}`, 'raise `zookeeper.servers` or pick an existing id');
    }
    case 'rack': {
      const racks = context.cluster.racks;
      if (racks.includes(value as string)) return { target: { type: 'rack', rack: value as string } };
      if (racks.length === 0) return missing(`rack \`${value}\` does not exist: the cluster has no racks`, 'list them in `cluster.racks`');
      return missing(`rack \`${value}\` does not exist (racks: ${listOf(racks)})`, didYouMean(String(value), racks));
    }
    case 'producer': {
      const names = context.producers.map((producer) => producer.name);
      if (names.includes(value as string)) return { target: { type: 'producer', producer: value as string } };
      return missing(`producer \`${value}\` does not exist (producers: ${names.length === 0 ? 'none' : listOf(names)})`, didYouMean(String(value), names));
    }
    case 'consumer':
      return consumerTarget(String(value), context);
    case 'leader':
      return leaderTarget(String(value), context);
    default:
      return { target: { type: 'controller' } };
  }
}

function consumerTarget(text: string, context: FaultContext): TargetOutcome {
  const parsed = splitIndexed(text);
  if (parsed === null) return missing(`\`${text}\` is not GROUP/INDEX`, 'name a member like `billing/0` (members count from 0)');
  const groups = context.consumers.map((consumer) => consumer.group);
  const group = context.consumers.find((consumer) => consumer.group === parsed.name);
  if (group === undefined) return missing(`consumer group \`${parsed.name}\` does not exist (groups: ${groups.length === 0 ? 'none' : listOf(groups)})`, didYouMean(parsed.name, groups));
  if (parsed.index >= group.members) return missing(`group \`${group.group}\` has members 0..${group.members - 1}, not ${parsed.index}`, 'members count from 0');
  return { target: { type: 'consumer', group: group.group, member: parsed.index } };
}

function leaderTarget(text: string, context: FaultContext): TargetOutcome {
  const parsed = splitIndexed(text);
  if (parsed === null) return missing(`\`${text}\` is not TOPIC/PARTITION`, 'name a partition like `orders/0`');
  const topic = context.topics.get(parsed.name);
  if (topic === undefined) return missing(topicProblem(parsed.name, context) as string, didYouMean(parsed.name, [...context.topics.keys()]));
  if (parsed.index >= topic.partitions) return missing(`topic \`${topic.name}\` has partitions 0..${topic.partitions - 1}, not ${parsed.index}`, 'partitions count from 0');
  return { target: { type: 'leader', topic: topic.name, partition: parsed.index } };
}

/** A target in words, for messages: "broker 2", "the leader of orders/0". */
export function describeTarget(target: TargetSpec): string {
  switch (target.type) {
    case 'broker':
      return `broker ${target.brokerId}`;
    case 'zk':
      return `ZooKeeper server ${target.serverId}`;
    case 'rack':
      return `rack ${target.rack}`;
    case 'producer':
      return `producer ${target.producer}`;
    case 'consumer':
      return `consumer ${target.group}/${target.member}`;
    case 'leader':
      return `the leader of ${target.topic}/${target.partition}`;
    case 'controller':
      return 'the controller';
  }
}

/** What a fault acts on, as a comparable key and as words. */
function subject(fault: FaultSpec): { key: string; words: string } {
  if ('target' in fault) return { key: JSON.stringify(fault.target), words: describeTarget(fault.target) };
  if (fault.kind === 'partition') return { key: JSON.stringify(fault.shape), words: 'the same nodes' };
  if (fault.kind === 'config') return { key: JSON.stringify(fault.scope), words: `${fault.scope.type} settings` };
  return { key: '', words: 'the cluster' };
}

/** Adds a problem for every fault starting inside an earlier same-kind window on the same target. */
export function checkOverlaps(faults: readonly FaultSpec[], problems: Problem[]): void {
  const bySubject = new Map<string, FaultSpec[]>();
  for (const fault of faults) {
    const key = `${fault.kind} ${subject(fault).key}`;
    const list = bySubject.get(key) ?? [];
    list.push(fault);
    bySubject.set(key, list);
  }
  for (const list of bySubject.values()) {
    const ordered = [...list].sort((a, b) => a.atUs - b.atUs || a.index - b.index);
    let open: FaultSpec | null = null;
    for (const fault of ordered) {
      if (open !== null && open.forUs !== null && fault.atUs < open.atUs + open.forUs) {
        const endUs = open.atUs + open.forUs;
        problems.push({
          path: ['faults', fault.index, 'at'],
          message: `this ${fault.kind} of ${subject(fault).words} at ${formatDuration(fault.atUs)} overlaps faults[${open.index}], in force from ${formatDuration(open.atUs)} to ${formatDuration(endUs)}`,
          hint: `undoing faults[${open.index}] at ${formatDuration(endUs)} would also end this one: start it at ${formatDuration(endUs)} or later, or shorten faults[${open.index}]'s \`for\``,
        });
      }
      if (open === null || open.forUs === null || fault.atUs + (fault.forUs ?? 0) > open.atUs + open.forUs) open = fault;
    }
  }
}
