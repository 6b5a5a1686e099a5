// A generator of realistic leader-failover traces for the reader, reducer and viewer tests, until
// `sim run` writes real ones: the story of scenarios/leader-failover.yaml told with the emitters'
// exact kinds and fields (sim/trace/format.ts). Three brokers on three racks, three ZooKeeper
// servers, `orders` with 6 partitions × 3 replicas, a producer; at 20 s the leader of orders/0
// (broker 2) crashes; at 30 s the other leaders drop it from their ISRs
// (replica.lag.time.max.ms = 10 s); at 38 s its ZooKeeper session expires (18 s) and the
// controller elects new leaders for orders/0 and orders/3; at 45 s it restarts, truncates, catches
// up and rejoins every ISR. With `lostWrite`, broker 2 had acknowledged (acks=1) 10 records of
// orders/0 nobody fetched; its truncation removes them and the checker reports the loss.

import { US_PER_SECOND } from '../../sim/core/time.ts';

export interface FailoverOptions {
  durationUs?: number;
  /** How often each replica reports its LEO/HW (the emitter's coalescing interval). */
  offsetsEveryUs?: number;
  /** Emit `msg` events for fetches (the `full` detail level). */
  fullDetail?: boolean;
  lostWrite?: boolean;
  /** A consumer group `billing` of two members reading the topic and committing every 5 s. */
  consumers?: boolean;
  topic?: string;
  /** Leave out the end line, as a trace cut short. */
  withoutEnd?: boolean;
}

const ASSIGNMENT = [[2, 3, 1], [3, 1, 2], [1, 2, 3], [2, 1, 3], [3, 2, 1], [1, 3, 2]];
const CRASH_US = 20 * US_PER_SECOND;
const SHRINK_US = 30 * US_PER_SECOND;
const EXPIRY_US = 38 * US_PER_SECOND;
const RESTART_US = 45 * US_PER_SECOND;
const EXPAND_US = 47 * US_PER_SECOND;
const RECORDS_PER_TICK = 83;
const LOST_RECORDS = 10;

interface PartitionModel {
  name: string;
  replicas: number[];
  leader: number;
  epoch: number;
  isr: number[];
  leo: Map<number, number>;
  hw: number;
}

export function failoverHeader(options: FailoverOptions = {}): object {
  const topic = options.topic ?? 'orders';
  return {
    format: 'kafka-sim-trace',
    version: 1,
    scenario: {
      name: 'leader-failover',
      description: 'Kill the leader of orders/0 under load; watch the controller elect a new leader.',
      seed: 42,
      durationUs: options.durationUs ?? 60 * US_PER_SECOND,
      cluster: {
        racks: ['r1', 'r2', 'r3'],
        brokers: [1, 2, 3].map((id) => ({ id, rack: `r${id}`, hardware: { profile: 'ssd-10g', overrides: {} } })),
        config: { 'min.insync.replicas': 2, 'unclean.leader.election.enable': false, 'replica.lag.time.max.ms': 10000 },
        replicationProtocol: 'kip-320',
      },
      zookeeper: { servers: [1, 2, 3].map((id) => ({ id, rack: `r${id}` })), sessionTimeoutMs: 18000, tickTimeMs: 2000 },
      topics: [{ name: topic, partitions: 6, replicationFactor: 3, assignment: null }],
      producers: [{ name: 'p1', topic, config: { acks: options.lostWrite ? '1' : 'all' } }],
      consumers: options.consumers ? [{ group: 'billing', members: 2 }] : [],
      faults: [
        { index: 0, kind: 'crash', atUs: CRASH_US, forUs: null, target: { type: 'leader', topic, partition: 0 } },
        { index: 1, kind: 'restart', atUs: RESTART_US, forUs: null, target: { type: 'broker', brokerId: 2 } },
      ],
      expect: [],
    },
    seed: 42,
    sim: '0.1.0',
  };
}

