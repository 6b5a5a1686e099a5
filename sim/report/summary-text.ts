// The figures of a run as a plain-text table for `sim run` (the JSON summary, read aloud).

import type { RunSummary } from './summary-types.ts';

export function formatSummaryTable(s: RunSummary): string[] {
  const rows: [string, string][] = [
    ['produced', `${s.produced.sent} sent, ${s.produced.acked} acked, ${s.produced.failed} failed, ${s.produced.unknown} unknown`],
    ['anomalies', `${s.anomalies.lostAckedWrites} lost acked writes, ${s.anomalies.duplicates} duplicates, ${s.anomalies.reordered} reordered, ${s.anomalies.divergentReplicas} divergent replicas, ${s.anomalies.invariantViolations} invariant violations`],
    ['ack latency', `p50 ${s.latencyMs.p50} ms, p99 ${s.latencyMs.p99} ms, max ${s.latencyMs.max} ms`],
    ['throughput', `${s.throughput.producedRecordsPerSec} records/s acked (${(s.throughput.producedBytesPerSec / 1e6).toFixed(2)} MB/s)`],
    ['cluster', `${s.leaderElections} leader elections (${s.uncleanElections} unclean), ${s.controllerChanges} controller changes, ${s.isrShrinks} ISR shrinks, ${s.isrExpands} ISR expands`],
  ];
  for (const p of s.partitions.filter((p) => p.maxUnavailableMs > 0)) {
    rows.push([`${p.partition}`, `unavailable ${(p.offlineMs / 1000).toFixed(3)} s in all, longest ${(p.maxUnavailableMs / 1000).toFixed(3)} s, ${p.leaderChanges} leader changes`]);
  }
  for (const g of s.groups) {
    rows.push([`group ${g.group}`, `${g.processed} processed, ${g.duplicates} processed twice, ${g.lost} lost; ${g.rebalances} rebalances, at most ${g.maxPausedPartitions} partitions paused at once, whole group stopped ${g.stoppedMs} ms`]);
  }
  rows.push(['run', `${(s.simulatedMs / 1000).toFixed(1)} s simulated in ${(s.wallMs / 1000).toFixed(2)} s (${s.events} events)`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = ['Figures:', ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)];
  if (s.expectations.length > 0) {
    lines.push('', 'Expectations:');
    for (const e of s.expectations) lines.push(`  ${e.ok ? 'ok  ' : 'FAIL'}  ${e.name}: ${e.detail}`);
  }
  return lines;
}
