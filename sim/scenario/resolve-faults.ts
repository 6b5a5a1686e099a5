// Resolution of the `faults:` timeline (DESIGN §8) into `FaultSpec`s sorted by time.
//
// Checks, each a problem on the entry's path: exactly one kind per entry; every target names
// exactly one thing and that thing exists (broker ids, ZooKeeper server ids, racks, producers,
// group members, topic partitions for `leader:`); each kind accepts only targets it can act on
// (`zk-crash` wants `zk:`, `client-crash` a producer or consumer); `at` inside the run; `for`
// only where it can be undone, and required for `pause`; and no two faults of one kind on one
// target whose windows overlap, since undoing the first would cut the second short.

import { formatDuration } from '../core/time.ts';
import type { ParsedNode, ParsedSide, ParsedTarget } from './fault-schema.ts';
import type { Known } from './resolve.ts';
import type { ConsumerSpec, FaultKind, FaultSpec, PartitionShape, ProducerSpec, TargetSpec } from './spec.ts';
import { FAULT_KINDS } from './spec.ts';
import type { ParsedFault, ParsedScenario } from './schema.ts';
import type { Path, Problem } from './problem.ts';
import { checkOverlaps, targetProblem, topicProblem } from './fault-checks.ts';
import { didYouMean } from './suggest.ts';

export interface FaultContext extends Known {
  readonly producers: readonly ProducerSpec[];
  readonly consumers: readonly ConsumerSpec[];
}

type TargetType = TargetSpec['type'];

const MACHINE: readonly TargetType[] = ['broker', 'rack', 'leader', 'controller'];
const CLIENT: readonly TargetType[] = ['producer', 'consumer'];

/** The targets each kind can act on. */
const ALLOWED_TARGETS: Readonly<Record<Exclude<FaultKind, 'partition' | 'heal' | 'config'>, readonly TargetType[]>> = {
  crash: MACHINE,
  restart: ['broker', 'rack'],
  'power-loss': MACHINE,
  shutdown: MACHINE,
  start: ['broker', 'rack'],
  pause: [...MACHINE, 'zk', ...CLIENT],
  'zk-crash': ['zk'],
  'zk-restart': ['zk'],
  'client-crash': CLIENT,
  'client-restart': CLIENT,
  'slow-disk': [...MACHINE, 'zk'],
  'slow-network': [...MACHINE, 'zk', ...CLIENT],
};

/** Kinds whose effect `for` cannot undo: they are themselves the undoing. */
const NO_WINDOW: readonly FaultKind[] = ['heal', 'restart', 'start', 'zk-restart', 'client-restart'];

export function resolveFaults(parsed: ParsedScenario, context: FaultContext, problems: Problem[]): FaultSpec[] {
  const resolved: FaultSpec[] = [];
  parsed.faults.forEach((fault, index) => {
    const spec = resolveFault(fault, index, context, problems);
    if (spec !== null) resolved.push(spec);
  });
  checkOverlaps(resolved, problems);
  return resolved.sort((a, b) => a.atUs - b.atUs || a.index - b.index);
}

