// The story of every anomaly: a one-line detail (what) and an explanation (why) made of the
// history's own evidence and the chain of trace events that caused it, as event ids the viewer
// jumps to and a short paragraph for `sim run`.
//
// A lost acknowledged write gets the full causal chain (FIDELITY A1, Jepsen 2013): the election
// that made the acknowledging broker leader in the epoch the produce response named; the ISR in
// force at the acknowledgement and the ISR shrink before it, with the fault that preceded that
// shrink; after it, what took the leader away (a fault on its node, the node going down, its
// ZooKeeper session expiring); the first election that superseded the epoch (clean or unclean,
// from which ISR); and the first truncation or log recovery that removed the acknowledged offset.
// When the broker elected next had itself lost the offset before its election (a pre-KIP-101
// follower truncating to its stale high watermark, FIDELITY A3), that truncation is the cause
// and the story says so; later truncations of the other replicas only followed the new leader.
// A divergent replica gets the elections of the two epochs at the divergent offset, the election
// of the final leader's epoch, what happened to the replica's node, its truncations and its return
// to the ISR, closing with how little it truncated when it followed the final leader (A4-A6).
// A read of truncated data gets the truncation and the election before it. Other kinds get the
// leadership, ISR, truncation and fault events of the partition within the finding's window
// (from its first send, read or processing to its completion), a few of each kind.
//
// Trace events used (kinds and fields: TRACE_EVENT_MAP in trace-index.ts): leader-election,
// isr-change, truncation, log-recovered, partition-offline, fault, node-down, zk-session (expired).
// Each is told in plain words as one sentence starting with its time, in Kafka's own terms (ISR,
// leader epoch, unclean election), so a story reads in trace order. Without a trace an
// explanation is the evidence alone, with no event ids.

import {
  between,
  brokerNode,
  firstAtOrAfter,
  lastAtOrBefore,
  type ElectionEvent,
  type IndexedEvent,
  type TraceIndex,
  type TruncationEvent,
} from './trace-index.ts';
import { formatRecords, formatSeconds, type Anomaly, type Explanation, type Finding } from './verdict.ts';

/** Events of one kind a window story cites at most. */
const EVENTS_PER_KIND = 3;
const END_OF_TIME_US = Number.MAX_SAFE_INTEGER;

export function explainFinding(finding: Finding, index: TraceIndex | undefined): Anomaly {
  return { ...finding, detail: describeFinding(finding), explanation: explain(finding, index) };
}

function explain(finding: Finding, index: TraceIndex | undefined): Explanation {
  const factEvents = finding.evidence.flatMap((fact) => (fact.event === null ? [] : [fact.event]));
  const chain = index === undefined ? [] : causes(finding, index);
  // With a trace, a lost write opens with its acknowledgement in context, which says all its evidence does.
  const intro = finding.kind === 'lost-acked-write' && index !== undefined ? [acknowledgement(finding, index)] : [];
  const facts = intro.length > 0 ? [] : finding.evidence.map((fact) => fact.text);
  const story = [...intro, ...facts, ...chain.map((event) => capitalise(sentence(event)))];
  const closing = index === undefined ? '' : closingWords(finding, chain);
  const text = `${story.join('. ')}.${closing === '' ? '' : ` ${closing}`}`;
  const events = [...new Set([...factEvents, ...chain.map((event) => event.i)])].sort((a, b) => a - b);
  return { text, events };
}

function causes(finding: Finding, index: TraceIndex): IndexedEvent[] {
  switch (finding.kind) {
    case 'lost-acked-write':
      return lostWriteChain(finding, index);
    case 'read-truncated':
      return truncatedReadChain(finding, index);
    case 'divergent-replica':
      return divergenceChain(finding, index);
    case 'invariant-violation':
      return invariantChain(finding, index);
    default:
      return windowChain(finding, index);
  }
}

/** The leader and epoch that acknowledged a write: the election of that epoch before the ack. */
function ackElection(finding: Finding, index: TraceIndex): ElectionEvent | undefined {
  const epoch = finding.leaderEpoch ?? -1;
  return lastAtOrBefore(index.events(finding.partition!).elections, finding.timeUs, (e) => e.leaderEpoch === epoch);
}

