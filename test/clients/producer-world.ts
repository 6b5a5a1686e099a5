// Test scaffolding for the producer: a world (sim/hw) with fake brokers (fake-broker.ts) and one
// producer on its own machine, with round-number hardware, so each test states only its load,
// its configuration and its expectation.

import { createRng } from '../../sim/core/rng.ts';
import { Scheduler } from '../../sim/core/scheduler.ts';
import { MemorySink, Trace, type DetailLevel } from '../../sim/core/trace.ts';
import { Producer } from '../../sim/clients/producer.ts';
import type { LoadSpec } from '../../sim/clients/load.ts';
import type { ProducerConfig, ProducerCpuCosts } from '../../sim/clients/producer-config.ts';
import { resolveHardwareProfile, type HardwareProfile } from '../../sim/hw/profiles.ts';
import { World } from '../../sim/hw/world.ts';
import type { ProduceRequest } from '../../sim/kafka/protocol.ts';
import { FakeBroker, FakeCluster, type Behaviour } from './fake-broker.ts';

/** fast-check's seed: fixed, so runs repeat; FC_SEED=<n> explores another (failures print theirs). */
export const FC_SEED = process.env.FC_SEED === undefined ? 20_250_307 : Number(process.env.FC_SEED);

/** 50 µs one way inside the rack, no jitter, 10 Gbit/s: a 1 KB message arrives in about 52 µs. */
const HARDWARE = resolveHardwareProfile('ssd-10g', { intraRackLatencyUs: 50, latencyJitterUs: 0 });

export const TOPIC = 'orders';

export interface ProducerWorldOptions {
  readonly seed?: number;
  readonly brokers?: number;
  readonly partitions?: number;
  readonly load?: Partial<LoadSpec>;
  readonly config?: Partial<ProducerConfig>;
  readonly cpu?: Partial<ProducerCpuCosts>;
  readonly script?: (request: ProduceRequest, index: number) => Behaviour;
  readonly responseDelayUs?: number;
  readonly detail?: DetailLevel;
  /** The producer machine's hardware (default: the brokers' round-number profile). */
  readonly producerHardware?: HardwareProfile;
}

export interface ProducerWorld {
  readonly world: World;
  readonly scheduler: Scheduler;
  readonly sink: MemorySink;
  readonly cluster: FakeCluster;
  readonly producer: Producer;
}

/** Brokers "broker-1".."broker-N" and "producer-p1", all in rack r1, started at time 0. */
export function producerWorld(options: ProducerWorldOptions = {}): ProducerWorld {
  const seed = options.seed ?? 1;
  const scheduler = new Scheduler({ seed });
  const sink = new MemorySink();
  const trace = new Trace(scheduler, { detail: options.detail ?? 'standard', sinks: [sink] });
  const world = new World({ scheduler, trace, rng: createRng(seed) });
  const brokerIds = Array.from({ length: options.brokers ?? 1 }, (_, i) => i + 1);
  const cluster = new FakeCluster(TOPIC, brokerIds, options.partitions ?? 1, options.script, options.responseDelayUs ?? 0);
  for (const id of brokerIds) world.addMachine({ id: `broker-${id}`, rack: 'r1', hardware: HARDWARE, actor: new FakeBroker(id, cluster) });
  const load: LoadSpec = {
    topic: TOPIC,
    rate: { kind: 'fixed', recordsPerSecond: 1000 },
    messageBytes: 100,
    keys: null,
    partition: null,
    startUs: 0,
    stopUs: 1_000_000,
    ...options.load,
  };
  const producer = new Producer({
    name: 'p1',
    load,
    config: options.config ?? {},
    bootstrap: brokerIds.map((id) => `broker-${id}`),
    ...(options.cpu === undefined ? {} : { cpu: options.cpu }),
  });
  world.addMachine({ id: 'producer-p1', rack: 'r1', hardware: options.producerHardware ?? HARDWARE, actor: producer });
  for (const id of world.nodes()) world.start(id);
  return { world, scheduler, sink, cluster, producer };
}

/** Every record's identity in a partition's log is unique and they appear in send order. */
export function duplicatesAndReorderings(records: readonly number[]): { duplicates: number; reorderings: number } {
  const seen = new Set<number>();
  let duplicates = 0;
  let reorderings = 0;
  let highest = -1;
  for (const record of records) {
    if (seen.has(record)) duplicates++;
    else if (record < highest) reorderings++;
    seen.add(record);
    highest = Math.max(highest, record);
  }
  return { duplicates, reorderings };
}
