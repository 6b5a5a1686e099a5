// The network benchmark: messages per wall-clock second through the hardware model (sender NIC,
// propagation with jitter, receiver NIC, connection checks, delivery to an actor). Closed loop:
// every node keeps a fixed number of messages in flight to random peers and answers each one it
// receives, so the pending-event count stays constant and the figure is the model's cost per
// message, not the event queue's growth. Traces are numbered but not written (standard detail,
// no sink), as in a benchmark run of a scenario.

import { performance } from 'node:perf_hooks';
import { createRng, type Rng } from '../sim/core/rng.ts';
import { Scheduler } from '../sim/core/scheduler.ts';
import { Trace } from '../sim/core/trace.ts';
import type { Actor, ActorContext, NodeId } from '../sim/hw/actor.ts';
import { resolveHardwareProfile } from '../sim/hw/profiles.ts';
import { World } from '../sim/hw/world.ts';

export interface NetworkBenchRow {
  name: string;
  nodes: number;
  inFlightPerNode: number;
  messageBytes: number;
  messages: number;
  wallMs: number;
  messagesPerSecond: number;
  eventsPerSecond: number;
  simulatedSeconds: number;
}

interface Workload {
  name: string;
  nodes: number;
  racks: number;
  inFlightPerNode: number;
  messageBytes: number;
}

const WORKLOADS: readonly Workload[] = [
  { name: 'request/response, 3 nodes', nodes: 3, racks: 3, inFlightPerNode: 16, messageBytes: 1024 },
  { name: 'request/response, 30 nodes', nodes: 30, racks: 3, inFlightPerNode: 64, messageBytes: 1024 },
  { name: 'request/response, 200 nodes', nodes: 200, racks: 10, inFlightPerNode: 32, messageBytes: 200 },
];

/** Answers every message; the answer goes to a random peer so traffic spreads over all pairs. */
class Bouncer implements Actor {
  private ctx!: ActorContext;
  received = 0;

  constructor(
    private readonly peers: readonly NodeId[],
    private readonly inFlight: number,
    private readonly bytes: number,
    private readonly rng: Rng,
  ) {}

  onStart(ctx: ActorContext): void {
    this.ctx = ctx;
    for (let i = 0; i < this.inFlight; i++) this.bounce();
  }

  onMessage(): void {
    this.received++;
    this.bounce();
  }

  private bounce(): void {
    let peer = this.peers[this.rng.int(this.peers.length)] as NodeId;
    if (peer === this.ctx.id) peer = this.peers[(this.peers.indexOf(peer) + 1) % this.peers.length] as NodeId;
    this.ctx.send(peer, null, this.bytes);
  }
}

function runWorkload(workload: Workload, messages: number): NetworkBenchRow {
  const scheduler = new Scheduler({ seed: 'bench/network' });
  const trace = new Trace(scheduler);
  const rng = createRng('bench/network');
  const world = new World({ scheduler, trace, rng });
  const hardware = resolveHardwareProfile('ssd-10g');
  const ids = Array.from({ length: workload.nodes }, (_, i) => `node-${i}`);
  const actors = ids.map((id) => new Bouncer(ids, workload.inFlightPerNode, workload.messageBytes, rng.fork(id)));
  ids.forEach((id, i) => world.addMachine({ id, rack: `r${i % workload.racks}`, hardware, actor: actors[i] as Actor }));
  for (const id of ids) world.start(id);
  const eventsBefore = scheduler.events;
  const start = performance.now();
  while (world.network.stats.delivered < messages) scheduler.run(10_000);
  const wallMs = performance.now() - start;
  const delivered = world.network.stats.delivered;
  return {
    name: workload.name,
    nodes: workload.nodes,
    inFlightPerNode: workload.inFlightPerNode,
    messageBytes: workload.messageBytes,
    messages: delivered,
    wallMs,
    messagesPerSecond: (delivered / wallMs) * 1000,
    eventsPerSecond: ((scheduler.events - eventsBefore) / wallMs) * 1000,
    simulatedSeconds: scheduler.now / 1e6,
  };
}

/** Runs every workload (median of `repeats` by messages/s); `quick` uses fewer messages. */
export function benchNetwork(options: { quick?: boolean } = {}): NetworkBenchRow[] {
  const messages = options.quick ? 300_000 : 2_000_000;
  const repeats = options.quick ? 1 : 3;
  return WORKLOADS.map((workload) => {
    const runs = Array.from({ length: repeats }, () => runWorkload(workload, messages));
    runs.sort((a, b) => a.messagesPerSecond - b.messagesPerSecond);
    return runs[Math.floor(runs.length / 2)] as NetworkBenchRow;
  });
}

/** The report's lines, for `npm run bench`. */
export function formatNetworkReport(rows: readonly NetworkBenchRow[]): string[] {
  const lines = ['Network: messages/s through the model (sender NIC + propagation + receiver NIC + delivery), median of runs', ''];
  const header = ['workload', 'in flight', 'bytes', 'messages/s', 'events/s', 'simulated s'];
  const table = rows.map((r) => [
    r.name,
    String(r.nodes * r.inFlightPerNode),
    String(r.messageBytes),
    `${(r.messagesPerSecond / 1e6).toFixed(2)} M/s`,
    `${(r.eventsPerSecond / 1e6).toFixed(2)} M/s`,
    r.simulatedSeconds.toFixed(3),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  lines.push(line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...table.map(line));
  return lines;
}
