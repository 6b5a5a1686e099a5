// Test scaffolding for the hardware layer: a world with round-number hardware and a scripted actor
// that records everything it sees, so each test states only its scenario and its expectation.

import { createRng } from '../../sim/core/rng.ts';
import { Scheduler } from '../../sim/core/scheduler.ts';
import { MemorySink, Trace, type DetailLevel } from '../../sim/core/trace.ts';
import type { Actor, ActorContext, DisconnectReason, NodeId } from '../../sim/hw/actor.ts';
import type { NetworkOptions } from '../../sim/hw/network.ts';
import { resolveHardwareProfile, type HardwareProfile } from '../../sim/hw/profiles.ts';
import { World } from '../../sim/hw/world.ts';

/** fast-check's seed: fixed, so runs repeat; FC_SEED=<n> explores another (failures print theirs). */
export const FC_SEED = process.env.FC_SEED === undefined ? 20_250_303 : Number(process.env.FC_SEED);

/**
 * Round numbers: 1 Gbit/s NIC (8 ns per byte, so 1000 bytes serialise in 8 µs), 50 µs within a
 * rack and 250 µs across, no jitter, one disk at 100 MB/s (10 ns per byte) with 1 ms latency,
 * 1 GiB of RAM all page cache.
 */
export const TEST_HARDWARE: HardwareProfile = resolveHardwareProfile('ssd-10g', {
  cores: 4,
  ramBytes: 1024 ** 3,
  heapBytes: 0,
  nicBitsPerSecond: 1e9,
  intraRackLatencyUs: 50,
  crossRackLatencyUs: 250,
  latencyJitterUs: 0,
  disks: 1,
  diskWriteBytesPerSecond: 100_000_000,
  diskReadBytesPerSecond: 100_000_000,
  diskLatencyUs: 1000,
});

export interface Received {
  readonly from: NodeId;
  readonly message: unknown;
  readonly atUs: number;
  readonly incarnation: number;
}

export interface Disconnect {
  readonly peer: NodeId;
  readonly reason: DisconnectReason;
  readonly atUs: number;
}

/** An actor that records its inputs and runs optional scripts on start and on each message. */
export class ScriptedActor implements Actor {
  ctx!: ActorContext;
  readonly received: Received[] = [];
  readonly disconnects: Disconnect[] = [];
  starts = 0;
  stops = 0;

  constructor(
    private readonly script: {
      onStart?: (ctx: ActorContext) => void;
      onMessage?: (ctx: ActorContext, from: NodeId, message: unknown) => void;
    } = {},
  ) {}

  onStart(ctx: ActorContext): void {
    this.ctx = ctx;
    this.starts++;
    this.script.onStart?.(ctx);
  }

  onMessage(from: NodeId, message: unknown): void {
    this.received.push({ from, message, atUs: this.ctx.now, incarnation: this.ctx.incarnation });
    this.script.onMessage?.(this.ctx, from, message);
  }

  onDisconnect(peer: NodeId, reason: DisconnectReason): void {
    this.disconnects.push({ peer, reason, atUs: this.ctx.now });
  }

  onStop(): void {
    this.stops++;
  }
}

export interface TestWorld {
  readonly world: World;
  readonly scheduler: Scheduler;
  readonly sink: MemorySink;
  readonly actors: Map<NodeId, ScriptedActor>;
  actor(id: NodeId): ScriptedActor;
}

export interface NodeSpec {
  readonly id: NodeId;
  readonly rack?: string;
  readonly hardware?: HardwareProfile;
  readonly actor?: ScriptedActor;
}

/** A world of started nodes (rack "r1" unless given), each running a ScriptedActor. */
export function buildWorld(
  nodes: readonly NodeSpec[],
  options: { seed?: number | string; detail?: DetailLevel; pageCacheChunkBytes?: number; network?: NetworkOptions } = {},
): TestWorld {
  const seed = options.seed ?? 1;
  const scheduler = new Scheduler({ seed });
  const sink = new MemorySink();
  const trace = new Trace(scheduler, { detail: options.detail ?? 'standard', sinks: [sink] });
  const world = new World({
    scheduler,
    trace,
    rng: createRng(seed),
    ...(options.pageCacheChunkBytes === undefined ? {} : { pageCacheChunkBytes: options.pageCacheChunkBytes }),
    ...(options.network === undefined ? {} : { network: options.network }),
  });
  const actors = new Map<NodeId, ScriptedActor>();
  for (const node of nodes) {
    const actor = node.actor ?? new ScriptedActor();
    actors.set(node.id, actor);
    world.addMachine({ id: node.id, rack: node.rack ?? 'r1', hardware: node.hardware ?? TEST_HARDWARE, actor });
  }
  for (const node of nodes) world.start(node.id);
  return {
    world,
    scheduler,
    sink,
    actors,
    actor(id) {
      const actor = actors.get(id);
      if (actor === undefined) throw new Error(`no actor ${id}`);
      return actor;
    },
  };
}

/** Runs `fn` at simulated time `atUs`. */
export function at(scheduler: Scheduler, atUs: number, fn: () => void): void {
  scheduler.scheduleAt(atUs, fn);
}
