// The trace file format (DESIGN §10, a contract): NDJSON whose first line is a header naming the
// format, its version, the resolved scenario, the seed and the simulator version; then one event
// per line, `{"i":<seq>,"t":<µs>,"k":"<kind>",…fields}`, in time order; and last
// `{"k":"end","t":…,"traceHash":"…","summary":{…}}`.
//
// This file is the single place that names the event kinds the reducer and the viewer read and
// the fields each must carry (EVENT_FIELDS, written from the emitters: sim/hw/machine.ts and
// world.ts, sim/zk/commit-ledger.ts and server.ts, sim/kafka/replica-trace.ts,
// partition-state-machine.ts, replica-state-machine.ts, controller.ts, broker.ts, topic-admin.ts,
// log-manager.ts, sim/kafka/group-rebalance.ts, sim/clients/producer-metrics.ts, consumer.ts,
// consumer-coordinator.ts, consumer-commits.ts, sim/faults/nemesis.ts). Event types derive from
// the same table, so a renamed field is one edit here. Kinds not in the table are legal: a newer
// simulator may emit them and older viewers ignore them. A known kind whose fields have the wrong
// types is reported (`checkEventFields`) and skipped rather than folded into a wrong state.
//
// Header checks give a reader-facing message for each way a file can fail to be a trace: empty,
// not JSON, another format, a version this code does not read, missing scenario or seed.

import type { RunSummary } from '../report/summary-types.ts';

export const TRACE_FORMAT = 'kafka-sim-trace';
export const TRACE_VERSION = 1;

/** The parts of the resolved scenario (sim/scenario/spec.ts) that readers of a trace rely on. */
export interface TraceScenario {
  name: string;
  description?: string;
  seed?: number;
  durationUs?: number;
  cluster?: {
    racks?: string[];
    brokers?: { id: number; rack: string | null }[];
    config?: Record<string, unknown>;
    replicationProtocol?: string;
  };
  zookeeper?: { servers?: { id: number; rack: string | null }[]; sessionTimeoutMs?: number };
  topics?: { name: string; partitions: number; replicationFactor: number }[];
  producers?: { name: string; topic: string; config?: Record<string, unknown> }[];
  consumers?: { group: string; members: number }[];
  faults?: { index: number; kind: string; atUs: number; forUs: number | null }[];
  [field: string]: unknown;
}

export interface TraceHeader {
  format: typeof TRACE_FORMAT;
  version: number;
  scenario: TraceScenario;
  seed: number;
  sim: string;
}

export interface TraceEnd {
  k: 'end';
  t: number;
  traceHash: string;
  summary: Partial<RunSummary> & Record<string, unknown>;
}

/** A trace event as read: its sequence number, time in µs, kind, and the kind's own fields. */
export interface TraceEvent {
  i: number;
  t: number;
  k: string;
  [field: string]: unknown;
}

type FieldType = 'string' | 'number' | 'boolean' | 'number[]' | 'string[]' | 'string[][]' | 'number[][]' | 'number|null' | 'string|number' | 'object' | 'object[]';

interface FieldValues {
  string: string;
  number: number;
  boolean: boolean;
  'number[]': number[];
  'string[]': string[];
  'string[][]': string[][];
  'number[][]': number[][];
  'number|null': number | null;
  'string|number': string | number;
  object: Record<string, unknown>;
  'object[]': Record<string, unknown>[];
}

