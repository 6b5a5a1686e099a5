// Trace events in plain words, for the explanations ("at 36.100 s the controller elected broker 2
// leader of orders/0 in epoch 2 by an unclean election, from outside the ISR [1]"). One sentence
// per event, starting with its time, so a story reads in trace order. Kafka's own terms: ISR,
// leader epoch, high watermark, unclean election (unclean.leader.election.enable).

import type { IndexedEvent } from './trace-index.ts';
import { formatSeconds } from './verdict.ts';

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
