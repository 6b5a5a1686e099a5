// The `expect:` block (DESIGN §12): checks of the run's JSON summary, by figure name.
//
// A key is a summary figure by its dotted path (`anomalies.lostAckedWrites`,
// `throughput.producedRecordsPerSec`), or a shorthand: the anomaly names alone
// (`lostAckedWrites`), and the per-partition, per-group and per-producer figures by their own
// names where the name is not taken (`maxUnavailableMs`, alias `maxUnavailability`; `rebalances`;
// `lostAssumedWrites`, while `producers.lostAckedWrites` needs its path). A value is a number
// (must equal) or bounds `{atLeast, atMost, below, above}`; per-partition, per-group and
// per-producer figures also take `partition: TOPIC/P` (or just TOPIC), `group: NAME` or
// `producer: NAME` (omitted: every one), and a list of such maps. Figures in milliseconds also
// accept durations ("25s"). The wall-clock figure `wallMs` is left out on purpose: it differs
// between runs, and expectations must not.

import { z } from 'zod';
import { DurationError, parseDuration, US_PER_MS } from '../core/time.ts';
import { addIssue } from './fields.ts';

export type FigureScope = 'cluster' | 'partition' | 'group' | 'producer';

export interface FigureInfo {
  readonly figure: string;
  readonly scope: FigureScope;
  readonly ms: boolean;
  readonly doc: string;
}

const cluster = (figure: string, doc: string, ms = false): FigureInfo => ({ figure, scope: 'cluster', ms, doc });
const partition = (name: string, doc: string, ms = false): FigureInfo => ({ figure: `partitions.${name}`, scope: 'partition', ms, doc });
const group = (name: string, doc: string, ms = false): FigureInfo => ({ figure: `groups.${name}`, scope: 'group', ms, doc });
const producer = (name: string, doc: string, ms = false): FigureInfo => ({ figure: `producers.${name}`, scope: 'producer', ms, doc });

const ANOMALIES: Record<string, string> = {
  lostAckedWrites: 'Acknowledged writes no consumer or replica can read any more.',
  duplicates: 'Records written more than once to a partition.',
  reordered: "Records of one producer out of send order within a partition.",
  divergentReplicas: 'Replicas that disagree below their high watermark at the end.',
  invariantViolations: 'Live invariant violations (LeaderInIsr, StrongIsr, monotonic HW and epochs).',
};

/** Per-producer figures (the summary's producers[]): what each acks setting promised and lost. */
const PER_PRODUCER: readonly [string, string, boolean][] = [
  ['sent', 'Records a producer sent.', false],
  ['acked', 'Records a broker acknowledged with an offset (none with acks=0).', false],
  ['assumed', 'Records completed without an offset: with acks=0 every send, complete once written to the socket.', false],
  ['failed', 'Records that definitely failed.', false],
  ['unknown', 'Records whose outcome is unknown.', false],
  ['lostAckedWrites', 'Acknowledged records of a producer missing from the committed log.', false],
  ['lostAssumedWrites', 'Assumed (acks=0) records missing from the committed log although a later one of the producer is there.', false],
  ['duplicates', 'Records of a producer written more than once to a partition.', false],
  ['reordered', 'Records of a producer out of send order within a partition.', false],
  ['latencyMs.p50', "Median send-to-completion latency of a producer's completed records.", true],
  ['latencyMs.p99', "99th percentile send-to-completion latency of a producer's completed records.", true],
  ['latencyMs.max', "Largest send-to-completion latency of a producer's completed records.", true],
];

