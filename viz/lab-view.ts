// "What if" (DESIGN §13, issue 12): run a bundled scenario in the browser, with knobs — acks,
// min.insync.replicas, unclean leader election, the replication protocol, the seed, which faults
// fire — as two runs side by side on the same seed, and compare them on a scorecard (acked,
// failed, lost, longest unavailability, p99). Each knob becomes a `--set` override, shown as the
// `sim run` command that reproduces the run on the command line with the same traceHash. A
// finished run opens in the viewer like any trace.

import { parse, stringify } from 'yaml';
import type { DetailLevel } from '../sim/core/trace.ts';
import { loadScenario } from '../sim/scenario/load.ts';
import { REPLICATION_PROTOCOLS, type ScenarioSpec } from '../sim/scenario/spec.ts';
import { el } from './dom.ts';
import { RunHandle, traceFile, type FinishedRun, type RunOutcome } from './run-client.ts';
import { describeFault, scorecard } from './lab-scorecard.ts';

export interface BundledScenario {
  file: string;
  text: string;
  spec: ScenarioSpec;
  /** The `faults:` list as written, to re-send the ones kept. */
  faults: unknown[];
}

interface Knobs {
  acks: string;
  minInsyncReplicas: number;
  uncleanElection: boolean;
  protocol: string;
  seed: number;
  detail: DetailLevel;
  faults: boolean[];
}

