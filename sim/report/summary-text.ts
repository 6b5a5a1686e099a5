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
  const e2e = s.endToEndLatencyMs;
  if (e2e.records > 0) rows.splice(3, 0, ['end-to-end latency', `p50 ${e2e.p50} ms, p99 ${e2e.p99} ms, p99.9 ${e2e.p999} ms, max ${e2e.max} ms (send() to poll())`]);
  rows.push(...producerRows(s), ...unavailabilityRows(s), ...retentionRows(s));
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

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

/** One row per producer when there are several or one uses acks=0, saying what each acks setting promised and lost. */
function producerRows(s: RunSummary): [string, string][] {
  if (s.producers.length < 2 && s.producers.every((p) => p.acks !== '0')) return [];
  return s.producers.map((p) => {
    const anomalies = `${p.duplicates} duplicates, ${p.reordered} reordered; p50 ${p.latencyMs.p50} ms, p99 ${p.latencyMs.p99} ms`;
    if (p.acks === '0') {
      const outcome = `${p.assumed} assumed written (acks=0: complete once on the socket, never answered), ${p.lostAssumedWrites} of them missing from the log`;
      return [`producer ${p.producer}`, `acks=0: ${p.sent} sent, ${outcome}; ${anomalies}`];
    }
    const idempotence = p.idempotent ? ', idempotent' : '';
    const outcome = `${p.acked} acked, ${p.failed} failed, ${p.unknown} unknown; ${p.lostAckedWrites} acked writes lost`;
    return [`producer ${p.producer}`, `acks=${p.acks}${idempotence}: ${p.sent} sent, ${outcome}, ${anomalies}`];
  });
}

/** A row per unavailable partition, or a row per topic when there are too many to read. */
function unavailabilityRows(s: RunSummary): [string, string][] {
  const down = s.partitions.filter((p) => p.maxUnavailableMs > 0);
  if (down.length <= 12) {
    return down.map((p) => [p.partition, `unavailable ${seconds(p.offlineMs)} s in all, longest ${seconds(p.maxUnavailableMs)} s, ${p.leaderChanges} leader changes`]);
  }
  const byTopic = new Map<string, number[]>();
  for (const p of down) {
    const topic = p.partition.slice(0, p.partition.lastIndexOf('/'));
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), p.maxUnavailableMs]);
  }
  return [...byTopic].map(([topic, windows]) => [
    topic,
    `${windows.length} partitions unavailable, their longest windows from ${seconds(Math.min(...windows))} s to ${seconds(Math.max(...windows))} s`,
  ]);
}

/** Where retention deleted something, every partition's retained log (at most 12 rows). */
function retentionRows(s: RunSummary): [string, string][] {
  if (s.partitions.every((p) => p.logStartOffset === 0)) return [];
  return s.partitions
    .slice(0, 12)
    .map((p) => {
      const kept = p.logEndOffset > p.logStartOffset ? `oldest batch ${seconds(p.oldestRecordAgeMs)} s old` : 'nothing left';
      return [`${p.partition} log`, `offsets ${p.logStartOffset}–${p.logEndOffset}, ${kept}`];
    });
}