function buildFigures(): Record<string, FigureInfo> {
  const figures: Record<string, FigureInfo> = {
    simulatedMs: cluster('simulatedMs', 'Simulated time the run covered.', true),
    events: cluster('events', 'Events the simulator executed.'),
    'produced.sent': cluster('produced.sent', 'Records producers sent.'),
    'produced.acked': cluster('produced.acked', 'Records acknowledged.'),
    'produced.failed': cluster('produced.failed', 'Records that definitely failed.'),
    'produced.unknown': cluster('produced.unknown', 'Records whose outcome is unknown (timeouts).'),
    'consumed.records': cluster('consumed.records', 'Records consumers processed.'),
    'consumed.duplicates': cluster('consumed.duplicates', 'Records a group processed more than once.'),
    'latencyMs.p50': cluster('latencyMs.p50', 'Median produce-to-ack latency.', true),
    'latencyMs.p99': cluster('latencyMs.p99', '99th percentile produce-to-ack latency.', true),
    'latencyMs.max': cluster('latencyMs.max', 'Largest produce-to-ack latency.', true),
    'throughput.producedRecordsPerSec': cluster('throughput.producedRecordsPerSec', 'Acknowledged records per simulated second.'),
    'throughput.producedBytesPerSec': cluster('throughput.producedBytesPerSec', 'Acknowledged bytes per simulated second.'),
    'throughput.consumedRecordsPerSec': cluster('throughput.consumedRecordsPerSec', 'Consumed records per simulated second.'),
    leaderElections: cluster('leaderElections', 'Partition leader elections.'),
    uncleanElections: cluster('uncleanElections', 'Elections of a replica outside the ISR.'),
    controllerChanges: cluster('controllerChanges', 'Times the active controller changed.'),
    isrShrinks: cluster('isrShrinks', 'ISR shrinks.'),
    isrExpands: cluster('isrExpands', 'ISR expansions.'),
  };
  for (const [name, doc] of Object.entries(ANOMALIES)) {
    figures[`anomalies.${name}`] = cluster(`anomalies.${name}`, doc);
    figures[name] = cluster(`anomalies.${name}`, doc);
  }
  const perPartition: [string, string, boolean][] = [
    ['leaderChanges', 'Leader changes of a partition.', false],
    ['offlineMs', 'Total time a partition had no leader.', true],
    ['maxUnavailableMs', 'Longest time a partition could not take acks=all writes.', true],
    ['logStartOffset', "The log start offset of a partition's leader at the end: retention deleted the offsets below.", false],
    ['logEndOffset', "The log end offset of a partition's leader at the end.", false],
    ['oldestRecordAgeMs', "Age at the end of the oldest batch still in the leader's log.", true],
  ];
  for (const [name, doc, ms] of perPartition) {
    figures[`partitions.${name}`] = partition(name, doc, ms);
    figures[name] = partition(name, doc, ms);
  }
  figures.maxUnavailability = partition('maxUnavailableMs', 'Alias of maxUnavailableMs.', true);
  const perGroup: [string, string, boolean][] = [
    ['members', 'Members of a group.', false],
    ['idleMembers', 'Members that were assigned no partition.', false],
    ['rebalances', 'Rebalances (generations) of a group.', false],
    ['processed', 'Records a group processed.', false],
    ['duplicates', 'Records a group processed more than once.', false],
    ['lost', 'Records a group never processed although they were committed past.', false],
    ['maxPausedPartitions', 'The most of a group\'s partitions at once that no live member owned, after it first owned them all.', false],
    ['stoppedMs', 'Total time no live member owned any of a group\'s partitions (the whole group stopped), after it first owned them all.', true],
  ];
  for (const [name, doc, ms] of perGroup) {
    figures[`groups.${name}`] = group(name, doc, ms);
    if (!(name in figures)) figures[name] = group(name, doc, ms);
  }
  for (const [name, doc, ms] of PER_PRODUCER) {
    figures[`producers.${name}`] = producer(name, doc, ms);
    if (!(name in figures)) figures[name] = producer(name, doc, ms);
  }
  return figures;
}

/** Every name an `expect:` key may use, with the figure it checks. */
export const FIGURES: Readonly<Record<string, FigureInfo>> = buildFigures();

function msValue() {
  return z.union([z.number(), z.string()], { error: 'expected a number of milliseconds or a duration such as "25s"' }).transform((value, ctx) => {
    if (typeof value === 'number') return value;
    try {
      return parseDuration(value) / US_PER_MS;
    } catch (error) {
      if (!(error instanceof DurationError)) throw error;
      addIssue(ctx, value, error.message);
      return z.NEVER;
    }
  });
}

function boundsShape(ms: boolean) {
  const value = (description: string) => (ms ? msValue() : z.number()).optional().meta({ description });
  return {
    equals: value('The figure must equal this.'),
    atLeast: value('The figure must be at least this.'),
    atMost: value('The figure must be at most this.'),
    below: value('The figure must be below this.'),
    above: value('The figure must be above this.'),
  };
}

function boundsSchema(scope: FigureScope, ms: boolean) {
  const scopeKey =
    scope === 'partition'
      ? { partition: z.string().min(1).max(300).optional().meta({ description: 'TOPIC/P, or TOPIC for all its partitions; omitted: every partition.' }) }
      : scope === 'group'
        ? { group: z.string().min(1).max(300).optional().meta({ description: 'A group; omitted: every group.' }) }
        : scope === 'producer'
          ? { producer: z.string().min(1).max(300).optional().meta({ description: 'A producer by name; omitted: every producer.' }) }
          : {};
  const id = `${scope}Bounds${ms ? 'Ms' : ''}`;
  return z.strictObject({ ...scopeKey, ...boundsShape(ms) }).meta({ id, description: 'Bounds the figure must meet.' });
}

/** One bounds schema per scope and unit, shared by the figures (and defined once in the JSON Schema). */
const BOUNDS_SCHEMAS = new Map<string, ReturnType<typeof boundsSchema>>();

function sharedBounds(scope: FigureScope, ms: boolean) {
  const key = `${scope}/${ms}`;
  const known = BOUNDS_SCHEMAS.get(key);
  if (known !== undefined) return known;
  const created = boundsSchema(scope, ms);
  BOUNDS_SCHEMAS.set(key, created);
  return created;
}

function figureSchema(name: string, info: FigureInfo) {
  const exact = info.ms ? msValue() : z.number();
  const bounds = sharedBounds(info.scope, info.ms);
  const options = info.scope === 'cluster' ? [exact, bounds] : [exact, bounds, z.array(bounds).min(1).max(10_000)];
  return z
    .union(options as [typeof exact, typeof bounds], { error: 'expected a number, or bounds such as {atLeast: 1} or {below: 25s}' })
    .optional()
    .meta({ description: name === info.figure ? info.doc : `${info.doc} (${info.figure})` });
}

export const expectSchema = z
  .strictObject(Object.fromEntries(Object.entries(FIGURES).map(([name, info]) => [name, figureSchema(name, info)])))
  .meta({ description: 'Checks of the run summary; any failure makes the run exit 1.' });

/** One written bound set, after unit conversion. */
export interface ParsedBounds {
  partition?: string;
  group?: string;
  producer?: string;
  equals?: number;
  atLeast?: number;
  atMost?: number;
  below?: number;
  above?: number;
}

export type ParsedExpectValue = number | ParsedBounds | ParsedBounds[];