/** The scenarios in scenarios/, bundled as text at build time. */
export function bundledScenarios(): BundledScenario[] {
  const files = import.meta.glob('../scenarios/*.yaml', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
  const found: BundledScenario[] = [];
  for (const [path, text] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    const file = `scenarios/${path.slice(path.lastIndexOf('/') + 1)}`;
    const loaded = loadScenario(text, file);
    if (!loaded.ok) continue;
    const faults = (parse(text) as { faults?: unknown[] }).faults ?? [];
    found.push({ file, text, spec: loaded.spec, faults });
  }
  return found;
}

function defaults(spec: ScenarioSpec): Knobs {
  return {
    acks: String(spec.producers[0]?.config.acks ?? 'all'),
    minInsyncReplicas: Number(spec.cluster.config['min.insync.replicas']),
    uncleanElection: Boolean(spec.cluster.config['unclean.leader.election.enable']),
    protocol: spec.cluster.replicationProtocol,
    seed: spec.seed,
    detail: 'standard',
    faults: spec.faults.map(() => true),
  };
}

/** The `--set` overrides that turn the scenario into the one the knobs describe. */
export function overridesFor(scenario: BundledScenario, knobs: Knobs): string[] {
  const { spec } = scenario;
  const sets: string[] = [];
  for (const producer of spec.producers) if (String(producer.config.acks) !== knobs.acks) sets.push(`producers.${producer.name}.config.acks=${knobs.acks}`);
  const brokerKey = (key: 'min.insync.replicas' | 'unclean.leader.election.enable', value: number | boolean): void => {
    if (spec.cluster.config[key] !== value) sets.push(`cluster.config.${key}=${value}`);
    for (const topic of spec.topics) if (topic.configOverrides.includes(key) && topic.config[key] !== value) sets.push(`topics.${topic.name}.config.${key}=${value}`);
  };
  brokerKey('min.insync.replicas', knobs.minInsyncReplicas);
  brokerKey('unclean.leader.election.enable', knobs.uncleanElection);
  if (spec.cluster.replicationProtocol !== knobs.protocol) sets.push(`cluster.replication.protocol=${knobs.protocol}`);
  if (spec.seed !== knobs.seed) sets.push(`seed=${knobs.seed}`);
  if (knobs.faults.some((on) => !on)) {
    const kept = scenario.faults.filter((_, index) => knobs.faults[index] !== false);
    sets.push(`faults=${stringify(kept, { collectionStyle: 'flow', lineWidth: 0, flowCollectionPadding: false }).trim()}`);
  }
  return sets;
}

function shellQuote(text: string): string {
  return /^[\w./=:-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** One configured run: its knobs, its command, its progress and outcome. */
class RunColumn {
  readonly element: HTMLElement;
  knobs: Knobs;
  result: FinishedRun | null = null;
  private handle: RunHandle | null = null;
  private readonly command = el('code', { class: 'command' });
  private readonly status = el('p', { class: 'run-status', attrs: { 'aria-live': 'polite' } });
  private readonly bar = el('div', { class: 'progress-bar' });
  private readonly runButton: HTMLButtonElement;
  private readonly openButton: HTMLButtonElement;

  constructor(
    readonly label: string,
    private readonly scenario: BundledScenario,
    knobs: Knobs,
    private readonly onChange: () => void,
    private readonly open: (file: File) => void,
  ) {
    this.knobs = knobs;
    this.runButton = el('button', { class: 'button primary', text: `Run ${label}`, attrs: { type: 'button' }, on: { click: () => void this.toggle() } });
    this.openButton = el('button', { class: 'button', text: `Open run ${label} in the viewer`, attrs: { type: 'button', disabled: true }, on: { click: () => this.openTrace() } });
    this.element = el('fieldset', { class: 'run-column' }, [el('legend', { text: `Run ${label}` }), ...this.controls(), el('div', { class: 'command-box' }, [el('span', { class: 'sub', text: 'Same run on the command line:' }), this.command]), el('div', { class: 'run-actions' }, [this.runButton, this.openButton]), el('div', { class: 'progress' }, [this.bar]), this.status]);
    this.refreshCommand();
  }

  private controls(): HTMLElement[] {
    const { spec } = this.scenario;
    const id = (name: string): string => `knob-${this.label}-${name}`;
    const changed = (): void => {
      this.result = null;
      this.openButton.disabled = true;
      this.status.textContent = '';
      this.refreshCommand();
      this.onChange();
    };
    const select = (name: string, label: string, values: readonly string[], current: string, set: (value: string) => void): HTMLElement => {
      const input = el('select', { attrs: { id: id(name) }, on: { change: () => { set(input.value); changed(); } } }, values.map((value) => el('option', { text: value, attrs: { value, selected: value === current } })));
      return el('div', { class: 'knob' }, [el('label', { text: label, attrs: { for: id(name) } }), input]);
    };
    const number = (name: string, label: string, current: number, min: number, set: (value: number) => void): HTMLElement => {
      const input = el('input', { attrs: { id: id(name), type: 'number', min, step: 1, value: current }, on: { change: () => { set(Math.max(min, Math.round(Number(input.value) || min))); changed(); } } });
      return el('div', { class: 'knob' }, [el('label', { text: label, attrs: { for: id(name) } }), input]);
    };
    const check = (name: string, label: string, current: boolean, set: (value: boolean) => void): HTMLElement => {
      const input = el('input', { attrs: { id: id(name), type: 'checkbox', checked: current }, on: { change: () => { set(input.checked); changed(); } } });
      return el('div', { class: 'knob check' }, [input, el('label', { text: label, attrs: { for: id(name) } })]);
    };
    const faults = spec.faults.map((fault, index) => check(`fault-${index}`, describeFault(fault), this.knobs.faults[index] ?? true, (on) => (this.knobs.faults[index] = on)));
    return [
      el('div', { class: 'knobs' }, [
        select('acks', 'acks (every producer)', ['all', '1', '0'], this.knobs.acks, (value) => (this.knobs.acks = value)),
        number('min-isr', 'min.insync.replicas', this.knobs.minInsyncReplicas, 1, (value) => (this.knobs.minInsyncReplicas = value)),
        select('protocol', 'replication.protocol', REPLICATION_PROTOCOLS, this.knobs.protocol, (value) => (this.knobs.protocol = value)),
        number('seed', 'seed', this.knobs.seed, 0, (value) => (this.knobs.seed = value)),
        select('detail', 'trace detail', ['standard', 'full', 'summary'], this.knobs.detail, (value) => (this.knobs.detail = value as DetailLevel)),
        check('unclean', 'unclean.leader.election.enable', this.knobs.uncleanElection, (value) => (this.knobs.uncleanElection = value)),
      ]),
      el('div', { class: 'fault-knobs', attrs: { role: 'group', 'aria-label': `Faults of run ${this.label}` } }, [el('span', { class: 'sub', text: faults.length === 0 ? 'This scenario has no faults.' : 'Faults that fire:' }), ...faults]),
    ];
  }

  private refreshCommand(): void {
    const sets = overridesFor(this.scenario, this.knobs).map((set) => ` --set ${shellQuote(set)}`).join('');
    const detail = this.knobs.detail === 'standard' ? '' : ` --detail ${this.knobs.detail}`;
    this.command.textContent = `npx sim run ${this.scenario.file}${sets}${detail}`;
  }

  async toggle(): Promise<RunOutcome | null> {
    if (this.handle !== null) {
      this.handle.cancel();
      return null;
    }
    this.result = null;
    this.openButton.disabled = true;
    this.runButton.textContent = `Cancel ${this.label}`;
    this.status.textContent = 'Starting…';
    const request = { type: 'run' as const, scenarioText: this.scenario.text, fileName: this.scenario.file, overrides: overridesFor(this.scenario, this.knobs), detail: this.knobs.detail };
    this.handle = new RunHandle(request, (progress) => {
      const share = Math.min(1, progress.simulatedUs / Math.max(1, progress.durationUs));
      this.bar.style.width = `${Math.round(share * 100)}%`;
      this.status.textContent = `Simulating… ${(progress.simulatedUs / 1e6).toFixed(1)} s of ${(progress.durationUs / 1e6).toFixed(0)} s, ${progress.events.toLocaleString('en-US')} events written`;
    });
    const outcome = await this.handle.done;
    this.handle = null;
    this.runButton.textContent = `Run ${this.label}`;
    this.show(outcome);
    this.onChange();
    return outcome;
  }

  private show(outcome: RunOutcome): void {
    this.bar.style.width = outcome.kind === 'done' ? '100%' : '0%';
    if (outcome.kind === 'done') {
      this.result = outcome;
      this.openButton.disabled = false;
      this.status.textContent = `Done in ${(outcome.wallMs / 1000).toFixed(1)} s: ${outcome.lines.length.toLocaleString('en-US')} events, traceHash ${outcome.summary.traceHash}.`;
    } else if (outcome.kind === 'invalid') {
      this.status.replaceChildren(el('strong', { text: 'The scenario does not validate with these settings: ' }), outcome.errors.map((error) => `${error.path === '' ? '' : `${error.path}: `}${error.message}${error.hint ? ` (${error.hint})` : ''}`).join('; '));
    } else if (outcome.kind === 'failed') {
      this.status.textContent = outcome.message;
    } else {
      this.status.textContent = 'Cancelled.';
    }
  }

  private openTrace(): void {
    if (this.result === null) return;
    this.open(traceFile(this.result, `${this.scenario.spec.name}-${this.knobs.seed}-${this.label}.ndjson`));
  }
}

export class LabView {
  private readonly scenarios = bundledScenarios();
  private readonly body = el('div', { class: 'lab-body' });
  private columns: RunColumn[] = [];
  private readonly card = el('div', { class: 'scorecard-host', attrs: { 'aria-live': 'polite' } });

  constructor(
    container: HTMLElement,
    private readonly open: (file: File) => void,
  ) {
    const picker = el('select', { attrs: { id: 'lab-scenario' }, on: { change: () => this.choose(picker.value) } }, this.scenarios.map((scenario) => el('option', { text: scenario.spec.name, attrs: { value: scenario.file } })));
    const runBoth = el('button', { class: 'button primary', text: 'Run both', attrs: { type: 'button' }, on: { click: () => void Promise.all(this.columns.map((column) => column.toggle())) } });
    container.append(
      el('div', { class: 'lab-head' }, [el('label', { text: 'Scenario', attrs: { for: 'lab-scenario' } }), picker, runBoth]),
      this.body,
      this.card,
    );
    if (this.scenarios[0]) this.choose(this.scenarios[0].file);
    else this.body.append(el('p', { class: 'panel-note', text: 'No bundled scenarios were found in this build.' }));
  }

  private choose(file: string): void {
    const scenario = this.scenarios.find((each) => each.file === file);
    if (scenario === undefined) return;
    const a = defaults(scenario.spec);
    const b = { ...a, faults: [...a.faults], acks: a.acks === 'all' ? '1' : 'all' };
    this.columns = [new RunColumn('A', scenario, a, () => this.refresh(), this.open), new RunColumn('B', scenario, b, () => this.refresh(), this.open)];
    this.body.replaceChildren(el('p', { class: 'lab-description', text: scenario.spec.description.trim() }), el('div', { class: 'run-columns' }, this.columns.map((column) => column.element)));
    this.refresh();
  }

  private refresh(): void {
    this.card.replaceChildren(scorecard(this.columns.map((column) => ({ label: column.label, result: column.result }))));
  }
}
