// A tiny test driver for replication: one partition replicated on a few brokers, each a Partition
// over its own PartitionLog, with a hand-run controller (the partition's ZooKeeper state and
// elections) and the messages between them ferried by the test. No network, no timers: time moves
// only when a test says so.
//
// Two ways to drive it: synchronously (cluster.broker(2).fetch() sends, serves and applies one
// fetch round at once), or message by message (`async: true`: every request, answer,
// LeaderAndIsr and ISR change waits in `inFlight` until the test delivers it, in any order except
// that controller requests to one broker keep their order), which the property test uses to
// reorder and delay everything. A broker misses an epoch only when the test skips it (as after a
// controller failover). Both check the live invariants
// (sim/check/invariants.ts) after every step and collect what they report.

import { InvariantMonitor, type Violation } from '../../sim/check/invariants.ts';
import type { IsrChangeProposal, IsrChangeResult } from '../../sim/kafka/isr-state.ts';
import type { EpochAnswerEntry, EpochQueryEntry } from '../../sim/kafka/leader-read.ts';
import { PartitionLog, type LogBatch } from '../../sim/kafka/log.ts';
import { Partition, type FollowerOutcome } from '../../sim/kafka/partition.ts';
import type {
  BatchPayload,
  FetchPartitionRequest,
  LeaderAndIsrPartitionState,
  ProducerRecords,
} from '../../sim/kafka/protocol.ts';
import type { ReplicaFetchPartitionResponse, ReplicationProtocol, TruncationRecord } from '../../sim/kafka/truncation.ts';

export const PARTITION = 'orders/0';
const MAX_BYTES = 1 << 20;
/** Messages delivered by one deliverAll before the driver calls it a livelock. */
const MAX_DELIVERIES = 100_000;

export type Message =
  | { readonly kind: 'leader-and-isr'; readonly to: number; readonly state: LeaderAndIsrPartitionState }
  | { readonly kind: 'fetch'; readonly from: number; readonly to: number; readonly request: FetchPartitionRequest }
  | { readonly kind: 'fetch-answer'; readonly from: number; readonly to: number; readonly sent: FetchPartitionRequest;
      readonly answer: ReplicaFetchPartitionResponse }
  | { readonly kind: 'epoch-query'; readonly from: number; readonly to: number; readonly query: EpochQueryEntry }
  | { readonly kind: 'epoch-answer'; readonly from: number; readonly to: number; readonly sent: EpochQueryEntry;
      readonly answer: EpochAnswerEntry }
  | { readonly kind: 'isr-change'; readonly proposal: IsrChangeProposal }
  | { readonly kind: 'isr-result'; readonly to: number; readonly proposalId: number; readonly result: IsrChangeResult };

export interface ClusterOptions {
  readonly brokers: number;
  readonly protocol: ReplicationProtocol;
  readonly minInsyncReplicas?: number;
  readonly replicaLagTimeMaxMs?: number;
  readonly async?: boolean;
}

interface Slot {
  readonly id: number;
  readonly log: PartitionLog<BatchPayload>;
  partition: Partition;
  alive: boolean;
  incarnation: number;
  checkpointHighWatermark: number;
}

export interface TruncationSeen {
  readonly broker: number;
  readonly truncation: TruncationRecord<BatchPayload>;
}

export function records(label: string): ProducerRecords {
  return { kind: 'records', producer: label, firstRecord: 0, count: 1 };
}

export class ReplicationCluster {
  nowUs = 0;
  readonly zk = { leader: -1, leaderEpoch: -1, isr: [] as number[], zkVersion: 0, controllerEpoch: 1 };
  readonly inFlight: Message[] = [];
  readonly violations: Violation[] = [];
  readonly truncations: TruncationSeen[] = [];
  readonly brokerIds: readonly number[];
  private readonly slots = new Map<number, Slot>();
  private readonly monitor = new InvariantMonitor();
  /** Followers with a fetch or epoch query out (a fetcher has one request in flight). */
  private readonly awaiting = new Set<number>();
  /** Set while a round trip is processed at once, even in async mode. */
  private immediate = false;