function acknowledgement(finding: Finding, index: TraceIndex): string {
  const { partition, producer, records, offsets } = finding;
  const election = ackElection(finding, index);
  const events = index.events(partition!);
  const isrChange = lastAtOrBefore(events.isrChanges, finding.timeUs, (e) => election === undefined || e.i > election.i);
  const isr = isrChange?.isr ?? election?.isr;
  const by = election === undefined ? `in leader epoch ${finding.leaderEpoch}` : `by broker ${election.leader}, leader in epoch ${election.leaderEpoch}`;
  const whileIsr = isr === undefined ? '' : `, while the ISR was [${isr.join(', ')}]`;
  const count = records!.count;
  const where = count === 1 ? `offset ${offsets[0]}` : `offsets ${offsets[0]}–${offsets[0]! + count - 1}`;
  return `${formatRecords(producer!, records!.first, count)} on ${partition} ${count === 1 ? 'was' : 'were'} acknowledged at ` +
    `${formatSeconds(finding.timeUs)} at ${where} ${by}${whileIsr}`;
}

function lostWriteChain(finding: Finding, index: TraceIndex): IndexedEvent[] {
  const events = index.events(finding.partition!);
  const offset = finding.offsets[0]!;
  const election = ackElection(finding, index);
  const leader = election?.leader;
  const sinceUs = election?.t ?? 0;
  const chain: IndexedEvent[] = election === undefined ? [] : [{ type: 'election', ...election }];
  const shrink = lastAtOrBefore(events.isrChanges, finding.timeUs, (e) => isShrink(e) && e.t >= sinceUs);
  if (shrink !== undefined) {
    chain.push({ type: 'isr-change', ...shrink });
    const fault = lastAtOrBefore(index.faults, shrink.t, (f) => f.t >= sinceUs);
    if (fault !== undefined) chain.push({ type: 'fault', ...fault });
  }
  const covers = (e: { toOffset: number; fromOffset: number; broker: number }, anyBroker: boolean): boolean =>
    e.toOffset <= offset && offset < e.fromOffset && (anyBroker || e.broker === leader);
  const superseding = (e: ElectionEvent): boolean => e.leaderEpoch > (finding.leaderEpoch ?? -1) && e.t >= sinceUs;
  const early = successorTruncation(finding, index, sinceUs, (e) => superseding(e) && e.leader !== leader);
  const truncation = firstAtOrAfter(events.truncations, finding.timeUs, END_OF_TIME_US, (e) => covers(e, false)) ??
    firstAtOrAfter(events.truncations, finding.timeUs, END_OF_TIME_US, (e) => covers(e, true));
  const untilUs = early?.election.t ?? truncation?.t ?? END_OF_TIME_US;
  const next = early?.election ??
    firstAtOrAfter(events.elections, sinceUs, untilUs, (e) => superseding(e) && e.leader !== leader) ??
    firstAtOrAfter(events.elections, sinceUs, untilUs, superseding);
  if (leader !== undefined) chain.push(...leaderLoss(index, brokerNode(leader), Math.max(sinceUs, shrink?.t ?? 0), next?.t ?? untilUs));
  if (early !== undefined) chain.push({ type: 'truncation', ...early.truncation });
  if (next !== undefined) chain.push({ type: 'election', ...next });
  if (truncation !== undefined) chain.push({ type: 'truncation', ...truncation });
  return unique(chain);
}

/**
 * The truncation (or log recovery) that took an acknowledged offset from the broker that then
 * became leader, between the acknowledgement and its election: the pre-KIP-101 follower that
 * truncated to its stale high watermark and was elected before it fetched again (FIDELITY A3),
 * or a replica whose page cache went with a power loss. The loss happened there, not in the
 * truncations that later made the other replicas follow the new leader.
 */
function successorTruncation(
  finding: Finding,
  index: TraceIndex,
  sinceUs: number,
  successorElection: (e: ElectionEvent) => boolean,
): { election: ElectionEvent; truncation: TruncationEvent } | undefined {
  const events = index.events(finding.partition!);
  const offset = finding.offsets[0]!;
  const election = firstAtOrAfter(events.elections, Math.max(sinceUs, finding.timeUs), END_OF_TIME_US, successorElection);
  if (election === undefined) return undefined;
  const truncation = lastAtOrBefore(events.truncations, election.t, (e) =>
    e.t >= finding.timeUs && e.broker === election.leader && e.toOffset <= offset && offset < e.fromOffset);
  return truncation === undefined ? undefined : { election, truncation };
}