function faultKind(fault: ParsedFault, path: Path, problems: Problem[]): FaultKind | null {
  const kinds = FAULT_KINDS.filter((kind) => fault[kind] !== undefined);
  if (kinds.length === 1) return kinds[0] as FaultKind;
  problems.push(
    kinds.length === 0
      ? { path, message: 'this fault has no kind', hint: `add one of ${FAULT_KINDS.join(', ')}, e.g. \`crash: {broker: 1}\`` }
      : {
          path: [...path, kinds[1] as string],
          message: `one fault per entry: found ${kinds.map((kind) => `\`${kind}\``).join(' and ')}`,
          hint: 'split them into separate entries (they may share the same `at`)',
          atKey: true,
        },
  );
  return null;
}

function resolveFault(fault: ParsedFault, index: number, context: FaultContext, problems: Problem[]): FaultSpec | null {
  const path: Path = ['faults', index];
  const kind = faultKind(fault, path, problems);
  if (kind === null) return null;
  checkTiming(fault, kind, path, context, problems);
  const timing = { atUs: fault.at, forUs: fault.for ?? null, index };
  const body = faultBody(fault, kind, [...path, kind], context, problems);
  return body === null ? null : ({ ...timing, ...body } as FaultSpec);
}

function checkTiming(fault: ParsedFault, kind: FaultKind, path: Path, context: FaultContext, problems: Problem[]): void {
  if (fault.at > context.durationUs) {
    problems.push({
      path: [...path, 'at'],
      message: `the fault fires at ${formatDuration(fault.at)}, after the run ends at ${formatDuration(context.durationUs)}`,
      hint: 'lower `at`, or raise `duration`',
    });
  }
  if (fault.for !== undefined && NO_WINDOW.includes(kind)) {
    problems.push({ path: [...path, 'for'], message: `\`${kind}\` cannot be undone, so it takes no \`for\``, hint: 'remove `for`' });
  } else if (fault.for === 0) {
    problems.push({ path: [...path, 'for'], message: '`for` must be longer than zero', hint: 'remove `for` to leave the fault in force' });
  } else if (kind === 'pause' && fault.for === undefined) {
    problems.push({ path, message: 'a pause needs `for`: how long the process stays frozen', hint: 'add e.g. `for: 10s`' });
  }
}

/** A fault without its timing; the conditional distributes over the kinds, so each keeps its fields. */
type WithoutTiming<F> = F extends FaultSpec ? Omit<F, 'atUs' | 'forUs' | 'index'> : never;
type FaultBody = WithoutTiming<FaultSpec>;

function faultBody(fault: ParsedFault, kind: FaultKind, path: Path, context: FaultContext, problems: Problem[]): FaultBody | null {
  switch (kind) {
    case 'heal':
      return { kind };
    case 'partition':
      return partitionBody(fault.partition as NonNullable<ParsedFault['partition']>, path, context, problems);
    case 'config':
      return configBody(fault.config as NonNullable<ParsedFault['config']>, path, context, problems);
    case 'slow-disk': {
      const { factor, ...target } = fault[kind] as NonNullable<ParsedFault['slow-disk']>;
      const resolved = resolveTarget(target, kind, path, context, problems);
      return resolved === null ? null : { kind, target: resolved, factor };
    }
    case 'slow-network': {
      const { latency, bandwidth, ...target } = fault[kind] as NonNullable<ParsedFault['slow-network']>;
      if (latency === undefined && bandwidth === undefined) {
        problems.push({
          path,
          message: 'slow-network needs `latency`, `bandwidth` or both',
          hint: 'e.g. `slow-network: {broker: 1, latency: 200ms}`',
        });
      }
      const resolved = resolveTarget(target, kind, path, context, problems);
      return resolved === null ? null : { kind, target: resolved, addedLatencyUs: latency ?? 0, bandwidthBytesPerSecond: bandwidth ?? null };
    }
    default: {
      const resolved = resolveTarget(fault[kind] as ParsedTarget, kind, path, context, problems);
      return resolved === null ? null : { kind, target: resolved };
    }
  }
}