  constructor(readonly options: ClusterOptions) {
    this.brokerIds = Array.from({ length: options.brokers }, (_, i) => i + 1);
    for (const id of this.brokerIds) {
      const log = new PartitionLog<BatchPayload>();
      this.slots.set(id, { id, log, partition: this.newPartition(id, log, 0), alive: true, incarnation: 0, checkpointHighWatermark: 0 });
    }
  }

  broker(id: number): BrokerHandle {
    return new BrokerHandle(this, this.slot(id));
  }

  partition(id: number): Partition {
    return this.slot(id).partition;
  }

  /** The controller elects `leader` (a new leader epoch), with this ISR, and tells every live replica. */
  elect(leader: number, options: { isr?: readonly number[]; skip?: readonly number[] } = {}): void {
    this.zk.leader = leader;
    this.zk.leaderEpoch += 1;
    this.zk.isr = [...(options.isr ?? (this.zk.isr.length === 0 ? this.brokerIds : this.zk.isr))];
    this.zk.zkVersion += 1;
    for (const id of this.brokerIds) {
      if (options.skip?.includes(id) !== true) this.post({ kind: 'leader-and-isr', to: id, state: this.leaderAndIsr() });
    }
    this.observe();
  }

  /** The replica that thinks it leads appends one single-record batch (an acks=1 write). */
  produce(label: string, on = this.zk.leader): LogBatch<BatchPayload> {
    const slot = this.slot(on);
    const batch = slot.partition.appendAsLeader(
      {
        recordCount: 1,
        producerId: -1,
        producerEpoch: -1,
        baseSequence: -1,
        sizeBytes: 100,
        appendTimeUs: this.nowUs,
        maxTimestampUs: this.nowUs,
        payload: records(label),
      },
      this.nowUs,
    ).batch;
    this.observe();
    return batch;
  }

  /** Sends the follower's next request (epoch query, else fetch) to the leader it knows. */
  send(id: number): boolean {
    const slot = this.slot(id);
    const partition = slot.partition;
    if (!slot.alive || this.awaiting.has(id) || partition.role !== 'follower') return false;
    const query = partition.epochQuery();
    const to = partition.leaderId;
    if (query !== undefined) {
      this.awaiting.add(id);
      this.post({ kind: 'epoch-query', from: id, to, query });
      return true;
    }
    const request = partition.fetchRequest(MAX_BYTES);
    if (request === undefined) return false;
    this.awaiting.add(id);
    this.post({ kind: 'fetch', from: id, to, request });
    return true;
  }

  /** One request of this follower and everything it causes, processed at once even in async mode. */
  roundTrip(id: number): void {
    this.immediate = true;
    try {
      this.send(id);
    } finally {
      this.immediate = false;
    }
  }

  /**
   * Delivers the in-flight message at `index` (async mode). Controller requests to one broker stay
   * in order, as on Kafka's per-broker controller channel (ControllerChannelManager): picking a
   * LeaderAndIsr delivers the oldest one still on its way to that broker.
   */
  deliver(index: number): void {
    const picked = this.inFlight[index];
    if (picked === undefined) return;
    const first = picked.kind === 'leader-and-isr'
      ? this.inFlight.findIndex((m) => m.kind === 'leader-and-isr' && m.to === picked.to)
      : index;
    const [message] = this.inFlight.splice(first, 1);
    this.process(message!);
  }

  deliverAll(): void {
    for (let delivered = 0; this.inFlight.length > 0; delivered++) {
      if (delivered >= MAX_DELIVERIES) throw new Error(`deliverAll: more than ${MAX_DELIVERIES} messages`);
      this.deliver(0);
    }
  }

  /** Every live follower sends a request per round; in async mode each round is delivered fully. */
  replicate(rounds = 1): void {
    for (let round = 0; round < rounds; round++) {
      for (const id of this.brokerIds) this.send(id);
      this.deliverAll();
    }
  }