/** What took a leader away before the election that replaced it: fault, node down, session expiry. */
function leaderLoss(index: TraceIndex, node: string, fromUs: number, untilUs: number): IndexedEvent[] {
  const found: IndexedEvent[] = [];
  const fault = lastAtOrBefore(index.faults, untilUs, (f) => f.t >= fromUs && f.nodes.includes(node));
  if (fault !== undefined) found.push({ type: 'fault', ...fault });
  const down = lastAtOrBefore(index.nodeDowns, untilUs, (d) => d.t >= fromUs && d.node === node);
  if (down !== undefined) found.push({ type: 'node-down', ...down });
  const expiry = lastAtOrBefore(index.sessionExpiries, untilUs, (s) => s.t >= fromUs && s.owner === node);
  if (expiry !== undefined) found.push({ type: 'session-expiry', ...expiry });
  return found;
}

function truncatedReadChain(finding: Finding, index: TraceIndex): IndexedEvent[] {
  const events = index.events(finding.partition!);
  const offset = finding.offsets[0]!;
  const truncation = firstAtOrAfter(events.truncations, finding.timeUs, END_OF_TIME_US, (e) => e.toOffset <= offset && offset < e.fromOffset);
  if (truncation === undefined) return windowChain(finding, index);
  const election = lastAtOrBefore(events.elections, truncation.t);
  const chain: IndexedEvent[] = [{ type: 'truncation', ...truncation }];
  if (election !== undefined) {
    chain.push({ type: 'election', ...election });
    chain.push(...between(index.faults, Math.min(finding.timeUs, election.t) - 1, election.t, EVENTS_PER_KIND).map((f) => ({ type: 'fault' as const, ...f })));
  }
  return unique(chain);
}

/**
 * Why a replica diverged (FIDELITY A4-A6): the elections of the two epochs whose records now sit
 * at the same offset, the election of the final leader's epoch (the one the replica followed
 * without repairing its log), what kept the replica from hearing of epochs in between (faults
 * on its node, its going down, its ZooKeeper session expiring), its own truncations, and the ISR
 * change that took it back in.
 */
function divergenceChain(finding: Finding, index: TraceIndex): IndexedEvent[] {
  const events = index.events(finding.partition!);
  const broker = finding.broker!;
  const node = brokerNode(broker);
  const epochs = new Set([finding.leaderEpoch, finding.otherLeaderEpoch]);
  const chain: IndexedEvent[] = events.elections.filter((e) => epochs.has(e.leaderEpoch)).slice(0, EVENTS_PER_KIND).map((e) => ({ type: 'election' as const, ...e }));
  const current = lastAtOrBefore(events.elections, END_OF_TIME_US, (e) => e.leader >= 0);
  if (current !== undefined) chain.push({ type: 'election', ...current });
  const last = <E,>(list: readonly E[]): E[] => list.slice(-EVENTS_PER_KIND);
  chain.push(...last(events.truncations.filter((e) => e.broker === broker)).map((e) => ({ type: 'truncation' as const, ...e })));
  chain.push(...last(index.nodeDowns.filter((d) => d.node === node)).map((d) => ({ type: 'node-down' as const, ...d })));
  chain.push(...last(index.faults.filter((f) => f.nodes.includes(node))).map((f) => ({ type: 'fault' as const, ...f })));
  chain.push(...last(index.sessionExpiries.filter((s) => s.owner === node)).map((s) => ({ type: 'session-expiry' as const, ...s })));
  const rejoined = lastAtOrBefore(events.isrChanges, END_OF_TIME_US, (e) => e.isr.includes(broker) && e.previousIsr !== null && !e.previousIsr.includes(broker));
  if (rejoined !== undefined) chain.push({ type: 'isr-change', ...rejoined });
  return unique(chain);
}

/** How the divergent replica came through the final leader's epoch with its own record kept. */
function divergenceClosing(finding: Finding, chain: readonly IndexedEvent[]): string {
  // Only a replica in the final ISR has followed the final leader; one outside may still truncate.
  if (finding.verdict !== 'invalid') return '';
  const broker = finding.broker!;
  const offset = finding.offsets[0]!;
  const elections = chain.filter((event) => event.type === 'election' && event.leader >= 0);
  const current = elections[elections.length - 1];
  if (current?.type !== 'election' || current.leader === broker) return '';
  const kept = `keeping its epoch ${finding.leaderEpoch} record at offset ${offset} where the leader holds one of epoch ${finding.otherLeaderEpoch}`;
  const follows = `When broker ${broker} followed broker ${current.leader} in epoch ${current.leaderEpoch}`;
  const truncation = chain.filter((event) => event.type === 'truncation' && event.broker === broker && event.t >= current.t).at(-1);
  if (truncation?.type === 'truncation') return `${follows} it truncated only to offset ${truncation.toOffset}, ${kept}.`;
  return `${follows} it truncated nothing, ${kept}.`;
}

