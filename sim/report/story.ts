// The story of a run in plain words (DESIGN §12 `sim run`): faults, processes going down and
// coming back, ZooKeeper session expiries, controller changes, leader elections with the ISR they
// came from, partitions left offline, ISR shrinks and expands, and truncations that removed
// records — in time order, one line each, as a teacher would narrate it:
//
//   20.000s  fault: crash the leader of orders/0 (broker 1)
//   38.012s  ZooKeeper expired the session of broker 1
//   38.064s  controller 2 elected broker 2 leader of orders/0 (epoch 1) from ISR [2,3] (clean)
//
// A broker registering in ZooKeeper again (after a restart, or after its session expired during
// a pause) is told; its first registration at startup is not.
//
// Busy runs (a thousand partitions failing over) are summarised per kind and second, so the
// story stays readable: after `detailLimit` lines of a kind within one second, the rest of that
// burst is folded into one "… and N more" line.

import type { TraceEvent } from '../core/trace.ts';
import { formatTimeShort } from '../core/time.ts';

type Narrator = (event: TraceEvent) => string | null;

/** Brokers whose registrations the story tracks (far above any scenario's cluster). */
const MAX_BROKERS_TRACKED = 100_000;

const list = (value: unknown): string => `[${(value as unknown[] | undefined)?.join(',') ?? ''}]`;
const node = (value: unknown): string => String(value).replace(/^broker-/, 'broker ').replace(/^zk-/, 'ZooKeeper server ');

const NARRATORS: Readonly<Record<string, Narrator>> = {
  fault: (e) => `fault: ${String(e.kind)} ${String(e.target)}`.trimEnd(),
  'fault-end': (e) => `fault over: ${String(e.kind)} ${String(e.target)}`.trimEnd(),
  'fault-skipped': (e) => `fault skipped (${String(e.kind)}): ${String(e.reason)}`,
  'node-down': (e) => `${node(e.node)} went down (${describeDown(e)})`,
  'node-up': (e) => (Number(e.incarnation) > 1 ? `${node(e.node)} is running again` : null),
  'node-paused': (e) => `${node(e.node)} paused (GC pause / SIGSTOP) until ${formatTimeShort(Number(e.untilUs))}`,
  'node-resumed': (e) => `${node(e.node)} resumed`,
  'partition-start': (e) => `network partition #${String(e.fault)} begins`,
  'partition-heal': (e) => `network partition #${String(e.fault)} healed`,
  'zk-session': (e) => (e.op === 'expired' ? `ZooKeeper expired the session of ${node(e.owner)}` : null),
  controller: (e) => `broker ${String(e.broker ?? e.controller)} became controller (epoch ${String(e.epoch)})`,
  'controller-loaded': (e) =>
    `controller loaded ${String(e.partitions)} partitions from ZooKeeper in ${formatTimeShort(Number(e.tookUs))}`,
  'leader-election': (e) =>
    e.reason === 'new-partition'
      ? null
      : `controller ${String(e.controller)} elected broker ${String(e.newLeader)} leader of ${String(e.partition)} (epoch ${String(e.leaderEpoch)}) from ISR ${list(e.fromIsr)} (${String(e.kind)}, ${String(e.reason)})`,
  'partition-offline': (e) =>
    `${String(e.partition)} is offline: ${e.reason === 'no-live-isr-replica' ? `no live replica in ISR ${list(e.isr)}` : 'no live replica'}`,
  'isr-change': (e) => {
    const isr = e.isr as unknown[];
    const oldIsr = e.oldIsr as unknown[];
    if (isr.length === oldIsr.length && isr.every((id, index) => id === oldIsr[index])) return null;
    const verb = isr.length < oldIsr.length ? 'shrank' : isr.length > oldIsr.length ? 'expanded' : 'changed';
    return `ISR of ${String(e.partition)} ${verb} ${list(oldIsr)} → ${list(isr)} (${String(e.reason)})`;
  },
  truncation: (e) =>
    Number(e.removedRecords) > 0
      ? `broker ${String(e.broker)} truncated ${String(e.partition)} from offset ${String(e.fromLogEndOffset)} to ${String(e.toLogEndOffset)}, removing ${String(e.removedRecords)} records (${String(e.reason)}${e.protocol === undefined ? '' : `, ${String(e.protocol)}`})`
      : null,
  'log-recovered': (e) =>
    Number(e.removedRecords) > 0
      ? `broker ${String(e.broker)} recovered ${String(e.partition)} to offset ${String(e.toLogEndOffset)}: ${String(e.removedRecords)} unflushed records lost with the power`
      : null,
  'topic-created': (e) => `topic ${String(e.topic)} created: ${String(e.partitions)} partitions, replication factor ${String(e.replicationFactor)}`,
};

function describeDown(e: TraceEvent): string {
  if (e.how === 'power-loss') return 'power loss';
  if (e.how === 'stop') return 'clean stop';
  return 'process crashed';
}

export interface StoryOptions {
  /** Lines of one kind within one simulated second before the rest are folded. */
  detailLimit?: number;
}

export class StoryFold {
  private readonly lines: string[] = [];
  private readonly detailLimit: number;
  private burstKey = '';
  private burstCount = 0;
  private burstFolded = 0;
  private burstTimeUs = 0;
  /** Brokers seen registering, so a registration after the first is told. */
  private readonly registered = new Set<number>();

  constructor(options: StoryOptions = {}) {
    this.detailLimit = options.detailLimit ?? 8;
  }

  accept(event: TraceEvent): void {
    const text = event.k === 'broker-registered' ? this.registration(event) : NARRATORS[event.k]?.(event) ?? null;
    if (text === null) return;
    const key = `${event.k}@${Math.floor(event.t / 1_000_000)}`;
    if (key !== this.burstKey) {
      this.closeBurst();
      this.burstKey = key;
      this.burstCount = 0;
    }
    this.burstCount++;
    if (this.burstCount > this.detailLimit) {
      this.burstFolded++;
      this.burstTimeUs = event.t;
      return;
    }
    this.lines.push(`${formatClock(event.t)}  ${text}`);
  }

  /**
   * A broker's first registration is part of starting the cluster; a later one is news: a
   * restarted broker, or one whose ZooKeeper session expired under it (a long pause) and that
   * registered again with a new session, to which the controller then sends only the current state.
   */
  private registration(event: TraceEvent): string | null {
    const broker = Number(event.broker);
    if (!this.registered.has(broker)) {
      if (this.registered.size < MAX_BROKERS_TRACKED) this.registered.add(broker);
      return null;
    }
    return `broker ${broker} registered in ZooKeeper again, with a new session`;
  }

  story(): string[] {
    this.closeBurst();
    return [...this.lines];
  }

  private closeBurst(): void {
    if (this.burstFolded > 0) {
      const kind = this.burstKey.slice(0, this.burstKey.indexOf('@'));
      this.lines.push(`${formatClock(this.burstTimeUs)}  … and ${this.burstFolded} more ${kind} events in that second`);
    }
    this.burstFolded = 0;
  }
}

/** Seconds with millisecond precision, right-aligned: " 38.012s". */
export function formatClock(timeUs: number): string {
  return `${(timeUs / 1_000_000).toFixed(3)}s`.padStart(9);
}
