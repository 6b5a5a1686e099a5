// A scripted stand-in for Kafka brokers, for testing the producer alone: it answers Metadata from
// a shared table of leaders, InitProducerId with fresh producer ids, and Produce by appending to
// an in-memory log per partition — de-duplicating idempotent batches as Kafka's
// ProducerStateManager does (the last five batches per producer, sequence and epoch checks) —
// unless a script says otherwise (per request, for all its partitions): answer an error, answer late, append and stay silent, reset the
// connection before or after appending.
//
// Like Kafka's SocketServer, it handles one request per connection at a time (the channel is
// muted until the response is sent), so answers leave in request order; a request it never
// answers holds back every later one on that connection until the client closes it.

import type { Actor, ActorContext, NodeId } from '../../sim/hw/actor.ts';
import {
  ErrorCode,
  REQUEST_HEADER_BYTES,
  type ErrorCode as ErrorCodeType,
  type MetadataResponse,
  type PartitionName,
  type PartitionProduceResponse,
  type ProduceRequest,
  type ProduceResponse,
  type ProducerRecords,
  type WireBatch,
} from '../../sim/kafka/protocol.ts';

/** What the broker does with one produce request. */
export type Behaviour =
  | { readonly kind: 'normal' }
  | { readonly kind: 'error'; readonly error: ErrorCodeType }
  /** Appends, then answers with `error` (NOT_ENOUGH_REPLICAS_AFTER_APPEND, REQUEST_TIMED_OUT). */
  | { readonly kind: 'error-after-append'; readonly error: ErrorCodeType }
  | { readonly kind: 'delay'; readonly delayUs: number }
  /** Appends and never answers (a lost response). */
  | { readonly kind: 'drop' }
  | { readonly kind: 'reset-before-append' }
  | { readonly kind: 'reset-after-append' };

export interface AppendedBatch {
  readonly producer: string;
  readonly firstRecord: number;
  readonly count: number;
  readonly baseOffset: number;
  readonly baseSequence: number;
}

/** The cluster as the fake brokers share it: leaders per partition of one topic. */
export class FakeCluster {
  readonly leaders: number[];
  readonly leaderEpochs: number[];
  readonly logs = new Map<PartitionName, AppendedBatch[]>();
  readonly logEndOffsets = new Map<PartitionName, number>();
  private nextProducerId = 1000;
  /** Produce requests seen, across brokers, in arrival order (the script's index). */
  produceRequests = 0;
  metadataRequests = 0;
  /** The most produce requests one connection ever had waiting or being handled at once. */
  maxOutstandingPerConnection = 0;

  constructor(
    readonly topic: string,
    readonly brokerIds: readonly number[],
    partitions: number,
    public script: (request: ProduceRequest, index: number) => Behaviour = () => ({ kind: 'normal' }),
    /** Answer delay of every produce request (acks=1/all waiting for the HW, say). */
    public responseDelayUs = 0,
  ) {
    this.leaders = Array.from({ length: partitions }, (_, p) => brokerIds[p % brokerIds.length] as number);
    this.leaderEpochs = this.leaders.map(() => 0);
  }

  /** Moves leadership of `partition` to `brokerId`, bumping its leader epoch. */
  moveLeader(partition: number, brokerId: number): void {
    this.leaders[partition] = brokerId;
    this.leaderEpochs[partition] = (this.leaderEpochs[partition] as number) + 1;
  }

  producerId(): number {
    return this.nextProducerId++;
  }

  /** The record identities in `partition`'s log, in offset order (one entry per appended copy). */
  recordsIn(partition: number): number[] {
    const batches = this.logs.get(`${this.topic}/${partition}`) ?? [];
    return batches.flatMap((batch) => Array.from({ length: batch.count }, (_, i) => batch.firstRecord + i));
  }
}

interface SequenceState {
  epoch: number;
  lastSeq: number;
  batches: { firstSeq: number; lastSeq: number; offset: number }[];
}

interface Channel {
  readonly queue: ProduceRequest[];
  busy: boolean;
}

export class FakeBroker implements Actor {
  private ctx!: ActorContext;
  /** (partition, producer id) → ProducerStateManager's entry. */
  private readonly sequences = new Map<string, SequenceState>();
  private readonly channels = new Map<NodeId, Channel>();

  constructor(
    readonly brokerId: number,
    private readonly cluster: FakeCluster,
  ) {}

  onStart(ctx: ActorContext): void {
    this.ctx = ctx;
    this.channels.clear();
  }

  /** The client closed or reset: requests not yet handled are gone with the connection. */
  onDisconnect(peer: NodeId): void {
    this.channels.delete(peer);
  }

  onMessage(from: NodeId, message: unknown): void {
    const request = message as { type: string; correlationId: number };
    if (request.type === 'metadata') {
      this.cluster.metadataRequests++;
      this.ctx.send(from, this.metadata(request.correlationId), REQUEST_HEADER_BYTES);
    }
    else if (request.type === 'init-producer-id') {
      const response = { type: 'init-producer-id-response', correlationId: request.correlationId, error: ErrorCode.NONE, producerId: this.cluster.producerId(), producerEpoch: 0 };
      this.ctx.send(from, response, REQUEST_HEADER_BYTES);
    } else if (request.type === 'produce') this.enqueue(from, message as ProduceRequest);
  }