/** What the partition last went through before a live invariant broke. */
function invariantChain(finding: Finding, index: TraceIndex): IndexedEvent[] {
  const events = index.events(finding.partition ?? '');
  const atUs = finding.timeUs;
  const chain: IndexedEvent[] = [];
  const fault = lastAtOrBefore(index.faults, atUs);
  if (fault !== undefined) chain.push({ type: 'fault', ...fault });
  const down = lastAtOrBefore(index.nodeDowns, atUs);
  if (down !== undefined) chain.push({ type: 'node-down', ...down });
  const election = lastAtOrBefore(events.elections, atUs);
  if (election !== undefined) chain.push({ type: 'election', ...election });
  const isrChange = lastAtOrBefore(events.isrChanges, atUs);
  if (isrChange !== undefined) chain.push({ type: 'isr-change', ...isrChange });
  const truncation = lastAtOrBefore(events.truncations, atUs);
  if (truncation !== undefined) chain.push({ type: 'truncation', ...truncation });
  return unique(chain);
}

/** Leadership, ISR, truncation and fault events within the finding's window. */
function windowChain(finding: Finding, index: TraceIndex): IndexedEvent[] {
  const toUs = finding.timeUs < 0 ? END_OF_TIME_US : finding.timeUs;
  const fromUs = finding.sinceUs !== undefined && finding.sinceUs >= 0 ? finding.sinceUs : finding.timeUs < 0 ? 0 : toUs;
  const events = index.events(finding.partition ?? '');
  return unique([
    ...between(index.faults, fromUs, toUs, EVENTS_PER_KIND).map((e) => ({ type: 'fault' as const, ...e })),
    ...between(index.nodeDowns, fromUs, toUs, EVENTS_PER_KIND).map((e) => ({ type: 'node-down' as const, ...e })),
    ...between(events.isrChanges, fromUs, toUs, EVENTS_PER_KIND).map((e) => ({ type: 'isr-change' as const, ...e })),
    ...between(events.elections, fromUs, toUs, EVENTS_PER_KIND).map((e) => ({ type: 'election' as const, ...e })),
    ...between(events.truncations, fromUs, toUs, EVENTS_PER_KIND).map((e) => ({ type: 'truncation' as const, ...e })),
    ...between(events.offline, fromUs, toUs, EVENTS_PER_KIND).map((e) => ({ type: 'offline' as const, ...e })),
  ]);
}

/** Events in trace order, each once. */
function unique(events: IndexedEvent[]): IndexedEvent[] {
  const byId = new Map<number, IndexedEvent>();
  for (const event of events) if (!byId.has(event.i)) byId.set(event.i, event);
  return [...byId.values()].sort((a, b) => a.i - b.i);
}

function closingWords(finding: Finding, chain: readonly IndexedEvent[]): string {
  if (finding.kind === 'divergent-replica') return divergenceClosing(finding, chain);
  if (finding.kind !== 'lost-acked-write' || finding.verdict !== 'invalid') return '';
  const truncation = chain.find((event) => event.type === 'truncation');
  const elected = truncation?.type === 'truncation'
    ? chain.find((event) => event.type === 'election' && event.t > truncation.t && event.leader === truncation.broker)
    : undefined;
  if (truncation?.type === 'truncation' && elected !== undefined) {
    return `Broker ${truncation.broker} had lost the acknowledged records to its ${truncation.recovery ? 'log recovery' : 'truncation'} ` +
      `at ${formatSeconds(truncation.t)}, before it was elected leader at ${formatSeconds(elected.t)}.`;
  }
  if (truncation !== undefined) return `That ${truncation.type === 'truncation' && truncation.recovery ? 'recovery' : 'truncation'} removed the acknowledged records.`;
  return `No truncation in the trace covers offset ${finding.offsets[0]}: the broker that became leader never had the records.`;
}

function capitalise(text: string): string {
  return text.length === 0 ? text : text[0]!.toUpperCase() + text.slice(1);
}

