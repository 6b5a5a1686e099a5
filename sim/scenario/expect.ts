// Checking a scenario's `expect:` block against a run's summary (DESIGN §12). Each expectation
// names a figure by dotted path; per-partition, per-group and per-producer figures are checked for
// every entry in scope (`partition: orders/0`, a whole topic, or all; likewise `group:` and
// `producer:`), and the expectation holds only if every one does. The detail says which value
// broke which bound, so a failure needs no digging.

import type { ExpectationResult, RunSummary } from '../report/summary-types.ts';
import type { ExpectationSpec } from './spec.ts';

interface Sample {
  where: string;
  value: number;
}

export function evaluateExpectations(expectations: readonly ExpectationSpec[], summary: RunSummary): ExpectationResult[] {
  return expectations.map((expectation) => evaluate(expectation, summary));
}

function evaluate(expectation: ExpectationSpec, summary: RunSummary): ExpectationResult {
  const samples = samplesFor(expectation, summary);
  const bounds = describeBounds(expectation);
  if (samples.length === 0) {
    return { name: expectation.name, ok: false, detail: `no ${expectation.figure} figure in scope (${describeScope(expectation)}) to check ${bounds} against` };
  }
  const broken = samples.filter((sample) => !holds(expectation, sample.value));
  if (broken.length === 0) return { name: expectation.name, ok: true, detail: `${expectation.figure} = ${describeSamples(samples)}, ${bounds}` };
  const listed = broken.slice(0, LISTED_SAMPLES).map((s) => (s.where === '' ? `${s.value}` : `${s.value} for ${s.where}`));
  if (broken.length > LISTED_SAMPLES) listed.push(`and ${broken.length - LISTED_SAMPLES} more`);
  return { name: expectation.name, ok: false, detail: `${expectation.figure} = ${listed.join(', ')}, expected ${bounds}` };
}

/** Values named in a detail; beyond it a passing check gives the range, a failing one a count. */
const LISTED_SAMPLES = 10;

function describeSamples(samples: readonly Sample[]): string {
  if (samples.length === 1) return `${samples[0]!.value}`;
  if (samples.length <= LISTED_SAMPLES) return samples.map((s) => `${s.where}=${s.value}`).join(', ');
  const low = samples.reduce((a, b) => (b.value < a.value ? b : a));
  const high = samples.reduce((a, b) => (b.value > a.value ? b : a));
  return `${low.value} (${low.where}) to ${high.value} (${high.where}) over ${samples.length}`;
}

function holds(e: ExpectationSpec, value: number): boolean {
  if (e.equals !== null && value !== e.equals) return false;
  if (e.atLeast !== null && value < e.atLeast) return false;
  if (e.atMost !== null && value > e.atMost) return false;
  if (e.below !== null && !(value < e.below)) return false;
  if (e.above !== null && !(value > e.above)) return false;
  return true;
}

function samplesFor(e: ExpectationSpec, summary: RunSummary): Sample[] {
  const [, ...rest] = e.figure.split('.');
  const field = rest.join('.');
  if (e.scope.kind === 'partition') {
    const { topic, partition } = e.scope;
    return summary.partitions
      .filter((p) => {
        const slash = p.partition.lastIndexOf('/');
        const pTopic = p.partition.slice(0, slash);
        const pNumber = Number(p.partition.slice(slash + 1));
        return (topic === null || pTopic === topic) && (partition === null || pNumber === partition);
      })
      .map((p) => ({ where: p.partition, value: numberAt(p, field) }))
      .filter((s): s is Sample => Number.isFinite(s.value));
  }
  if (e.scope.kind === 'producer') {
    const { producer } = e.scope;
    return summary.producers
      .filter((p) => producer === null || p.producer === producer)
      .map((p) => ({ where: p.producer, value: numberAt(p, field) }))
      .filter((s): s is Sample => Number.isFinite(s.value));
  }
  if (e.scope.kind === 'group') {
    const { group } = e.scope;
    return summary.groups
      .filter((g) => group === null || g.group === group)
      .map((g) => ({ where: g.group, value: numberAt(g, field) }))
      .filter((s): s is Sample => Number.isFinite(s.value));
  }
  const value = numberAt(summary, e.figure);
  return Number.isFinite(value) ? [{ where: '', value }] : [];
}

function numberAt(root: object, path: string): number {
  let node: unknown = root;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null) return Number.NaN;
    node = (node as Record<string, unknown>)[key];
  }
  if (typeof node === 'boolean') return node ? 1 : 0;
  return typeof node === 'number' ? node : Number.NaN;
}

function describeBounds(e: ExpectationSpec): string {
  const parts: string[] = [];
  if (e.equals !== null) parts.push(`= ${e.equals}`);
  if (e.atLeast !== null) parts.push(`≥ ${e.atLeast}`);
  if (e.atMost !== null) parts.push(`≤ ${e.atMost}`);
  if (e.below !== null) parts.push(`< ${e.below}`);
  if (e.above !== null) parts.push(`> ${e.above}`);
  return parts.join(' and ');
}

function describeScope(e: ExpectationSpec): string {
  if (e.scope.kind === 'partition') {
    if (e.scope.topic === null) return 'every partition';
    return e.scope.partition === null ? `every partition of ${e.scope.topic}` : `${e.scope.topic}/${e.scope.partition}`;
  }
  if (e.scope.kind === 'group') return e.scope.group === null ? 'every group' : `group ${e.scope.group}`;
  if (e.scope.kind === 'producer') return e.scope.producer === null ? 'every producer' : `producer ${e.scope.producer}`;
  return 'the cluster';
}