/** The trace, line by line (header first, end line last). */
export function* failoverTraceLines(options: FailoverOptions = {}): Generator<string> {
  const durationUs = options.durationUs ?? 60 * US_PER_SECOND;
  const tickUs = options.offsetsEveryUs ?? 100_000;
  const topic = options.topic ?? 'orders';
  let seq = 0;
  const pending: { t: number; k: string; fields: object; ref: EventRef }[] = [];
  const emit: Emit = (t, k, fields) => {
    const ref = { i: -1 };
    pending.push({ t, k, fields, ref });
    return ref;
  };
  // Story steps emit a little after their tick; sorting by time (stably) before numbering keeps
  // the file in time order with growing sequence numbers, as the simulator writes it.
  const flush = function* (): Generator<string> {
    pending.sort((a, b) => a.t - b.t);
    for (const { t, k, fields, ref } of pending) {
      ref.i = seq++;
      if (!options.fullDetail && k === 'msg') continue;
      yield JSON.stringify({ i: ref.i, t, k, ...fields });
    }
    pending.length = 0;
  };
  yield JSON.stringify(failoverHeader(options));
  const partitions = setUp(emit, topic, options.lostWrite ? '1' : 'all');
  yield* flush();
  const story = new Story(emit, partitions, options);
  let acked = 0;
  let sinceMetricsUs = 0;
  for (let t = tickUs; t <= durationUs; t += tickUs) {
    // The interval's appends and reports come first; story steps due now happen after them, as
    // a controller's decision follows the fetches of the same instant.
    for (const partition of partitions) acked += tick(emit, t, partition, story);
    story.at(t);
    if (options.consumers) consumerGroup(emit, t, partitions, t === tickUs);
    if (t - sinceMetricsUs >= US_PER_SECOND) {
      const stalled = t > CRASH_US && t < EXPIRY_US + US_PER_SECOND;
      const sent = Math.round((RECORDS_PER_TICK * 6 * US_PER_SECOND) / tickUs);
      emit(t, 'producer-metrics', { producer: 'p1', sent, acked, failed: 0, unknown: stalled ? 40 : 0, p50Ms: 3.2, p99Ms: stalled ? 9800 : 11.5, maxMs: stalled ? 18000 : 20, bufferUsedBytes: 0, droppedArrivals: 0 });
      acked = 0;
      sinceMetricsUs = t;
    }
    yield* flush();
  }
  story.finish(durationUs);
  yield* flush();
  if (!options.withoutEnd) {
    yield JSON.stringify({ k: 'end', t: durationUs, traceHash: '00c0ffee00c0ffee', summary: { scenario: 'leader-failover', seed: 42, events: seq, leaderElections: 8, ok: !options.lostWrite } });
  }
}

export function failoverTraceText(options: FailoverOptions = {}): string {
  return `${[...failoverTraceLines(options)].join('\n')}\n`;
}

const COMMIT_EVERY_US = 5 * US_PER_SECOND;
/** How far behind the high watermark the group commits: what it has processed. */
const CONSUMER_BEHIND = 200;

/** The group joins on the first tick, then each member commits its partitions every 5 s. */
function consumerGroup(emit: Emit, t: number, partitions: readonly PartitionModel[], first: boolean): void {
  const members = ['billing/0', 'billing/1'];
  const mine = (index: number): PartitionModel[] => partitions.filter((_, at) => at % members.length === index);
  if (first) {
    members.forEach((member, index) => {
      emit(t, 'node-up', { node: `consumer-billing-${index}`, incarnation: 1 });
      emit(t, 'consumer-start', { group: 'billing', member, incarnation: 1, commit: 'auto', protocol: 'eager' });
    });
    emit(t + 1000, 'group-state', { group: 'billing', state: 'PreparingRebalance', generation: 0, coordinator: 1, reason: 'member joined' });
    emit(t + 2000, 'group-state', { group: 'billing', state: 'CompletingRebalance', generation: 1, coordinator: 1, protocol: 'range', leader: 'm-0', members: ['m-0', 'm-1'] });
    emit(t + 3000, 'group-state', { group: 'billing', state: 'Stable', generation: 1, coordinator: 1 });
    members.forEach((member, index) => {
      const assigned = mine(index).map((partition) => partition.name);
      emit(t + 4000, 'group-assignment', { group: 'billing', generation: 1, member, memberId: `m-${index}`, partitions: assigned, revoked: [], protocol: 'eager' });
    });
  }
  if (t % COMMIT_EVERY_US !== 0) return;
  members.forEach((member, index) => {
    const offsets = mine(index).map((partition) => ({ partition: partition.name, offset: Math.max(0, partition.hw - CONSUMER_BEHIND) }));
    emit(t, 'consumer-commit', { group: 'billing', member, memberId: `m-${index}`, generation: 1, how: 'auto', outcome: 'ok', error: null, offsets });
  });
}