  private enqueue(from: NodeId, request: ProduceRequest): void {
    let channel = this.channels.get(from);
    if (channel === undefined) this.channels.set(from, (channel = { queue: [], busy: false }));
    channel.queue.push(request);
    const outstanding = channel.queue.length + (channel.busy ? 1 : 0);
    this.cluster.maxOutstandingPerConnection = Math.max(this.cluster.maxOutstandingPerConnection, outstanding);
    this.next(from, channel);
  }

  /** Handles the channel's next request unless one is still being answered. */
  private next(from: NodeId, channel: Channel): void {
    if (channel.busy || this.channels.get(from) !== channel) return;
    const request = channel.queue.shift();
    if (request === undefined) return;
    channel.busy = true;
    this.produce(from, request, channel);
  }

  private metadata(correlationId: number): MetadataResponse {
    const { cluster } = this;
    const partitions = cluster.leaders.map((leader, partition) => ({
      partition,
      error: ErrorCode.NONE,
      leader,
      leaderEpoch: cluster.leaderEpochs[partition] as number,
      replicas: [leader],
      isr: [leader],
    }));
    return {
      type: 'metadata-response',
      correlationId,
      brokers: cluster.brokerIds.map((id) => ({ id, rack: 'r1' })),
      controllerId: cluster.brokerIds[0] as number,
      topics: [{ name: cluster.topic, error: ErrorCode.NONE, partitions }],
    };
  }

  /** One request: the script's behaviour applies to all of its partitions. */
  private produce(from: NodeId, request: ProduceRequest, channel: Channel): void {
    const behaviour = this.cluster.script(request, this.cluster.produceRequests++);
    if (behaviour.kind === 'reset-before-append') return this.reset(from);
    const answers = request.partitions.map(({ partition: name, batch }): PartitionProduceResponse => {
      const partition = Number(name.slice(this.cluster.topic.length + 1));
      const answer = (error: ErrorCodeType, baseOffset: number): PartitionProduceResponse =>
        ({ partition: name, error, baseOffset, leaderEpoch: this.cluster.leaderEpochs[partition] as number });
      if (this.cluster.leaders[partition] !== this.brokerId) return answer(ErrorCode.NOT_LEADER_OR_FOLLOWER, -1);
      if (behaviour.kind === 'error') return answer(behaviour.error, -1);
      const { error, baseOffset } = this.append(name, batch);
      return answer(behaviour.kind === 'error-after-append' && error === ErrorCode.NONE ? behaviour.error : error, baseOffset);
    });
    if (behaviour.kind === 'reset-after-append') return this.reset(from);
    if (behaviour.kind === 'drop') return;
    const delayUs = this.cluster.responseDelayUs + (behaviour.kind === 'delay' ? behaviour.delayUs : 0);
    this.respond(from, channel, request, answers, delayUs);
  }

  private reset(peer: NodeId): void {
    this.channels.delete(peer);
    this.ctx.closeConnection(peer);
  }

  /** Log.appendAsLeader with the producer-state checks of ProducerAppendInfo. */
  private append(partition: PartitionName, batch: WireBatch): { error: ErrorCodeType; baseOffset: number } {
    const log = this.cluster.logs.get(partition) ?? [];
    this.cluster.logs.set(partition, log);
    const nextOffset = this.cluster.logEndOffsets.get(partition) ?? 0;
    const lastSeq = batch.baseSequence + batch.recordCount - 1;
    const key = `${partition}#${batch.producerId}`;
    const state = batch.producerId >= 0 ? this.sequences.get(key) : undefined;
    if (batch.producerId >= 0 && state !== undefined) {
      if (batch.producerEpoch < state.epoch) return { error: ErrorCode.INVALID_PRODUCER_EPOCH, baseOffset: -1 };
      const duplicate = batch.producerEpoch === state.epoch ? state.batches.find((b) => b.firstSeq === batch.baseSequence && b.lastSeq === lastSeq) : undefined;
      if (duplicate !== undefined) return { error: ErrorCode.NONE, baseOffset: duplicate.offset };
      const inSequence = batch.producerEpoch === state.epoch ? batch.baseSequence === state.lastSeq + 1 : batch.baseSequence === 0;
      if (!inSequence) return { error: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, baseOffset: -1 };
    }
    const payload = batch.payload as ProducerRecords;
    log.push({ producer: payload.producer, firstRecord: payload.firstRecord, count: payload.count, baseOffset: nextOffset, baseSequence: batch.baseSequence });
    this.cluster.logEndOffsets.set(partition, nextOffset + payload.count);
    if (batch.producerId >= 0) {
      const next = state !== undefined && state.epoch === batch.producerEpoch ? state : { epoch: batch.producerEpoch, lastSeq: -1, batches: [] };
      next.lastSeq = lastSeq;
      next.batches.push({ firstSeq: batch.baseSequence, lastSeq, offset: nextOffset });
      if (next.batches.length > 5) next.batches.shift();
      this.sequences.set(key, next);
    }
    return { error: ErrorCode.NONE, baseOffset: nextOffset };
  }

  /** Answers (acks=0: silently), then unmutes the channel. */
  private respond(to: NodeId, channel: Channel, request: ProduceRequest, answers: PartitionProduceResponse[], delayUs: number): void {
    const response: ProduceResponse = { type: 'produce-response', correlationId: request.correlationId, partitions: answers };
    const send = (): void => {
      if (this.channels.get(to) !== channel) return;
      if (request.acks !== 0) this.ctx.send(to, response, REQUEST_HEADER_BYTES);
      channel.busy = false;
      this.next(to, channel);
    };
    if (delayUs <= 0 || request.acks === 0) send();
    else this.ctx.setTimer(delayUs, send);
  }
}