  /** Time passes, then the leader runs its ISR-expiration check (ReplicaManager.maybeShrinkIsr). */
  advanceMs(ms: number): void {
    this.nowUs += ms * 1000;
    for (const slot of this.slots.values()) {
      if (!slot.alive) continue;
      const proposal = slot.partition.maybeShrinkIsr(this.nowUs);
      if (proposal !== undefined) this.post({ kind: 'isr-change', proposal });
    }
    this.observe();
  }

  crash(id: number): void {
    const slot = this.slot(id);
    slot.alive = false;
    this.awaiting.delete(id);
    this.observe();
  }

  /**
   * The broker process starts again over its log, with the HW of its last checkpoint, and the
   * controller sends it the partition's current state. `durableOffset` models a power loss: the
   * log keeps only what was below it.
   */
  restart(id: number, options: { highWatermark?: number; durableOffset?: number } = {}): void {
    const slot = this.slot(id);
    if (options.durableOffset !== undefined) slot.log.truncateTo(options.durableOffset);
    slot.partition = this.newPartition(id, slot.log, options.highWatermark ?? slot.checkpointHighWatermark);
    slot.alive = true;
    slot.incarnation += 1;
    this.awaiting.delete(id);
    // The old process's connections are gone: nothing addressed to it arrives at the new one.
    const lost = this.inFlight.filter((message) => message.kind !== 'isr-change' && message.to === id);
    for (const message of lost) this.dropFor(message);
    const kept = this.inFlight.filter((message) => !lost.includes(message));
    this.inFlight.splice(0, this.inFlight.length, ...kept);
    if (this.zk.leaderEpoch >= 0) this.post({ kind: 'leader-and-isr', to: id, state: this.leaderAndIsr() });
    this.observe();
  }

  checkpoint(id: number): void {
    const slot = this.slot(id);
    slot.checkpointHighWatermark = slot.partition.highWatermark;
  }

  /** Labels of the batches in a broker's log, offset order, e.g. ['m1', 'm2']. */
  logOf(id: number): string[] {
    return [...this.slot(id).log.batches()].map((batch) => (batch.payload as ProducerRecords).producer);
  }

  isAlive(id: number): boolean {
    return this.slot(id).alive;
  }

  post(message: Message): void {
    if (this.options.async === true && !this.immediate) this.inFlight.push(message);
    else this.process(message);
  }

  observe(): void {
    this.violations.push(...this.monitor.observeControllerEpoch(this.zk.controllerEpoch));
    this.violations.push(...this.monitor.observePartition({
      partition: PARTITION,
      zk: this.zk.leaderEpoch < 0 ? undefined : { leader: this.zk.leader, leaderEpoch: this.zk.leaderEpoch, isr: this.zk.isr },
      replicas: [...this.slots.values()].map((slot) => ({
        brokerId: slot.id,
        incarnation: slot.incarnation,
        role: slot.alive ? slot.partition.role : 'offline',
        leaderEpoch: slot.partition.leaderEpoch,
        highWatermark: slot.partition.highWatermark,
        log: slot.log,
      })),
    }));
  }

  private leaderAndIsr(): LeaderAndIsrPartitionState {
    return {
      partition: PARTITION,
      controllerEpoch: this.zk.controllerEpoch,
      leader: this.zk.leader,
      leaderEpoch: this.zk.leaderEpoch,
      isr: [...this.zk.isr],
      zkVersion: this.zk.zkVersion,
      replicas: [...this.brokerIds],
      isNew: false,
    };
  }

  private newPartition(id: number, log: PartitionLog<BatchPayload>, highWatermark: number): Partition {
    return new Partition({
      name: PARTITION,
      brokerId: id,
      log,
      highWatermark,
      config: {
        replicaLagTimeMaxMs: this.options.replicaLagTimeMaxMs ?? 30_000,
        minInsyncReplicas: this.options.minInsyncReplicas ?? 1,
        replicationProtocol: this.options.protocol,
      },
    });
  }