interface EventRef {
  i: number;
}

type Emit = (t: number, k: string, fields: object) => EventRef;

function setUp(emit: Emit, topic: string, acks: string): PartitionModel[] {
  for (const zk of [1, 2, 3]) emit(1000, 'node-up', { node: `zk-${zk}`, incarnation: 1 });
  for (const zk of [2, 3]) emit(30_000, 'zk-serving', { zk: `zk-${zk}`, state: 'FOLLOWING', leader: 1 });
  emit(30_000, 'zk-leader', { zk: 'zk-1', epoch: 1, zxid: '0x100000000', followers: [2, 3] });
  for (const broker of [1, 2, 3]) startBroker(emit, 50_000 + broker * 1000, broker, 1);
  emit(60_000, 'znode', { op: 'create', path: '/controller', data: '{"brokerid":1}', owner: '0x010000000000001', zxid: '0x100000009' });
  emit(60_000, 'controller', { controller: 1, controllerEpoch: 1, broker: 1, epoch: 1 });
  emit(61_000, 'controller-loaded', { controller: 1, controllerEpoch: 1, brokers: [1, 2, 3], topics: 0, partitions: 0, offlinePartitions: 0, tookUs: 1000 });
  emit(65_000, 'node-up', { node: 'producer-p1', incarnation: 1 });
  emit(66_000, 'producer-start', { producer: 'p1', incarnation: 1, acks, idempotence: acks === 'all' });
  emit(70_000, 'topic-created', { topic, partitions: 6, replicationFactor: 3, assignment: ASSIGNMENT });
  return ASSIGNMENT.map((replicas, index) => {
    const name = `${topic}/${index}`;
    const leader = replicas[0] as number;
    emit(75_000, 'leader-election', { controller: 1, controllerEpoch: 1, partition: name, oldLeader: -1, newLeader: leader, leaderEpoch: 0, isr: replicas, fromIsr: replicas, kind: 'clean', reason: 'new-partition' });
    for (const broker of replicas) {
      emit(80_000, 'leader-and-isr', { broker, partition: name, controller: 1, controllerEpoch: 1, leader, leaderEpoch: 0, isr: replicas, replicas, role: broker === leader ? 'leader' : 'follower' });
    }
    return { name, replicas, leader, epoch: 0, isr: [...replicas], leo: new Map(replicas.map((broker) => [broker, 0])), hw: 0 };
  });
}

/** ZooKeeper's session ids as the simulator writes them: 16 hex digits. */
function sessionId(broker: number, incarnation: number): string {
  return `0x${(incarnation * 256 + broker).toString(16).padStart(16, '0')}`;
}

function startBroker(emit: Emit, t: number, broker: number, incarnation: number): void {
  const session = sessionId(broker, incarnation);
  emit(t, 'node-up', { node: `broker-${broker}`, incarnation });
  emit(t + 200, 'zk-session', { op: 'created', session, owner: `broker-${broker}`, timeoutMs: 18000, zk: 'zk-1', zxid: '0x10000000a' });
  emit(t + 400, 'znode', { op: 'create', path: `/brokers/ids/${broker}`, data: `{"host":"broker-${broker}","rack":"r${broker}"}`, owner: session, zxid: '0x10000000b' });
  emit(t + 400, 'broker-registered', { broker, rack: `r${broker}`, brokerEpoch: 4294967296 + broker * 100 + incarnation, session });
}

