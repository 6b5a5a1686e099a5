// The comparison of two runs of one scenario (lab-view.ts): the figures a class argues about —
// what was acknowledged, what failed or stayed unknown, what acknowledged data was lost, how long
// the worst partition had no leader, the p99 acknowledgement latency, the elections — side by
// side, with the worse value of each row marked in words as well as colour. Also the faults of a
// scenario in words, for the knobs that switch them off.

import type { RunSummary } from '../sim/report/summary-types.ts';
import type { FaultSpec, PartitionShape, TargetSpec } from '../sim/scenario/spec.ts';
import { el } from './dom.ts';
import { formatCount, formatTimeCompact } from './format.ts';
import type { FinishedRun } from './run-client.ts';

function target(spec: TargetSpec): string {
  switch (spec.type) {
    case 'broker':
      return `broker ${spec.brokerId}`;
    case 'zk':
      return `ZooKeeper ${spec.serverId}`;
    case 'rack':
      return `rack ${spec.rack}`;
    case 'producer':
      return `producer ${spec.producer}`;
    case 'consumer':
      return `consumer ${spec.group}/${spec.member}`;
    case 'leader':
      return `the leader of ${spec.topic}/${spec.partition}`;
    case 'controller':
      return 'the controller';
  }
}

function shape(spec: PartitionShape): string {
  if (spec.type === 'isolate') return `cut off ${target(spec.target)}`;
  if (spec.type === 'one-way') return `drop ${spec.from.map(target).join(', ')} → ${spec.to.map(target).join(', ')}`;
  return `partition ${spec.groups.map((group) => `{${group.map(target).join(', ')}}`).join(' | ')}`;
}

/** "20s: crash the leader of orders/0, for 25s". */
export function describeFault(fault: FaultSpec): string {
  const at = formatTimeCompact(fault.atUs);
  const lasting = fault.forUs === null ? '' : `, for ${formatTimeCompact(fault.forUs)}`;
  switch (fault.kind) {
    case 'partition':
      return `${at}: ${shape(fault.shape)}${lasting}`;
    case 'heal':
      return `${at}: heal every partition and slow-down`;
    case 'slow-disk':
      return `${at}: disk ${fault.factor}× slower on ${target(fault.target)}${lasting}`;
    case 'slow-network':
      return `${at}: slow network on ${target(fault.target)}${lasting}`;
    case 'config':
      return `${at}: change ${Object.keys(fault.set).join(', ')}`;
    default:
      return `${at}: ${fault.kind} ${target(fault.target)}${lasting}`;
  }
}

interface Row {
  name: string;
  value: (summary: RunSummary) => number;
  format: (value: number, summary: RunSummary) => string;
  /** Which direction is worse, for marking: more of it is worse, or less of it is. */
  worse: 'more' | 'less' | 'none';
}

const longest = (summary: RunSummary): { ms: number; partition: string } =>
  summary.partitions.reduce((best, each) => (each.maxUnavailableMs > best.ms ? { ms: each.maxUnavailableMs, partition: each.partition } : best), { ms: 0, partition: '' });

const ROWS: readonly Row[] = [
  { name: 'verdict', value: (s) => (s.ok ? 1 : 0), format: (v) => (v === 1 ? 'ok' : 'failed its expectations'), worse: 'less' },
  { name: 'acknowledged writes', value: (s) => s.produced.acked, format: (v) => formatCount(v), worse: 'less' },
  { name: 'failed writes', value: (s) => s.produced.failed, format: (v) => formatCount(v), worse: 'more' },
  { name: 'outcome unknown', value: (s) => s.produced.unknown, format: (v) => formatCount(v), worse: 'more' },
  { name: 'acknowledged writes lost', value: (s) => s.anomalies.lostAckedWrites, format: (v) => formatCount(v), worse: 'more' },
  { name: 'longest time without a leader', value: (s) => longest(s).ms, format: (v, s) => (v === 0 ? 'none' : `${(v / 1000).toFixed(1)} s (${longest(s).partition})`), worse: 'more' },
  { name: 'p99 ack latency', value: (s) => s.latencyMs.p99, format: (v) => `${v.toFixed(1)} ms`, worse: 'more' },
  { name: 'leader elections (unclean)', value: (s) => s.uncleanElections, format: (_, s) => `${s.leaderElections} (${s.uncleanElections})`, worse: 'more' },
  { name: 'traceHash', value: () => 0, format: (_, s) => s.traceHash, worse: 'none' },
];

/** The scorecard table, or a hint while no run has finished. */
export function scorecard(runs: readonly { label: string; result: FinishedRun | null }[]): HTMLElement {
  const done = runs.filter((run): run is { label: string; result: FinishedRun } => run.result !== null);
  if (done.length === 0) return el('p', { class: 'panel-note', text: 'Run A and B (the same seed, one knob apart) to compare them here.' });
  const head = el('tr', {}, [el('th', { text: 'Figure', attrs: { scope: 'col' } }), ...done.map((run) => el('th', { text: `Run ${run.label}`, attrs: { scope: 'col' } }))]);
  const rows = ROWS.map((row) => {
    const values = done.map((run) => row.value(run.result.summary));
    const texts = done.map((run, index) => row.format(values[index] as number, run.result.summary));
    const worst = row.worse === 'more' ? Math.max(...values) : Math.min(...values);
    // Only a difference the reader can see is marked (16.0 s against 16.0 s is not).
    const differ = texts.some((text) => text !== texts[0]);
    return el('tr', {}, [
      el('th', { text: row.name, attrs: { scope: 'row' } }),
      ...done.map((run, index) => {
        const bad = row.worse !== 'none' && differ && values[index] === worst;
        return el('td', { class: bad ? 'worse' : '', attrs: { 'data-figure': row.name } }, [texts[index] as string, bad ? el('span', { class: 'worse-tag', text: ' worse' }) : null]);
      }),
    ]);
  });
  return el('table', { class: 'scorecard-table' }, [el('caption', { text: 'Scorecard' }), el('thead', {}, [head]), el('tbody', {}, rows)]);
}
