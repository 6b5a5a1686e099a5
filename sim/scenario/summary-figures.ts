// The parts of the run summary (DESIGN §12) read from the live simulation at the end rather than
// folded from the trace: each producer's outcome next to the checker's verdict on its records
// (what acks=0, acks=1 and acks=all each promised and what was lost, FIDELITY A2, A10), and each
// partition's retained log (its start and end offsets and the age of its oldest batch, which shows what
// retention.ms deleted and what the active segment kept, FIDELITY §D).
//
// A partition's log is its leader's at the end; while the partition is offline, that of the first
// broker holding a replica (by broker id), as the checker's reference replica stands in.

import type { CheckReport } from '../check/checkers.ts';
import type { PartitionTimeline } from '../report/run-facts.ts';
import type { PartitionFigures, ProducerFigures, RunSummary } from '../report/summary-types.ts';
import type { Simulation } from './build.ts';
import { nearestRank, valuesAtRanks } from '../core/ranks.ts';

/** One entry per producer, in the scenario's order. */
export function producerFigures(simulation: Simulation, check: CheckReport): ProducerFigures[] {
  const checked = new Map(check.producers.map((totals) => [totals.producer, totals]));
  return [...simulation.producers].map(([name, producer]) => {
    const totals = producer.history.totals();
    const verdict = checked.get(name);
    return {
      producer: name,
      acks: producer.config.acks,
      idempotent: producer.config['enable.idempotence'],
      sent: totals.invoked,
      acked: totals.acknowledged,
      assumed: totals.ok - totals.acknowledged,
      failed: totals.failed,
      unknown: totals.unknown + totals.pending,
      lostAckedWrites: verdict?.lostAckedWrites ?? 0,
      lostAssumedWrites: verdict?.lostAssumedWrites ?? 0,
      duplicates: verdict?.duplicates ?? 0,
      reordered: verdict?.reordered ?? 0,
      latencyMs: percentilesMs([producer.history.okLatenciesUs()]),
    };
  });
}

/** The trace's per-partition figures with each partition's retained log added. */
export function partitionFigures(simulation: Simulation, timelines: readonly PartitionTimeline[]): PartitionFigures[] {
  const nowUs = simulation.scheduler.now;
  return timelines.map((timeline) => {
    const log = finalLog(simulation, timeline.partition);
    if (log === undefined) return { ...timeline, logStartOffset: 0, logEndOffset: 0, oldestRecordAgeMs: 0 };
    const oldest = log.batchContaining(log.logStartOffset);
    return {
      ...timeline,
      logStartOffset: log.logStartOffset,
      logEndOffset: log.logEndOffset,
      oldestRecordAgeMs: oldest === undefined ? 0 : round3((nowUs - oldest.maxTimestampUs) / 1000),
    };
  });
}

function finalLog(simulation: Simulation, partition: string) {
  const leader = simulation.observer.leaderOf(partition);
  const ids = leader === null ? [...simulation.brokers.keys()].sort((a, b) => a - b) : [leader];
  for (const id of ids) {
    const replica = simulation.brokers.get(id)?.current?.replicaManager.partitions.get(partition);
    if (replica !== undefined) return replica.log;
  }
  return undefined;
}

/** p50/p99/max of the acknowledged records' latencies of one or more producers, nearest rank, in ms. */
export function percentilesMs(parts: readonly Float64Array[]): RunSummary['latencyMs'] {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  if (total === 0) return { p50: 0, p99: 0, max: 0 };
  const all = new Float64Array(total);
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  const [p50, p99, max] = valuesAtRanks(all, [nearestRank(50, total), nearestRank(99, total), total]) as [number, number, number];
  return { p50: round3(p50 / 1000), p99: round3(p99 / 1000), max: round3(max / 1000) };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