/** The fields each known kind must carry. Optional fields are read defensively where used. */
export const EVENT_FIELDS = {
  'node-up': { node: 'string', incarnation: 'number' },
  'node-down': { node: 'string', how: 'string' },
  'node-paused': { node: 'string', untilUs: 'number' },
  'node-resumed': { node: 'string' },
  'node-restarting': { node: 'string', startsAtUs: 'number' },
  'node-restart-cancelled': { node: 'string' },
  'node-power-on': { node: 'string' },
  'partition-start': { fault: 'number', kind: 'string' },
  'partition-heal': { fault: 'number' },
  'slow-network': { fault: 'number', node: 'string', addedLatencyUs: 'number', bandwidthBytesPerSecond: 'number|null' },
  'slow-network-end': { fault: 'number', node: 'string' },
  'slow-disk': { fault: 'number', node: 'string', factor: 'number' },
  'slow-disk-end': { fault: 'number', node: 'string' },
  msg: { from: 'string', to: 'string', bytes: 'number', sentUs: 'number' },
  'msg-lost': { from: 'string', to: 'string', bytes: 'number', reason: 'string' },
  'zk-leader': { zk: 'string', epoch: 'number' },
  'zk-serving': { zk: 'string', state: 'string', leader: 'number' },
  'zk-looking': { zk: 'string' },
  'zk-session': { op: 'string', session: 'string|number', owner: 'string' },
  znode: { op: 'string', path: 'string' },
  'broker-registered': { broker: 'number', brokerEpoch: 'number' },
  'broker-session-expired': { broker: 'number' },
  controller: { broker: 'number', epoch: 'number' },
  'controller-resigned': { broker: 'number' },
  'leader-election': { partition: 'string', oldLeader: 'number', newLeader: 'number', leaderEpoch: 'number', isr: 'number[]', fromIsr: 'number[]', kind: 'string', reason: 'string' },
  'partition-offline': { partition: 'string', leader: 'number', leaderEpoch: 'number', isr: 'number[]', reason: 'string' },
  'isr-change': { partition: 'string', by: 'string', leader: 'number', leaderEpoch: 'number', isr: 'number[]', oldIsr: 'number[]' },
  'leader-and-isr': { broker: 'number', partition: 'string', leader: 'number', leaderEpoch: 'number', isr: 'number[]', replicas: 'number[]' },
  truncation: { broker: 'number', partition: 'string', reason: 'string', fromLogEndOffset: 'number', toLogEndOffset: 'number', removedRecords: 'number' },
  'log-recovered': { broker: 'number', partition: 'string', fromLogEndOffset: 'number', toLogEndOffset: 'number', removedRecords: 'number' },
  'replica-offsets': { broker: 'number', partition: 'string', role: 'string', logStartOffset: 'number', logEndOffset: 'number', highWatermark: 'number', leaderEpoch: 'number' },
  'topic-created': { topic: 'string', partitions: 'number', replicationFactor: 'number', assignment: 'number[][]' },
  'producer-start': { producer: 'string', incarnation: 'number' },
  'producer-metrics': { producer: 'string', sent: 'number', acked: 'number', failed: 'number', unknown: 'number', p50Ms: 'number|null', p99Ms: 'number|null', maxMs: 'number|null' },
  fault: { fault: 'number', kind: 'string', target: 'string', nodes: 'string[]' },
  'fault-end': { fault: 'number', kind: 'string', target: 'string' },
  'fault-skipped': { fault: 'number', kind: 'string', reason: 'string' },
  'group-state': { group: 'string', state: 'string', generation: 'number' },
  'group-assignment': { group: 'string', generation: 'number', member: 'string', partitions: 'string[]' },
  'consumer-partitions-lost': { group: 'string', member: 'string', partitions: 'string[]' },
  'consumer-partitions-revoked': { group: 'string', member: 'string', partitions: 'string[]' },
  'consumer-commit': { group: 'string', member: 'string', outcome: 'string', offsets: 'object[]' },
  'consumer-start': { group: 'string', member: 'string' },
  'consumer-stop': { group: 'string', member: 'string' },
  'consumer-leave': { group: 'string', member: 'string' },
  anomaly: { kind: 'string', explanation: 'object' },
} as const satisfies Record<string, Record<string, FieldType>>;

export type KnownKind = keyof typeof EVENT_FIELDS;

/**
 * Kinds the emitters write that change nothing the reducer keeps: the event log tells them in
 * words (describe.ts), and they do not count as unknown.
 */
export const INFORMATIONAL_KINDS: ReadonlySet<string> = new Set([
  'broker-change',
  'broker-registration-failed',
  'broker-start-failed',
  'broker-stopping',
  'conn-closed',
  'conn-reset',
  'controlled-shutdown',
  'controlled-shutdown-done',
  'consumer-coordinator',
  'consumer-error',
  'consumer-generation-reset',
  'consumer-join',
  'consumer-poll',
  'consumer-poll-timeout',
  'controller-loaded',
  'disk-lost',
  'group-member-removed',
  'offsets-load-start',
  'offsets-loaded',
  'offsets-unloaded',
  'producer-epoch',
  'producer-id',
  'producer-request',
  'producer-response',
  'replica-failed',
  'segment-deleted',
  'stale-controller-request',
  'stop-replica',
  'topic-config-changed',
  'topic-creation-failed',
]);

/** The typed shape of a known event kind, derived from EVENT_FIELDS. */
export type EventOf<K extends KnownKind> = { i: number; t: number; k: K } & {
  -readonly [F in keyof (typeof EVENT_FIELDS)[K]]: FieldValues[(typeof EVENT_FIELDS)[K][F] & FieldType];
} & { [field: string]: unknown };

export function isKnownKind(kind: string): kind is KnownKind {
  return Object.prototype.hasOwnProperty.call(EVENT_FIELDS, kind);
}

