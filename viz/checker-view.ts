// The checker's verdicts (DESIGN §9, §13): the run's outcome from the trace's end line — every
// expectation with its result, the scorecard of figures a teacher compares between runs (acked,
// failed, unknown, lost, elections, ISR changes) — and each anomaly the checker found, with its
// explanation and the events that tell its story. Each event is a button: it moves the cursor just
// after that event, so "show me the write that was lost" is one click per step of the story.
//
// It also says plainly what the viewer could not read: events of kinds it does not know (a newer
// simulator) and events it had to skip as malformed.

import { describeEvent } from '../sim/trace/describe.ts';
import type { AnomalyState, ClusterState } from '../sim/trace/state.ts';
import type { Cursor } from './cursor.ts';
import { el, icon, ICONS } from './dom.ts';
import { formatCount, formatTime } from './format.ts';
import type { TraceModel } from './trace-model.ts';

/** Evidence buttons per anomaly; longer stories say how many more events they cite. */
const MAX_EVIDENCE = 24;

/** The checker's anomaly kinds (sim/check/verdict.ts) in words. */
const KIND_WORDS: Readonly<Record<string, string>> = {
  'lost-acked-write': 'Lost acknowledged write',
  'failed-write-present': 'A failed write is in the log',
  duplicate: 'Duplicate records',
  reordered: 'Records out of order',
  'divergent-replica': 'Replicas diverge',
  'invariant-violation': 'Invariant violated',
  'read-above-hw': 'Read above the high watermark',
  'read-truncated': 'Read of data later truncated',
  'poll-skip': 'Consumer skipped offsets',
  'nonmonotonic-poll': 'Consumer went backwards',
  'group-lost': 'Records never processed by the group',
  'group-duplicate': 'Records processed twice by the group',
};

export class CheckerView {
  private readonly evidence: { button: HTMLButtonElement; position: number }[] = [];

  constructor(
    container: HTMLElement,
    private readonly model: TraceModel,
    private readonly cursor: Cursor,
  ) {
    const final = model.finalState();
    const parts = [this.verdict(), this.scorecard(final), this.expectations(), this.anomalies(final.anomalies), ...this.notices(final)];
    container.append(...parts.filter((part): part is HTMLElement => part !== null));
  }

  /** Marks which cited events the cursor has already passed. */
  update(): void {
    for (const { button, position } of this.evidence) button.classList.toggle('passed', position < this.cursor.position);
  }

  private verdict(): HTMLElement {
    const end = this.model.end;
    if (end === null) {
      return el('p', { class: 'verdict unknown' }, [icon(ICONS.warning), ' The trace ends without its end line (the run was cut short): no verdict or summary.']);
    }
    const ok = end.summary.ok;
    const anomalies = this.model.finalState().anomalies.length;
    const words = ok === true ? 'The run met its expectations.' : ok === false ? 'The run failed its expectations.' : 'The trace carries no verdict.';
    return el('p', { class: `verdict ${ok === true ? 'ok' : ok === false ? 'failed' : 'unknown'}` }, [
      icon(ok === true ? ICONS.check : ICONS.cross),
      ` ${words} ${anomalies === 0 ? 'The checker found no anomaly.' : `The checker found ${anomalies} anomal${anomalies === 1 ? 'y' : 'ies'}.`}`,
      el('span', { class: 'trace-hash', text: ` traceHash ${end.traceHash}` }),
    ]);
  }

  private scorecard(final: ClusterState): HTMLElement {
    const summary = this.model.end?.summary;
    const produced = summary?.produced;
    const lostFound = final.anomalies.filter((anomaly) => anomaly.kind === 'lost-acked-write' && anomaly.verdict !== 'unknown');
    const lost = summary?.anomalies?.lostAckedWrites ?? (lostFound.length > 0 ? lostFound.reduce((sum, anomaly) => sum + (anomaly.count ?? 1), 0) : final.anomalies.length === 0 && this.model.end !== null ? 0 : undefined);
    const totals = [...final.producers.values()].reduce((sum, producer) => ({ sent: sum.sent + producer.sent, acked: sum.acked + producer.acked, failed: sum.failed + producer.failed, unknown: sum.unknown + producer.unknown }), { sent: 0, acked: 0, failed: 0, unknown: 0 });
    const figures: [string, string][] = [
      ['sent', formatCount(produced?.sent ?? totals.sent)],
      ['acknowledged', formatCount(produced?.acked ?? totals.acked)],
      ['failed', formatCount(produced?.failed ?? totals.failed)],
      ['unknown outcome', formatCount(produced?.unknown ?? totals.unknown)],
      ['acknowledged writes lost', lost === undefined ? '–' : formatCount(lost)],
      ['leader elections', formatCount(summary?.leaderElections ?? final.counters.leaderElections)],
      ['unclean elections', formatCount(summary?.uncleanElections ?? final.counters.uncleanElections)],
      ['ISR shrinks / expands', `${formatCount(summary?.isrShrinks ?? final.counters.isrShrinks)} / ${formatCount(summary?.isrExpands ?? final.counters.isrExpands)}`],
      ['truncated records', formatCount(final.counters.truncatedRecords)],
    ];
    return el('dl', { class: 'scorecard' }, figures.flatMap(([name, value]) => [el('div', { class: 'figure' }, [el('dt', { text: name }), el('dd', { text: value })])]));
  }