/** One offsets interval of one partition: the leader appends, live ISR followers fetch. */
function tick(emit: Emit, t: number, partition: PartitionModel, story: Story): number {
  const leaderUp = story.isUp(partition.leader);
  if (!leaderUp) return 0;
  const leaderLeo = (partition.leo.get(partition.leader) ?? 0) + RECORDS_PER_TICK;
  partition.leo.set(partition.leader, leaderLeo);
  for (const broker of partition.replicas) {
    if (broker === partition.leader || !story.isUp(broker) || story.isCatchingUp(broker, t)) continue;
    emit(t - 400, 'msg', { from: `broker-${broker}`, to: `broker-${partition.leader}`, type: 'fetch', bytes: 120, sentUs: t - 900 });
    partition.leo.set(broker, leaderLeo);
  }
  const before = partition.hw;
  partition.hw = Math.min(...partition.isr.map((broker) => partition.leo.get(broker) ?? 0));
  for (const broker of partition.replicas) {
    if (!story.isUp(broker)) continue;
    const role = broker === partition.leader ? 'leader' : 'follower';
    emit(t, 'replica-offsets', { broker, partition: partition.name, role, logStartOffset: 0, logEndOffset: partition.leo.get(broker) ?? 0, highWatermark: Math.min(partition.hw, partition.leo.get(broker) ?? 0), leaderEpoch: partition.epoch });
  }
  return partition.hw - before;
}

class Story {
  private brokerUp = new Map([[1, true], [2, true], [3, true]]);
  private done = new Set<string>();
  private faultEvent: EventRef = { i: -1 };
  private electionEvent: EventRef = { i: -1 };
  private truncationEvent: EventRef = { i: -1 };

  constructor(
    private readonly emit: Emit,
    private readonly partitions: PartitionModel[],
    private readonly options: FailoverOptions,
  ) {}

  isUp(broker: number): boolean {
    return this.brokerUp.get(broker) ?? false;
  }

  isCatchingUp(broker: number, t: number): boolean {
    return broker === 2 && t >= RESTART_US && t < EXPAND_US;
  }

  at(t: number): void {
    if (this.once('crash', t >= CRASH_US)) this.crash(CRASH_US);
    if (this.once('shrink', t >= SHRINK_US)) this.shrink(SHRINK_US);
    if (this.once('expiry', t >= EXPIRY_US)) this.expire(EXPIRY_US);
    if (this.once('restart', t >= RESTART_US)) this.restart(RESTART_US);
    if (this.once('expand', t >= EXPAND_US)) this.expand(EXPAND_US);
  }

  finish(t: number): void {
    if (!this.options.lostWrite || this.truncationEvent.i === -1) return;
    const name = this.partitions[0]?.name ?? 'orders/0';
    this.emit(t, 'anomaly', {
      kind: 'lost-acked-write',
      verdict: 'invalid',
      partition: name,
      count: LOST_RECORDS,
      detail: `${LOST_RECORDS} acknowledged writes to ${name} were lost`,
      explanation: {
        text: `Broker 2 acknowledged them with acks=1 as leader of ${name} in epoch 0. At 20s it crashed before any follower fetched them. At 38s broker 3 became leader in epoch 1 from ISR [2, 3, 1]. At 45s broker 2 truncated them away.`,
        events: [this.faultEvent.i, this.electionEvent.i, this.truncationEvent.i],
      },
    });
  }

  private once(step: string, due: boolean): boolean {
    if (!due || this.done.has(step)) return false;
    this.done.add(step);
    return true;
  }

  private crash(t: number): void {
    const p0 = this.partitions[0] as PartitionModel;
    if (this.options.lostWrite) p0.leo.set(2, (p0.leo.get(2) ?? 0) + LOST_RECORDS);
    this.faultEvent = this.emit(t, 'fault', { fault: 0, kind: 'crash', target: `the leader of ${p0.name} (broker 2)`, nodes: ['broker-2'] });
    this.emit(t, 'node-down', { node: 'broker-2', how: 'crash' });
    this.brokerUp.set(2, false);
  }

