// One scenario run, end to end, as every surface needs it (the CLI, the tests, `sim explore`, the
// browser worker): build the world, run it to its end, check the history, fold the trace into the
// figures and the story, and judge the `expect:` block. Pure: no files, no terminal, no clock —
// the caller measures wall time and writes the trace.
//
// Verdict (DESIGN §12): the run is ok when every expectation holds and no anomaly was found where
// none was expected. An anomaly kind counts as expected when an expectation names its figure
// (e.g. `lostAckedWrites: {atLeast: 1}` in a scenario that demonstrates loss).

import type { TraceEvent, TraceSink, DetailLevel } from '../core/trace.ts';
import { checkRun, type CheckReport } from '../check/checkers.ts';
import { GroupPauseFold, type GroupPauseSetup } from '../report/group-pauses.ts';
import { endToEndLatency } from '../report/end-to-end.ts';
import { RunFactsFold } from '../report/run-facts.ts';
import { StoryFold } from '../report/story.ts';
import type { RunSummary } from '../report/summary-types.ts';
import { Simulation } from './build.ts';
import { evaluateExpectations } from './expect.ts';
import { partitionFigures, percentilesMs, producerFigures } from './summary-figures.ts';
import type { ScenarioSpec } from './spec.ts';

export interface RunOptions {
  seed?: number;
  detail?: DetailLevel;
  sinks?: TraceSink[];
  /** Keep the story lines (default true). */
  story?: boolean;
  /** See SimulationOptions.deferQuietSends. */
  deferQuietSends?: boolean;
}

export interface RunResult {
  summary: RunSummary;
  story: string[];
  check: CheckReport;
  simulation: Simulation;
}

/** Events the explanations read; everything else is left out to keep memory flat. */
const EXPLANATION_KINDS = new Set([
  'leader-election',
  'partition-offline',
  'isr-change',
  'truncation',
  'log-recovered',
  'fault',
  'node-down',
  'zk-session',
  'controller',
]);

const ANOMALY_FIGURES: readonly (keyof RunSummary['anomalies'])[] = [
  'lostAckedWrites',
  'duplicates',
  'reordered',
  'divergentReplicas',
  'invariantViolations',
];

export function runScenario(spec: ScenarioSpec, options: RunOptions = {}): RunResult {
  const simulation = new Simulation(spec, {
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.detail === undefined ? {} : { detail: options.detail }),
    ...(options.deferQuietSends === undefined ? {} : { deferQuietSends: options.deferQuietSends }),
    sinks: options.sinks ?? [],
  });
  const facts = new RunFactsFold();
  const pauses = new GroupPauseFold(pauseSetups(simulation));
  const story = new StoryFold();
  const kept: TraceEvent[] = [];
  const tellStory = options.story ?? true;
  simulation.trace.observe((event) => {
    facts.accept(event);
    pauses.accept(event);
    if (tellStory) story.accept(event);
    if (EXPLANATION_KINDS.has(event.k)) kept.push(event);
  });
  simulation.run();
  const check = checkRun(simulation.observer.checkInput(kept));
  // The verdicts join the trace as `anomaly` events, so the viewer's checker panel can show each
  // with its explanation and jump to the events that caused it.
  for (const anomaly of check.anomalyList) {
    simulation.trace.emit('anomaly', {
      kind: anomaly.kind,
      verdict: anomaly.verdict,
      partition: anomaly.partition,
      count: anomaly.records?.count ?? anomaly.offsets.length,
      detail: anomaly.detail,
      explanation: { text: anomaly.explanation.text, events: [...anomaly.explanation.events] },
    });
  }
  const summary = summarize(simulation, check, facts, pauses);
  summary.expectations = evaluateExpectations(spec.expect, summary);
  summary.ok = verdict(spec, summary);
  return { summary, story: story.story(), check, simulation };
}

/** What the pause fold needs to know of each group: its members' nodes, partitions and stop time. */
function pauseSetups(simulation: Simulation): GroupPauseSetup[] {
  const spec = simulation.spec;
  return spec.consumers.map((consumer) => ({
    group: consumer.group,
    members: (simulation.groups.get(consumer.group) ?? []).map((member) => ({ member: member.name, node: member.nodeId })),
    partitions: spec.topics.filter((topic) => consumer.topics.includes(topic.name)).reduce((sum, topic) => sum + topic.partitions, 0),
    stopUs: consumer.stopUs,
  }));
}

function summarize(simulation: Simulation, check: CheckReport, folded: RunFactsFold, pauses: GroupPauseFold): RunSummary {
  const spec = simulation.spec;
  const durationUs = simulation.scheduler.now;
  const seconds = durationUs / 1_000_000;
  const facts = folded.facts(durationUs);
  let sent = 0;
  let acked = 0;
  let failed = 0;
  let unknown = 0;
  let ackedBytes = 0;
  const latencies: Float64Array[] = [];
  for (const [name, producer] of simulation.producers) {
    const totals = producer.history.totals();
    sent += totals.invoked;
    acked += totals.acknowledged;
    failed += totals.failed;
    unknown += totals.unknown + totals.pending;
    const messageBytes = spec.producers.find((p) => p.name === name)?.messageBytes ?? 0;
    ackedBytes += totals.acknowledged * messageBytes;
    latencies.push(producer.history.okLatenciesUs());
  }
  const latencyMs = percentilesMs(latencies);
  return {
    scenario: spec.name,
    seed: simulation.seed,
    traceHash: simulation.trace.traceHash,
    simulatedMs: durationUs / 1000,
    wallMs: 0,
    events: simulation.scheduler.events,
    produced: { sent, acked, failed, unknown },
    consumed: { records: check.consumed.records, duplicates: check.consumed.duplicates },
    anomalies: { ...check.anomalies },
    partitions: partitionFigures(simulation, facts.partitions),
    latencyMs,
    endToEndLatencyMs: endToEndLatency(new Map([...simulation.producers].map(([name, producer]) => [name, producer.history])), simulation.groupHistories()),
    throughput: {
      producedRecordsPerSec: seconds > 0 ? round(acked / seconds) : 0,
      producedBytesPerSec: seconds > 0 ? round(ackedBytes / seconds) : 0,
      consumedRecordsPerSec: seconds > 0 ? round(check.consumed.records / seconds) : 0,
    },
    leaderElections: facts.leaderElections,
    uncleanElections: facts.uncleanElections,
    controllerChanges: facts.controllerChanges,
    isrShrinks: facts.isrShrinks,
    isrExpands: facts.isrExpands,
    groups: check.groups.map((g) => ({
      group: g.group,
      members: spec.consumers.find((c) => c.group === g.group)?.members ?? 0,
      idleMembers: (simulation.groups.get(g.group) ?? []).filter((member) => member.assignment.length === 0).length,
      rebalances: folded.rebalances(g.group),
      processed: g.processed,
      duplicates: g.duplicates,
      lost: g.lost,
      ...pauses.figures(g.group, durationUs),
    })),
    producers: producerFigures(simulation, check),
    expectations: [],
    ok: true,
  };
}

function verdict(spec: ScenarioSpec, summary: RunSummary): boolean {
  if (summary.expectations.some((e) => !e.ok)) return false;
  const expected = new Set(spec.expect.map((e) => e.figure));
  return ANOMALY_FIGURES.every((name) => summary.anomalies[name] === 0 || expected.has(`anomalies.${name}`));
}

function round(value: number): number {
  return Math.round(value);
}