  private expectations(): HTMLElement | null {
    const expectations = this.model.end?.summary.expectations;
    if (!Array.isArray(expectations) || expectations.length === 0) return null;
    return el('ul', { class: 'expectations', attrs: { 'aria-label': 'Expectations' } }, expectations.map((expectation) =>
      el('li', { class: expectation.ok ? 'ok' : 'failed' }, [icon(expectation.ok ? ICONS.check : ICONS.cross), el('strong', { text: ` ${String(expectation.name)}` }), ` ${expectation.ok ? 'held' : 'failed'}: ${String(expectation.detail)}`]),
    ));
  }

  private anomalies(anomalies: readonly AnomalyState[]): HTMLElement {
    if (anomalies.length === 0) return el('p', { class: 'panel-note', text: 'No anomaly events in this trace.' });
    return el('ol', { class: 'anomalies' }, anomalies.map((anomaly) => this.anomaly(anomaly)));
  }

  private anomaly(anomaly: AnomalyState): HTMLElement {
    const cited = anomaly.explanation.events.slice(0, MAX_EVIDENCE);
    const buttons = cited.map((seq) => this.evidenceButton(seq));
    const more = anomaly.explanation.events.length - cited.length;
    return el('li', { class: `anomaly verdict-${anomaly.verdict ?? 'invalid'}` }, [
      el('div', { class: 'anomaly-head' }, [
        icon(ICONS.warning, 'icon warn'),
        el('span', { class: 'anomaly-kind', text: KIND_WORDS[anomaly.kind] ?? anomaly.kind.replace(/-/g, ' ') }),
        anomaly.partition === null ? null : el('span', { class: 'chip', text: anomaly.partition }),
        anomaly.verdict === null ? null : el('span', { class: `pill ${anomaly.verdict}`, text: anomaly.verdict.toUpperCase() }),
        el('button', { class: 'button small', text: `found at ${formatTime(anomaly.timeUs)}`, attrs: { type: 'button', title: 'Move the cursor to the anomaly event' }, on: { click: () => this.cursor.seekSeq(anomaly.seq) } }),
      ]),
      el('p', { class: 'anomaly-detail', text: anomaly.detail }),
      anomaly.explanation.text === '' ? null : el('p', { class: 'anomaly-story', text: anomaly.explanation.text }),
      buttons.length === 0 ? null : el('div', { class: 'evidence', attrs: { role: 'group', 'aria-label': 'The events that explain it' } }, [el('span', { class: 'evidence-title', text: 'The story, event by event:' }), ...buttons]),
      more > 0 ? el('p', { class: 'panel-note', text: `and ${more} more events` }) : null,
    ]);
  }

  private evidenceButton(seq: number): HTMLButtonElement {
    const position = this.model.index.positionOfSeq(seq);
    if (position === -1) {
      return el('button', { class: 'evidence-event missing', text: `#${seq} (not in this trace)`, attrs: { type: 'button', disabled: true } });
    }
    const event = this.model.event(position);
    const button = el('button', { class: 'evidence-event', attrs: { type: 'button', title: `Move the cursor just after event #${seq}` }, on: { click: () => {
      this.cursor.pause();
      this.cursor.seekPosition(position + 1);
    } } }, [el('span', { class: 'evidence-time', text: formatTime(event.t) }), ` ${describeEvent(event)}`]);
    this.evidence.push({ button, position });
    return button;
  }

  private notices(final: ClusterState): HTMLElement[] {
    const notices: HTMLElement[] = [];
    if (final.unknownKinds.size > 0) {
      const kinds = [...final.unknownKinds.entries()].map(([kind, count]) => `${kind} ×${formatCount(count)}`).join(', ');
      notices.push(el('p', { class: 'notice', text: `This trace has events this viewer does not know (${kinds}); it shows them in the log but they change nothing above. A newer kafka-sim wrote it.` }));
    }
    if (final.counters.malformed > 0) {
      notices.push(el('div', { class: 'notice warn' }, [
        el('p', { text: `${formatCount(final.counters.malformed)} event${final.counters.malformed === 1 ? ' was' : 's were'} skipped as malformed:` }),
        el('ul', {}, final.problems.map((problem) => el('li', { text: problem }))),
      ]));
    }
    if (!this.model.complete) notices.push(el('p', { class: 'notice warn', text: 'The file ends before its end line: this trace was cut short.' }));
    return notices;
  }
}