  private slot(id: number): Slot {
    const slot = this.slots.get(id);
    if (slot === undefined) throw new Error(`no broker ${id}`);
    return slot;
  }

  private process(message: Message): void {
    if (message.kind === 'isr-change') {
      this.controllerAlterIsr(message.proposal);
    } else {
      const target = this.slot(message.to);
      if (target.alive) this.handle(target, message);
      else this.dropFor(message);
    }
    this.observe();
  }

  private handle(target: Slot, message: Exclude<Message, { kind: 'isr-change' }>): void {
    const partition = target.partition;
    switch (message.kind) {
      case 'leader-and-isr': {
        const outcome = partition.applyLeaderAndIsr(message.state, this.nowUs);
        if (outcome.kind === 'follower' && outcome.truncation !== undefined) this.noteTruncation(target.id, outcome.truncation);
        return;
      }
      case 'fetch': {
        const served = partition.handleFollowerFetch(message.from, message.request, this.nowUs);
        if (served.isrChange !== undefined) this.post({ kind: 'isr-change', proposal: served.isrChange });
        this.post({ kind: 'fetch-answer', from: target.id, to: message.from, sent: message.request, answer: served.response });
        return;
      }
      case 'epoch-query':
        this.post({
          kind: 'epoch-answer',
          from: target.id,
          to: message.from,
          sent: message.query,
          answer: partition.answerEpochQuery(message.query),
        });
        return;
      case 'fetch-answer':
        this.awaiting.delete(target.id);
        this.noteOutcome(target.id, partition.handleFetchAnswer(message.from, message.sent, message.answer, this.nowUs));
        return;
      case 'epoch-answer':
        this.awaiting.delete(target.id);
        this.noteOutcome(target.id, partition.handleEpochAnswer(message.from, message.sent, message.answer));
        return;
      case 'isr-result':
        partition.completeIsrChange(message.proposalId, message.result, this.nowUs);
    }
  }

  /** A request to a dead broker is lost; the follower's fetcher will ask again. */
  private dropFor(message: Message): void {
    if (message.kind === 'fetch' || message.kind === 'epoch-query') this.awaiting.delete(message.from);
  }

  /** AlterIsr at the controller: accepted only from the current leader epoch and ZooKeeper version. */
  private controllerAlterIsr(proposal: IsrChangeProposal): void {
    if (proposal.leaderEpoch !== this.zk.leaderEpoch || proposal.zkVersion !== this.zk.zkVersion) return;
    this.zk.isr = [...proposal.newIsr];
    this.zk.zkVersion += 1;
    const result = { leaderEpoch: this.zk.leaderEpoch, isr: [...this.zk.isr], zkVersion: this.zk.zkVersion };
    this.post({ kind: 'isr-result', to: proposal.leaderId, proposalId: proposal.proposalId, result });
  }

  private noteOutcome(id: number, outcome: FollowerOutcome): void {
    if (outcome.kind === 'truncated') this.noteTruncation(id, outcome.truncation);
  }

  private noteTruncation(id: number, truncation: TruncationRecord<BatchPayload>): void {
    this.truncations.push({ broker: id, truncation });
  }
}

/** `cluster.broker(2).crash()`: the per-broker verbs of the driver. */
export class BrokerHandle {
  constructor(private readonly cluster: ReplicationCluster, private readonly slot: Slot) {}

  get partition(): Partition {
    return this.slot.partition;
  }

  get log(): string[] {
    return this.cluster.logOf(this.slot.id);
  }

  /** One synchronous fetch round (or epoch query) of this follower. */
  fetch(rounds = 1): this {
    for (let i = 0; i < rounds; i++) this.cluster.roundTrip(this.slot.id);
    return this;
  }

  crash(): this {
    this.cluster.crash(this.slot.id);
    return this;
  }

  restart(options: { highWatermark?: number; durableOffset?: number } = {}): this {
    this.cluster.restart(this.slot.id, options);
    return this;
  }
}
