// Resolution of the `expect:` block into `ExpectationSpec`s (DESIGN §12), in the file's order.
//
// A bare number means "equals". A bounds map must give at least one bound, and its bounds must
// leave some value possible (atLeast 5 with atMost 3 can never hold, which is a scenario bug,
// not a simulator verdict). `partition:` must name a defined topic (and partition); `group:` a
// defined consumer group; `producer:` a defined producer.

import { FIGURES } from './expect-schema.ts';
import type { FigureInfo, ParsedBounds, ParsedExpectValue } from './expect-schema.ts';
import type { Known } from './resolve.ts';
import type { ConsumerSpec, ExpectationScope, ExpectationSpec, ProducerSpec } from './spec.ts';
import type { ParsedScenario } from './schema.ts';
import type { Path, Problem } from './problem.ts';
import { didYouMean, listOf } from './suggest.ts';

export interface ExpectContext extends Known {
  readonly consumers: readonly ConsumerSpec[];
  readonly producers: readonly ProducerSpec[];
}

const BOUNDS = ['equals', 'atLeast', 'atMost', 'below', 'above'] as const;

/** `writtenOrder`: the keys as the file lists them, since parsing reorders them to the schema's order. */
export function resolveExpectations(parsed: ParsedScenario, context: ExpectContext, writtenOrder: readonly string[], problems: Problem[]): ExpectationSpec[] {
  const expectations: ExpectationSpec[] = [];
  const rank = (name: string) => (writtenOrder.includes(name) ? writtenOrder.indexOf(name) : writtenOrder.length);
  const entries = Object.entries(parsed.expect as Record<string, ParsedExpectValue | undefined>).sort(([a], [b]) => rank(a) - rank(b));
  for (const [name, value] of entries) {
    const info = FIGURES[name];
    if (value === undefined || info === undefined) continue;
    const path: Path = ['expect', name];
    if (typeof value === 'number') {
      expectations.push({ name, figure: info.figure, scope: wholeScope(info), equals: value, atLeast: null, atMost: null, below: null, above: null });
      continue;
    }
    const list = Array.isArray(value) ? value : [value];
    list.forEach((bounds, index) => {
      const at = Array.isArray(value) ? [...path, index] : path;
      const expectation = resolveBounds(name, info, bounds, at, context, problems);
      if (expectation !== null) expectations.push(expectation);
    });
  }
  return expectations;
}

function wholeScope(info: FigureInfo): ExpectationScope {
  if (info.scope === 'partition') return { kind: 'partition', topic: null, partition: null };
  if (info.scope === 'group') return { kind: 'group', group: null };
  if (info.scope === 'producer') return { kind: 'producer', producer: null };
  return { kind: 'cluster' };
}

function resolveBounds(name: string, info: FigureInfo, bounds: ParsedBounds, path: Path, context: ExpectContext, problems: Problem[]): ExpectationSpec | null {
  if (BOUNDS.every((bound) => bounds[bound] === undefined)) {
    problems.push({ path, message: `\`${name}\` gives no bound`, hint: `add one of ${listOf(BOUNDS)}, e.g. \`{atMost: 0}\`` });
    return null;
  }
  const value = (bound: (typeof BOUNDS)[number]): number | null => bounds[bound] ?? null;
  const spec: ExpectationSpec = {
    name,
    figure: info.figure,
    scope: resolveScope(info, bounds, path, context, problems),
    equals: value('equals'),
    atLeast: value('atLeast'),
    atMost: value('atMost'),
    below: value('below'),
    above: value('above'),
  };
  if (!satisfiable(spec)) {
    problems.push({
      path,
      message: `no value can meet all the bounds of \`${name}\``,
      hint: 'check the bounds: e.g. atLeast must not exceed atMost',
    });
  }
  return spec;
}

/** Whether some number meets every bound: the largest lower bound stays under the smallest upper one. */
function satisfiable(spec: ExpectationSpec): boolean {
  const lower = Math.max(spec.atLeast ?? -Infinity, spec.above ?? -Infinity, spec.equals ?? -Infinity);
  const upper = Math.min(spec.atMost ?? Infinity, spec.below ?? Infinity, spec.equals ?? Infinity);
  const strict = (spec.above !== null && spec.above >= lower) || (spec.below !== null && spec.below <= upper);
  return strict ? lower < upper : lower <= upper;
}

function resolveScope(info: FigureInfo, bounds: ParsedBounds, path: Path, context: ExpectContext, problems: Problem[]): ExpectationScope {
  if (info.scope === 'group') {
    const groups = context.consumers.map((consumer) => consumer.group);
    if (bounds.group !== undefined && !groups.includes(bounds.group)) {
      problems.push({
        path: [...path, 'group'],
        message: `consumer group \`${bounds.group}\` does not exist (groups: ${groups.length === 0 ? 'none' : listOf(groups)})`,
        hint: didYouMean(bounds.group, groups),
      });
    }
    return { kind: 'group', group: bounds.group ?? null };
  }
  if (info.scope === 'producer') return producerScope(bounds, path, context, problems);
  if (info.scope === 'cluster') return { kind: 'cluster' };
  if (bounds.partition === undefined) return { kind: 'partition', topic: null, partition: null };
  const text = bounds.partition;
  const slash = text.lastIndexOf('/');
  const topicName = slash < 0 ? text : text.slice(0, slash);
  const index = slash < 0 ? null : text.slice(slash + 1);
  const topic = context.topics.get(topicName);
  const at: Path = [...path, 'partition'];
  if (topic === undefined) {
    const names = [...context.topics.keys()];
    problems.push({
      path: at,
      message: `topic \`${topicName}\` is not defined (topics: ${names.length === 0 ? 'none' : listOf(names)})`,
      hint: didYouMean(topicName, names),
    });
  } else if (index !== null && (!/^\d{1,9}$/.test(index) || Number(index) >= topic.partitions)) {
    problems.push({
      path: at,
      message: `\`${text}\` is not a partition of \`${topic.name}\`, which has partitions 0..${topic.partitions - 1}`,
      hint: 'write TOPIC/P, e.g. `orders/0`, or just TOPIC for all its partitions',
    });
  }
  return { kind: 'partition', topic: topicName, partition: index === null ? null : Number(index) };
}

function producerScope(bounds: ParsedBounds, path: Path, context: ExpectContext, problems: Problem[]): ExpectationScope {
  const names = context.producers.map((producer) => producer.name);
  if (bounds.producer !== undefined && !names.includes(bounds.producer)) {
    problems.push({
      path: [...path, 'producer'],
      message: `producer \`${bounds.producer}\` does not exist (producers: ${names.length === 0 ? 'none' : listOf(names)})`,
      hint: didYouMean(bounds.producer, names),
    });
  }
  return { kind: 'producer', producer: bounds.producer ?? null };
}