/** One line: what the anomaly is. */
export function describeFinding(finding: Finding): string {
  const p = finding.partition ?? 'the cluster';
  const records = finding.records === undefined ? '' : formatRecords(finding.producer!, finding.records.first, finding.records.count);
  const who = `${finding.member ?? ''} of group ${finding.group ?? ''}`;
  const [a = -1, b = -1] = finding.offsets;
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const text: Record<Finding['kind'], () => string> = {
    'lost-acked-write': () => `${records} on ${p}, acknowledged from offset ${a}, ${finding.verdict === 'invalid' ? 'are not in the committed log' : 'may be lost'}`,
    'failed-write-present': () => `${records} on ${p} failed at the producer but are in the committed log`,
    duplicate: () => `${records} on ${p} are stored twice: first from offset ${a}, again from offset ${b}`,
    reordered: () => `${records} on ${p} at offset ${a} follow ${finding.producer}#${finding.otherRecord} at offset ${b}, which was sent after them`,
    'divergent-replica': () => `broker ${finding.broker}'s replica of ${p} diverges from the leader's at ${plural(b, 'offset')} from offset ${a}, below the high watermark`,
    'invariant-violation': () => finding.evidence[0]?.text ?? 'a live invariant broke',
    'read-above-hw': () => `${who} read ${records} on ${p} from offset ${a}, at or above the high watermark`,
    'read-truncated': () => `${who} read ${records} at offset ${a} of ${p}, which the committed log does not hold`,
    'poll-skip': () => `${who} skipped ${plural(finding.count, 'committed record')} of ${p}: it expected offset ${a} and read offset ${b}`,
    'nonmonotonic-poll': () => `${who} went back on ${p}: after offset ${a} it read offset ${b}`,
    'group-lost': () => `group ${finding.group} never processed ${plural(finding.count, 'committed record')} of ${p} from offset ${a}`,
    'group-duplicate': () => `group ${finding.group} processed ${plural(b, 'offset')} of ${p} from offset ${a} more than once (${plural(finding.count, 'extra processing')})`,
  };
  const unknown = finding.verdict === 'unknown' ? ` (unknown: ${finding.unknownBecause ?? 'the history cannot tell'})` : '';
  return `${text[finding.kind]()}${unknown}`;
}

// ---- trace events in plain words ------------------------------------------------------------------

function list(ids: readonly number[]): string {
  return `[${ids.join(', ')}]`;
}

export function isShrink(event: { readonly isr: readonly number[]; readonly previousIsr: readonly number[] | null }): boolean {
  return event.previousIsr !== null && event.isr.length < event.previousIsr.length;
}

export function sentence(event: IndexedEvent): string {
  const at = `at ${formatSeconds(event.t)}`;
  switch (event.type) {
    case 'election':
      return `${at} ${electionWords(event)}`;
    case 'isr-change': {
      const verb = event.previousIsr === null ? 'became' : isShrink(event) ? `shrank from ${list(event.previousIsr)} to` : `grew from ${list(event.previousIsr)} to`;
      const by = event.by === 'controller' ? 'by the controller' : `by its leader, broker ${event.leader}`;
      const why = event.reason === null ? '' : `, ${event.reason}`;
      return `${at} the ISR of ${event.partition} ${verb} ${list(event.isr)} (${by}, epoch ${event.leaderEpoch}${why})`;
    }
    case 'truncation': {
      const removed = `${event.removedRecords} record${event.removedRecords === 1 ? '' : 's'}`;
      if (event.recovery) {
        return `${at} broker ${event.broker} recovered its log of ${event.partition} after an unclean shutdown, ` +
          `from offset ${event.fromOffset} back to ${event.toOffset} (${removed} lost with the page cache)`;
      }
      const how = event.mode === null ? event.reason : `${event.reason}, ${event.mode}`;
      return `${at} broker ${event.broker} truncated ${event.partition} from offset ${event.fromOffset} to ${event.toOffset} (${removed} removed; ${how})`;
    }
    case 'offline':
      return `${at} ${event.partition} went offline (${event.reason}; ISR ${list(event.isr)})`;
    case 'fault':
      return `${at} fault #${event.fault} (${event.faultKind}) hit ${event.target}`;
    case 'node-down':
      return `${at} ${event.node} went down (${event.how})`;
    case 'session-expiry':
      return `${at} the ZooKeeper session of ${event.owner} expired`;
  }
}

function electionWords(event: Extract<IndexedEvent, { type: 'election' }>): string {
  const subject = `the controller elected broker ${event.leader} leader of ${event.partition} in epoch ${event.leaderEpoch}`;
  if (event.leader < 0) return `the controller found no leader for ${event.partition} (ISR ${list(event.fromIsr)})`;
  const reason = event.reason === '' ? '' : ` (${event.reason})`;
  switch (event.electionKind) {
    case 'unclean':
      return `${subject} by an unclean election, from outside the ISR ${list(event.fromIsr)}${reason}`;
    case 'controlled':
      return `${subject} as broker ${event.previousLeader} shut down (controlled)${reason}`;
    case 'preferred':
      return `${subject} as its preferred leader${reason}`;
    default:
      return `${subject} from the ISR ${list(event.fromIsr)}${reason}`;
  }
}