function hasType(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'number|null':
      return value === null || (typeof value === 'number' && Number.isFinite(value));
    case 'string|number':
      return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
    case 'number[]':
      return Array.isArray(value) && value.every((item) => typeof item === 'number');
    case 'string[]':
      return Array.isArray(value) && value.every((item) => typeof item === 'string');
    case 'number[][]':
      return Array.isArray(value) && value.every((item) => hasType(item, 'number[]'));
    case 'string[][]':
      return Array.isArray(value) && value.every((item) => hasType(item, 'string[]'));
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'object[]':
      return Array.isArray(value) && value.every((item) => hasType(item, 'object'));
  }
}

/** Null when a known event carries every field its kind needs; otherwise what is wrong. */
export function checkEventFields(event: TraceEvent): string | null {
  if (!isKnownKind(event.k)) return null;
  const fields: Readonly<Record<string, FieldType>> = EVENT_FIELDS[event.k];
  for (const [field, type] of Object.entries(fields)) {
    if (!hasType(event[field], type)) {
      const got = event[field] === undefined ? 'nothing' : JSON.stringify(event[field]).slice(0, 40);
      return `a "${event.k}" event needs "${field}" to be ${type}, got ${got}`;
    }
  }
  return null;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

/** Checks a parsed first line; every failure message says what the file is instead. */
export function validateHeader(value: unknown): Checked<TraceHeader> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, message: `the first line is ${describeJson(value)}, not a trace header: this is not a kafka-sim trace` };
  }
  const header = value as Record<string, unknown>;
  if (header.format === undefined) {
    if ('k' in header && 't' in header) {
      return { ok: false, message: 'the first line is an event, not a header: the trace lost its header line (was the file cut at the start?)' };
    }
    return { ok: false, message: 'the first line has no "format" field: this is not a kafka-sim trace' };
  }
  if (header.format !== TRACE_FORMAT) {
    return { ok: false, message: `the file says its format is ${JSON.stringify(header.format)}, not "${TRACE_FORMAT}": this is not a kafka-sim trace` };
  }
  const version = header.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return { ok: false, message: `the header's version is ${JSON.stringify(version)}; kafka-sim traces have a whole version number from 1` };
  }
  if (version > TRACE_VERSION) {
    const writer = typeof header.sim === 'string' ? ` (written by kafka-sim ${header.sim})` : '';
    return { ok: false, message: `this trace is format version ${version}${writer}, newer than this viewer, which reads version ${TRACE_VERSION}: open it with a newer kafka-sim` };
  }
  const scenario = header.scenario;
  if (typeof scenario !== 'object' || scenario === null || typeof (scenario as { name?: unknown }).name !== 'string') {
    return { ok: false, message: 'the header has no scenario with a name: the trace header is damaged' };
  }
  if (typeof header.seed !== 'number') return { ok: false, message: 'the header has no numeric "seed": the trace header is damaged' };
  const sim = typeof header.sim === 'string' ? header.sim : 'unknown';
  return { ok: true, value: { format: TRACE_FORMAT, version, scenario: scenario as TraceScenario, seed: header.seed, sim } };
}

/** Checks an event line's envelope (`i`, `t`, `k`); the kind's own fields are checked apart. */
export function validateEnvelope(value: unknown): Checked<TraceEvent> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, message: `expected an event object, got ${describeJson(value)}` };
  }
  const event = value as Record<string, unknown>;
  if (typeof event.k !== 'string') return { ok: false, message: 'the event has no kind ("k")' };
  if (typeof event.t !== 'number' || !Number.isInteger(event.t) || event.t < 0) {
    return { ok: false, message: `the "${event.k}" event's time "t" must be whole microseconds from 0, got ${JSON.stringify(event.t)}` };
  }
  if (event.k === 'end') return { ok: true, value: event as TraceEvent };
  if (typeof event.i !== 'number' || !Number.isInteger(event.i) || event.i < 0) {
    return { ok: false, message: `the "${event.k}" event's sequence number "i" must be a whole number from 0, got ${JSON.stringify(event.i)}` };
  }
  return { ok: true, value: event as TraceEvent };
}

/** Checks the last line's fields. */
export function validateEnd(event: TraceEvent): Checked<TraceEnd> {
  if (typeof event.traceHash !== 'string') return { ok: false, message: 'the end line has no "traceHash"' };
  const summary = event.summary;
  if (typeof summary !== 'object' || summary === null || Array.isArray(summary)) {
    return { ok: false, message: 'the end line has no "summary" object' };
  }
  return { ok: true, value: { k: 'end', t: event.t, traceHash: event.traceHash, summary: summary as TraceEnd['summary'] } };
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a JSON array';
  return `a JSON ${typeof value}`;
}
