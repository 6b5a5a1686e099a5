// The partition table (DESIGN §13): one row per partition with its leader and leader epoch as
// ZooKeeper holds them, the ISR against the full replica list, every replica's log end offset and
// high watermark as bars on the partition's own offset scale, and its condition in words: online,
// under-replicated, offline, or — the teaching moment — led by a broker that is already down while
// the controller has not yet noticed. Fresh elections and truncations flash for a few seconds of
// simulated time so a class sees them happen; a truncation stays noted on its replica afterwards.
//
// Rows are rebuilt only when what they show changes (a signature per row), so playback stays
// smooth with hundreds of partitions; at most MAX_ROWS are shown, with a filter to find the rest.

import type { ClusterState, PartitionState, ReplicaState } from '../sim/trace/state.ts';
import type { Cursor } from './cursor.ts';
import { el, icon, ICONS } from './dom.ts';
import { formatCount, formatList, formatTime } from './format.ts';

const MAX_ROWS = 200;
/** How long, in simulated time, an election or truncation is highlighted. */
const FLASH_US = 3_000_000;
/** How long a truncation stays noted on its replica. */
const NOTE_US = 15_000_000;

export class PartitionsView {
  private readonly body = el('tbody');
  private readonly summary = el('p', { class: 'table-summary', attrs: { 'aria-live': 'polite' } });
  private readonly filter: HTMLInputElement;
  private readonly troubleOnly: HTMLInputElement;
  private readonly rows = new Map<string, { row: HTMLTableRowElement; signature: string }>();
  private last: { state: ClusterState; cursor: Cursor } | null = null;

  constructor(container: HTMLElement) {
    const rerender = (): void => {
      if (this.last) this.update(this.last.state, this.last.cursor);
    };
    this.filter = el('input', { class: 'filter', attrs: { type: 'search', placeholder: 'Filter: topic or partition', 'aria-label': 'Filter partitions by name' }, on: { input: rerender } });
    this.troubleOnly = el('input', { attrs: { type: 'checkbox' }, on: { change: rerender } });
    const tools = el('div', { class: 'panel-tools' }, [this.filter, el('label', { class: 'check' }, [this.troubleOnly, ' only partitions in trouble'])]);
    const head = el('thead', {}, [
      el('tr', {}, [
        el('th', { text: 'Partition and state', attrs: { scope: 'col' } }),
        el('th', { text: 'Leader and ISR', attrs: { scope: 'col' } }),
        el('th', { text: 'Replicas: log end offset / high watermark', attrs: { scope: 'col' } }),
      ]),
    ]);
    const table = el('table', { class: 'partition-table' }, [el('caption', { class: 'visually-hidden', text: 'Partitions at the cursor' }), head, this.body]);
    container.append(tools, this.summary, el('div', { class: 'table-scroll' }, [table]));
  }

  update(state: ClusterState, cursor: Cursor): void {
    this.last = { state, cursor };
    const needle = this.filter.value.trim().toLowerCase();
    const all = [...state.partitions.values()];
    const matching = all.filter((partition) => (needle === '' || partition.name.toLowerCase().includes(needle)) && (!this.troubleOnly.checked || inTrouble(partition, state)));
    const shown = matching.slice(0, MAX_ROWS);
    const offline = all.filter((partition) => partition.phase === 'offline').length;
    const cut = matching.length > shown.length ? ` — showing the first ${MAX_ROWS} of ${formatCount(matching.length)}` : '';
    this.summary.textContent = all.length === 0
      ? 'No topics yet at this point of the run.'
      : `${formatCount(all.length)} partitions · ${offline} offline · ${state.counters.underReplicated} under-replicated${cut}`;
    const readers = readersOf(state);
    const rows = shown.map((partition) => this.row(partition, state, cursor.timeUs, readers.get(partition.name) ?? []));
    this.body.replaceChildren(...rows);
  }

  private row(partition: PartitionState, state: ClusterState, timeUs: number, readers: readonly Reader[]): HTMLTableRowElement {
    const flashes = flashesOf(partition, timeUs);
    const signature = JSON.stringify([partition, leaderDown(partition, state), flashes, notes(partition, timeUs), readers]);
    const known = this.rows.get(partition.name);
    if (known !== undefined && known.signature === signature) return known.row;
    const row = el('tr', { class: `phase-${partition.phase}${flashes.map((flash) => ` flash-${flash}`).join('')}` }, [
      nameCell(partition, state, flashes),
      leaderCell(partition, state, readers),
      replicasCell(partition, state, timeUs),
    ]);
    this.rows.set(partition.name, { row, signature });
    return row;
  }
}

function inTrouble(partition: PartitionState, state: ClusterState): boolean {
  return partition.phase !== 'online' || partition.isr.length < partition.replicas.length || leaderDown(partition, state);
}

function leaderDown(partition: PartitionState, state: ClusterState): boolean {
  if (partition.phase !== 'online' || partition.leader < 0) return false;
  return state.nodes.get(`broker-${partition.leader}`)?.status !== 'up';
}