  private shrink(t: number): void {
    for (const partition of this.partitions) {
      if (partition.leader === 2 || !partition.isr.includes(2)) continue;
      const oldIsr = partition.isr;
      partition.isr = oldIsr.filter((broker) => broker !== 2);
      this.emit(t, 'isr-change', { partition: partition.name, by: 'leader', broker: partition.leader, kind: 'shrink', reason: 'follower-out-of-sync', leader: partition.leader, leaderEpoch: partition.epoch, isr: partition.isr, oldIsr, zkVersion: 1 });
    }
  }

  private expire(t: number): void {
    this.emit(t, 'zk-session', { op: 'expired', session: sessionId(2, 1), owner: 'broker-2', zk: 'zk-1', zxid: '0x100000100' });
    this.emit(t, 'znode', { op: 'delete', path: '/brokers/ids/2', cause: 'session expired', zxid: '0x100000100' });
    this.emit(t + 2000, 'broker-change', { controller: 1, controllerEpoch: 1, live: [1, 3], newBrokers: [], deadBrokers: [2], bouncedBrokers: [] });
    for (const partition of this.partitions) {
      if (partition.leader !== 2) continue;
      const fromIsr = partition.isr;
      partition.isr = fromIsr.filter((broker) => broker !== 2);
      partition.leader = partition.replicas.find((broker) => broker !== 2 && fromIsr.includes(broker)) as number;
      partition.epoch++;
      const i = this.emit(t + 5000, 'leader-election', { controller: 1, controllerEpoch: 1, partition: partition.name, oldLeader: 2, newLeader: partition.leader, leaderEpoch: partition.epoch, isr: partition.isr, fromIsr, kind: 'clean', reason: 'broker-failure' });
      if (partition === this.partitions[0]) this.electionEvent = i;
      for (const broker of partition.isr) {
        this.emit(t + 7000, 'leader-and-isr', { broker, partition: partition.name, controller: 1, controllerEpoch: 1, leader: partition.leader, leaderEpoch: partition.epoch, isr: partition.isr, replicas: partition.replicas, role: broker === partition.leader ? 'leader' : 'follower' });
      }
    }
  }

  private restart(t: number): void {
    this.emit(t, 'fault', { fault: 1, kind: 'restart', target: 'broker 2', nodes: ['broker-2'] });
    startBroker(this.emit, t, 2, 2);
    this.brokerUp.set(2, true);
    this.emit(t + 3000, 'broker-change', { controller: 1, controllerEpoch: 1, live: [1, 2, 3], newBrokers: [2], deadBrokers: [], bouncedBrokers: [] });
    for (const partition of this.partitions) {
      this.emit(t + 5000, 'leader-and-isr', { broker: 2, partition: partition.name, controller: 1, controllerEpoch: 1, leader: partition.leader, leaderEpoch: partition.epoch, isr: partition.isr, replicas: partition.replicas, role: 'follower' });
      const leo = partition.leo.get(2) ?? 0;
      if (partition !== this.partitions[0] || !this.options.lostWrite) continue;
      const to = leo - LOST_RECORDS;
      partition.leo.set(2, to);
      this.truncationEvent = this.emit(t + 6000, 'truncation', { broker: 2, partition: partition.name, reason: 'diverging-epoch', protocol: 'kip-320', fromLogEndOffset: leo, toLogEndOffset: to, removedRecords: LOST_RECORDS, removedBatches: 1, leaderEpoch: partition.epoch });
    }
  }

  private expand(t: number): void {
    for (const partition of this.partitions) {
      const oldIsr = partition.isr;
      partition.isr = [...oldIsr, 2];
      partition.leo.set(2, partition.leo.get(partition.leader) ?? 0);
      this.emit(t, 'isr-change', { partition: partition.name, by: 'leader', broker: partition.leader, kind: 'expand', reason: 'follower-caught-up', leader: partition.leader, leaderEpoch: partition.epoch, isr: partition.isr, oldIsr, zkVersion: 2 });
    }
  }
}