/** A target for `kind`, checked against what the kind can act on and against what exists. */
function resolveTarget(written: ParsedTarget, kind: keyof typeof ALLOWED_TARGETS, path: Path, context: FaultContext, problems: Problem[]): TargetSpec | null {
  const allowed = ALLOWED_TARGETS[kind];
  const target = parseTarget(written, path, context, problems);
  if (target === null) return null;
  if (!allowed.includes(target.type)) {
    const instead = target.type === 'zk' ? ' (use zk-crash / zk-restart for ZooKeeper servers)' : CLIENT.includes(target.type) ? ' (use client-crash / client-restart for clients)' : '';
    problems.push({
      path: [...path, target.type],
      message: `\`${kind}\` cannot target ${target.type === 'zk' ? 'a ZooKeeper server' : `a ${target.type}`}${instead}`,
      hint: `\`${kind}\` takes ${allowed.map((type) => `\`${type}\``).join(', ')}`,
      atKey: true,
    });
    return null;
  }
  return target;
}

/** One target out of a written map (or the word `controller`), checked to exist. */
function parseTarget(written: ParsedTarget, path: Path, context: FaultContext, problems: Problem[]): TargetSpec | null {
  if (written === 'controller') return { type: 'controller' };
  const keys = (Object.keys(written) as (keyof typeof written)[]).filter((key) => written[key] !== undefined);
  if (keys.length !== 1) {
    problems.push({
      path,
      message: keys.length === 0 ? 'no target given' : `one target per fault: found ${keys.map((key) => `\`${key}\``).join(' and ')}`,
      hint: 'name exactly one of broker, zk, rack, producer, consumer, leader or controller',
    });
    return null;
  }
  const key = keys[0] as keyof typeof written;
  const outcome = targetProblem(key, written[key] as string | number | true, context);
  if ('problem' in outcome) {
    problems.push({ path: [...path, key], message: outcome.problem, hint: outcome.hint });
    return null;
  }
  return outcome.target;
}

function parseNode(node: ParsedNode, path: Path, context: FaultContext, problems: Problem[]): TargetSpec | null {
  return parseTarget(typeof node === 'number' ? { broker: node } : node, path, context, problems);
}

function parseSide(side: ParsedSide, path: Path, context: FaultContext, problems: Problem[]): TargetSpec[] {
  const nodes = Array.isArray(side) ? side : [side];
  const resolved = nodes.map((node, index) => parseNode(node, Array.isArray(side) ? [...path, index] : path, context, problems));
  return resolved.filter((target): target is TargetSpec => target !== null);
}

function partitionBody(written: NonNullable<ParsedFault['partition']>, path: Path, context: FaultContext, problems: Problem[]): FaultBody | null {
  const modes = [written.isolate !== undefined, written.between !== undefined, written.from !== undefined || written.to !== undefined].filter(Boolean).length;
  if (modes !== 1) {
    problems.push({
      path,
      message: modes === 0 ? 'a partition needs `isolate`, `between` or `from`/`to`' : 'a partition takes one of `isolate`, `between` or `from`/`to`',
      hint: 'e.g. `partition: {isolate: {broker: 2}}` or `partition: {between: [[1], [2, 3]]}`',
    });
    return null;
  }
  let shape: PartitionShape | null = null;
  if (written.isolate !== undefined) {
    const target = parseTarget(written.isolate, [...path, 'isolate'], context, problems);
    shape = target === null ? null : { type: 'isolate', target };
  } else if (written.between !== undefined) {
    shape = { type: 'between', groups: written.between.map((side, index) => parseSide(side, [...path, 'between', index], context, problems)) };
  } else if (written.from === undefined || written.to === undefined) {
    problems.push({ path, message: 'a one-way partition needs both `from` and `to`', hint: 'e.g. `partition: {from: [1], to: [2, 3]}`' });
  } else {
    const from = parseSide(written.from, [...path, 'from'], context, problems);
    shape = { type: 'one-way', from, to: parseSide(written.to, [...path, 'to'], context, problems) };
  }
  return shape === null ? null : { kind: 'partition', shape };
}

function configBody(written: NonNullable<ParsedFault['config']>, path: Path, context: FaultContext, problems: Problem[]): FaultBody | null {
  if ('broker' in written) {
    const outcome = targetProblem('broker', written.broker, context);
    if ('problem' in outcome) problems.push({ path: [...path, 'broker'], message: outcome.problem, hint: outcome.hint });
    return { kind: 'config', scope: { type: 'broker', brokerId: written.broker }, set: written.set };
  }
  if ('topic' in written) {
    const problem = topicProblem(written.topic, context);
    if (problem !== null) {
      problems.push({
        path: [...path, 'topic'],
        message: problem,
        hint: didYouMean(written.topic, [...context.topics.keys()]),
      });
    }
    return { kind: 'config', scope: { type: 'topic', topic: written.topic }, set: written.set };
  }
  const outcome = targetProblem('producer', written.producer, context);
  if ('problem' in outcome) problems.push({ path: [...path, 'producer'], message: outcome.problem, hint: outcome.hint });
  return { kind: 'config', scope: { type: 'producer', producer: written.producer }, set: written.set };
}