function flashesOf(partition: PartitionState, timeUs: number): string[] {
  const recent = (at: number | undefined): boolean => at !== undefined && timeUs >= at && timeUs - at < FLASH_US;
  const flashes: string[] = [];
  if (recent(partition.lastElection?.timeUs) && partition.lastElection?.reason !== 'new-partition') flashes.push('election');
  if (partition.replicaStates.some((replica) => recent(replica.lastTruncation?.timeUs))) flashes.push('truncation');
  if (recent(partition.lastIsrChange?.timeUs)) flashes.push('isr');
  return flashes;
}

function notes(partition: PartitionState, timeUs: number): boolean[] {
  return partition.replicaStates.map((replica) => replica.lastTruncation !== null && timeUs - replica.lastTruncation.timeUs < NOTE_US);
}

/** Which group member reads a partition, and its committed offset. */
interface Reader {
  group: string;
  member: string | null;
  committed: number | null;
}

function readersOf(state: ClusterState): Map<string, Reader[]> {
  const readers = new Map<string, Reader[]>();
  const add = (partition: string, reader: Reader): void => void readers.set(partition, [...(readers.get(partition) ?? []), reader]);
  for (const group of state.groups.values()) {
    const committed = new Map(group.committed.map((entry) => [entry.partition, entry.offset]));
    const seen = new Set<string>();
    for (const assignment of group.assignments) {
      for (const partition of assignment.partitions) {
        seen.add(partition);
        add(partition, { group: group.group, member: assignment.member, committed: committed.get(partition) ?? null });
      }
    }
    for (const [partition, offset] of committed) if (!seen.has(partition)) add(partition, { group: group.group, member: null, committed: offset });
  }
  return readers;
}

function readerLines(partition: PartitionState, readers: readonly Reader[]): HTMLElement[] {
  const hw = partition.replicaStates.find((replica) => replica.broker === partition.leader)?.highWatermark ?? null;
  return readers.map((reader) => {
    const lag = reader.committed !== null && hw !== null ? ` · lag ${formatCount(Math.max(0, hw - reader.committed))}` : '';
    const committed = reader.committed === null ? 'nothing committed' : `committed ${formatCount(reader.committed)}`;
    return el('span', { class: 'sub reader', text: `${reader.member ?? `${reader.group} (unassigned)`}: ${committed}${lag}` });
  });
}

/** The leader with its epoch, under it the ISR against the replica list, then who consumes it. */
function leaderCell(partition: PartitionState, state: ClusterState, readers: readonly Reader[]): HTMLTableCellElement {
  if (partition.leader < 0) {
    return el('td', { class: 'leader none' }, [
      el('span', { class: 'leader-id', text: 'no leader' }),
      el('span', { class: 'sub', text: partition.phase === 'new' ? 'not elected yet' : `last epoch ${partition.leaderEpoch}` }),
      isr(partition),
      ...readerLines(partition, readers),
    ]);
  }
  const down = leaderDown(partition, state);
  const election = partition.lastElection;
  const replaced = election !== null && election.reason !== 'new-partition' && election.oldLeader >= 0 ? ` · was broker ${election.oldLeader}` : '';
  const since = election !== null && election.reason !== 'new-partition' ? ` since ${formatTime(election.timeUs)}` : '';
  const epochNote = `epoch ${partition.leaderEpoch}${since}${replaced}`;
  return el('td', { class: `leader${down ? ' down' : ''}` }, [
    el('span', { class: 'leader-id' }, [down ? icon(ICONS.warning, 'icon warn') : null, `broker ${partition.leader}`]),
    el('span', { class: 'sub', text: down ? `down; the controller does not know yet · epoch ${partition.leaderEpoch}` : epochNote }),
    isr(partition),
    ...readerLines(partition, readers),
  ]);
}

function isr(partition: PartitionState): HTMLElement {
  const isr = new Set(partition.isr);
  const chips = partition.replicas.map((broker) => {
    const inIsr = isr.has(broker);
    return el('span', { class: `chip${inIsr ? ' in-isr' : ' out-of-isr'}${broker === partition.leader ? ' is-leader' : ''}`, title: `broker ${broker}: ${inIsr ? 'in the ISR' : 'not in the ISR'}${broker === partition.leader ? ', leader' : ''}`, text: String(broker) });
  });
  const label = `ISR ${formatList(partition.isr)} of replicas ${formatList(partition.replicas)}`;
  const since = partition.lastIsrChange === null ? '' : ` since ${formatTime(partition.lastIsrChange.timeUs)}`;
  return el('div', { class: 'isr' }, [
    el('span', { class: 'isr-label', text: 'ISR' }),
    el('span', { class: 'chips', attrs: { 'aria-hidden': 'true' } }, chips),
    el('span', { class: 'visually-hidden', text: label }),
    el('span', { class: 'sub', text: `${partition.isr.length} of ${partition.replicas.length} in sync${since}` }),
  ]);
}

function replicasCell(partition: PartitionState, state: ClusterState, timeUs: number): HTMLTableCellElement {
  const replicas = partition.replicaStates;
  const low = Math.min(...replicas.map((replica) => replica.logStartOffset), 0);
  const high = Math.max(...replicas.map((replica) => replica.logEndOffset), 1);
  const leaderLeo = replicas.find((replica) => replica.broker === partition.leader)?.logEndOffset ?? high;
  return el('td', { class: 'replicas' }, replicas.map((replica) => replicaLine(replica, partition, roleOf(replica, partition, state), { low, high, leaderLeo }, timeUs)));
}

/** What a replica is now: its broker down, the leader, a stale leader that has not heard, or a follower. */
function roleOf(replica: ReplicaState, partition: PartitionState, state: ClusterState): string {
  const status = state.nodes.get(`broker-${replica.broker}`)?.status ?? 'up';
  if (status !== 'up') return status === 'powered-off' ? 'powered off' : status;
  if (replica.broker === partition.leader) return 'leader';
  return replica.role === 'leader' ? 'stale leader' : 'follower';
}

function replicaLine(replica: ReplicaState, partition: PartitionState, role: string, scale: { low: number; high: number; leaderLeo: number }, timeUs: number): HTMLElement {
  const span = Math.max(1, scale.high - scale.low);
  const share = (offset: number): string => `${(100 * Math.max(0, Math.min(offset, scale.high) - scale.low)) / span}%`;
  const hw = Math.min(replica.highWatermark, replica.logEndOffset);
  const lag = scale.leaderLeo - replica.logEndOffset;
  const truncation = replica.lastTruncation;
  const noted = truncation !== null && timeUs - truncation.timeUs < NOTE_US;
  const words = `broker ${replica.broker} (${role}): log end offset ${formatCount(replica.logEndOffset)}, high watermark ${formatCount(replica.highWatermark)}${lag > 0 ? `, ${formatCount(lag)} behind the leader` : ''}`;
  const condition = role === 'stale leader' ? ' zombie' : role === 'leader' || role === 'follower' ? '' : ' down';
  return el('div', { class: `replica${partition.isr.includes(replica.broker) ? '' : ' out-of-isr'}${condition}`, title: words }, [
    el('span', { class: 'replica-name', text: `b${replica.broker}` }),
    el('span', { class: 'replica-role', text: role }),
    el('span', { class: 'bar', attrs: { role: 'img', 'aria-label': words } }, [
      el('span', { class: 'bar-committed', attrs: { style: `width:${share(hw)}` } }),
      el('span', { class: 'bar-uncommitted', attrs: { style: `left:${share(hw)};width:calc(${share(replica.logEndOffset)} - ${share(hw)})` } }),
      el('span', { class: 'bar-hw', attrs: { style: `left:${share(replica.highWatermark)}` } }),
    ]),
    el('span', { class: 'replica-offsets', text: `${formatCount(replica.logEndOffset)} / ${formatCount(replica.highWatermark)}` }),
    lag > 0 ? el('span', { class: 'replica-lag', text: `−${formatCount(lag)}` }) : null,
    noted && truncation !== null
      ? el('span', { class: 'truncated-note', title: `truncated at ${formatTime(truncation.timeUs)}: ${truncation.reason}` }, [icon(ICONS.scissors), ` −${formatCount(truncation.removedRecords)} records`])
      : null,
  ]);
}

/** The partition's name, and its condition in words under it. */
function nameCell(partition: PartitionState, state: ClusterState, flashes: readonly string[]): HTMLTableCellElement {
  const pills: HTMLElement[] = [];
  const pill = (kind: string, text: string): void => void pills.push(el('span', { class: `pill ${kind}`, text }));
  if (partition.phase === 'offline') pill('offline', 'OFFLINE');
  else if (partition.phase === 'new') pill('new', 'NO LEADER YET');
  else if (leaderDown(partition, state)) pill('leader-down', 'LEADER DOWN');
  else pill('online', 'ONLINE');
  if (partition.phase === 'online' && partition.isr.length < partition.replicas.length) pill('under', 'UNDER-REPLICATED');
  if (flashes.includes('election')) pill('flash', partition.lastElection?.kind === 'unclean' ? 'UNCLEAN ELECTION' : 'NEW LEADER');
  if (flashes.includes('truncation')) pill('flash truncation', 'TRUNCATED');
  const why = partition.phase === 'offline' ? `${partition.offlineReason === 'no-live-replica' ? 'no replica is alive' : 'no live replica in the ISR'} · since ${formatTime(partition.phaseSinceUs)}` : null;
  return el('th', { class: 'partition-name', attrs: { scope: 'row' } }, [el('span', { class: 'name', text: partition.name }), el('span', { class: 'pills' }, pills), why === null ? null : el('span', { class: 'sub', text: why })]);
}
