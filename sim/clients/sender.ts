// The producer's I/O thread (org.apache.kafka.clients.producer.internals.Sender, Kafka 3.x): each
// run resolves idempotence state, keeps metadata fresh and the producer id requested
// (producer-control.ts), then sendProducerData — find the brokers
// with sendable batches, drain one batch per partition for each broker whose connection can take
// another request, expire batches past delivery.timeout.ms, and send. It runs when send() opens or
// fills a batch, when a response or disconnect arrives, and at the next linger, backoff,
// blackout, metadata or expiry deadline.
//
// Responses (Sender.completeBatch): success completes the batch; DUPLICATE_SEQUENCE_NUMBER is a
// success without an offset; a retriable error re-enqueues the batch if it has attempts left
// (`retries`) and time left (delivery.timeout.ms) — with idempotence, TransactionManager.canRetry
// decides; anything else fails it. Errors that mean stale metadata ask for an update; with
// max.in.flight=1 each partition is muted while its batch is in flight (guaranteeMessageOrder).
//
// The history's verdict on a batch that does not succeed: `fail` only when no attempt can have
// reached a log — never sent, or every attempt answered with a definite error; `info` when some
// attempt timed out, was cut off by a disconnect after it was written, came back
// NOT_ENOUGH_REPLICAS_AFTER_APPEND or REQUEST_TIMED_OUT from the broker (appended, fate unknown),
// or when the batch expires while a request carrying it is in flight.
//
// One ProduceRequest carries a batch for every partition drained for a broker; its one
// ProduceResponse answers them all (Sender.handleProduceResponse), so a request's batches complete
// together, when the broker has settled its slowest partition.
//
// Simplified: while InitProducerId is in flight Kafka skips sendProducerData altogether; here
// expiry keeps running, so delivery.timeout.ms bounds every send even then.

import { Level } from '../core/trace.ts';
import type { ActorContext, NodeId } from '../hw/actor.ts';
import { ErrorCode, PARTITION_ENTRY_BYTES, REQUEST_HEADER_BYTES, type PartitionProduceResponse, type ProduceRequest, type ProduceResponse } from '../kafka/protocol.ts';
import type { RecordAccumulator } from './accumulator.ts';
import { Outcome, type ProducerHistory } from './history.ts';
import { InFlightBatches, type ProducerBatch } from './producer-batch.ts';
import type { ProducerCpuCosts, ProducerSettings } from './producer-config.ts';
import { INVALID_METADATA_ERRORS, type ProducerMetadata } from './producer-metadata.ts';
import type { InFlightRequest, OutgoingMessage, ProducerNetwork, RequestFailure } from './producer-network.ts';
import { ControlRequests } from './producer-control.ts';
import { isRetriable, type TransactionManager } from './transaction-manager.ts';

/**
 * Errors after which the batch may be in the log though the attempt did not succeed. A lost
 * connection counts too, but only for a request that was written (handleRequestFailure).
 */
const APPENDED_OR_UNKNOWN: ReadonlySet<string> = new Set<string>(['REQUEST_TIMED_OUT', ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND]);

/** The CPU pool of the Sender's I/O thread: one thread. */
export const SENDER_POOL = 'producer-sender';

export interface SenderListener {
  /** A batch reached its outcome (the history and buffer.memory are already updated). */
  onBatchDone(batch: ProducerBatch): void;
  /** A metadata response was applied. */
  onMetadataUpdate(): void;
}

export interface SenderParts {
  readonly ctx: ActorContext;
  readonly producer: string;
  readonly settings: ProducerSettings;
  readonly cpu: ProducerCpuCosts;
  readonly accumulator: RecordAccumulator;
  readonly metadata: ProducerMetadata;
  readonly network: ProducerNetwork;
  readonly txn: TransactionManager | null;
  readonly history: ProducerHistory;
  readonly bootstrap: readonly NodeId[];
  readonly listener: SenderListener;
}

interface PendingProduce {
  readonly request: InFlightRequest;
  readonly message: OutgoingMessage;
  readonly batches: ProducerBatch[];
}

export class Sender {
  private readonly ctx: ActorContext;
  private readonly settings: ProducerSettings;
  private readonly inFlight = new InFlightBatches();
  private runScheduled = false;
  private busy = false;
  private rerun = false;
  private wakeTimerAtUs = Infinity;
  private wakeTimer = -1;
  private readonly control: ControlRequests;
  /** Set when the process died: outcomes are stamped with the time of death. */
  private abandonedAtUs = -1;

  constructor(private readonly parts: SenderParts) {
    this.ctx = parts.ctx;
    this.settings = parts.settings;
    this.control = new ControlRequests({ ...parts, onMetadataUpdate: () => parts.listener.onMetadataUpdate(), wakeup: () => this.wakeup() });
  }

  /** Sender.wakeup: run as soon as the thread is free. */
  wakeup(): void {
    if (this.runScheduled) return;
    this.runScheduled = true;
    this.ctx.setTimer(0, () => {
      this.runScheduled = false;
      this.runOnce();
    });
  }

  /**
   * send() opened a batch that is not sendable yet. Kafka wakes the Sender, which finds nothing new
   * to send and sleeps until the batch's linger.ms is up (RecordAccumulator.ready's
   * nextReadyCheckDelayMs). When the Sender is already due to run by then and has no metadata or
   * producer-id work to do now, that visit would change nothing, so it is skipped: the same sends
   * at the same times, one event fewer per batch.
   */
  batchOpened(topic: string, partition: number): void {
    const { accumulator, metadata } = this.parts;
    const nowUs = this.ctx.now;
    const lingerUs = this.settings.lingerUs;
    const due = this.runScheduled || (this.wakeTimerAtUs > nowUs && this.wakeTimerAtUs <= nowUs + lingerUs);
    // An unknown leader makes the visit ask for metadata; a memory waiter makes every batch sendable.
    const quiet = lingerUs > 0 && !accumulator.memoryWaiter && metadata.leaderFor(topic, partition) >= 0;
    if (due && quiet && this.control.idle(this.parts.txn, nowUs)) return;
    this.wakeup();
  }

  /**
   * send() appended behind a head batch that was already full. Kafka wakes the Sender; but it
   * drains one batch per partition, so nothing it decides about data changes, and it was woken when
   * the head became full. Only its metadata and InitProducerId polls could act on this visit
   * (NetworkClient.poll runs them on every wake-up), so the visit is skipped when they would not.
   */
  queuedBehindFull(): void {
    if (!this.control.idle(this.parts.txn, this.ctx.now)) this.wakeup();
  }

  /** Routes a broker's answer; false when it answers nothing we wait for. */
  handleResponse(from: NodeId, message: unknown): boolean {
    const correlationId = (message as { correlationId?: unknown }).correlationId;
    if (typeof correlationId !== 'number') return false;
    return this.parts.network.handleResponse(from, correlationId, message);
  }

  private runOnce(): void {
    if (this.busy) {
      this.rerun = true;
      return;
    }
    const nowUs = this.ctx.now;
    const { txn } = this.parts;
    if (txn !== null) this.prepareIdempotence(txn);
    const initWaitUs = txn !== null ? this.control.maybeInitProducerId(txn, nowUs) : Infinity;
    const dataWaitUs = this.sendProducerData(nowUs);
    // NetworkClient.poll runs the metadata updater after sendProducerData, so an update that pass
    // asked for (a batch whose leader is unknown) is sent, or its backoff timed, in the same pass.
    const metadataWaitUs = this.control.maybeUpdateMetadata(nowUs);
    this.scheduleWake(Math.min(metadataWaitUs, initWaitUs, dataWaitUs));
  }

  private prepareIdempotence(txn: TransactionManager): void {
    const { bumpedEpoch } = txn.prepare();
    if (bumpedEpoch) {
      this.ctx.trace.emit('producer-epoch', { producer: this.parts.producer, producerId: txn.producerId, producerEpoch: txn.producerEpoch });
    }
    if (txn.state === 'fatal') this.abortAll(txn.fatalError ?? 'FATAL');
  }

  /** Sender.sendProducerData; returns µs until it has a reason to run again. */
  private sendProducerData(nowUs: number): number {
    const { accumulator, metadata, network, txn } = this.parts;
    const ready = accumulator.ready(metadata, nowUs);
    if (ready.unknownLeaderTopics.size > 0) metadata.requestUpdate();
    let notReadyWaitUs = Infinity;
    const nodes: number[] = [];
    for (const brokerId of ready.readyNodes) {
      const node = metadata.nodeOf(brokerId);
      if (node === undefined) continue;
      if (network.ready(node, nowUs)) nodes.push(brokerId);
      else if (network.blackoutRemainingUs(node, nowUs) > 0) notReadyWaitUs = Math.min(notReadyWaitUs, network.blackoutRemainingUs(node, nowUs));
    }
    const pending: PendingProduce[] = [];
    for (const [brokerId, batches] of accumulator.drain(metadata, nodes, nowUs, txn)) {
      if (batches.length === 0) continue;
      for (const batch of batches) {
        if (this.settings.guaranteeMessageOrder) accumulator.mutePartition(batch.partition);
        this.inFlight.add(batch);
      }
      pending.push(this.buildProduce(metadata.nodeOf(brokerId) as NodeId, batches));
    }
    this.expireBatches(nowUs);
    this.transmitAfterCpu(pending);
    // Kafka's Sender polls with timeout 0 after draining: the batch behind a drained one (opened
    // while it filled) is checked at once, not when the next response happens to arrive.
    if (pending.length > 0) return 0;
    const expiryUs = Math.min(accumulator.nextExpiryUs(), this.inFlight.nextExpiryUs(this.settings.deliveryTimeoutUs));
    return Math.min(ready.nextReadyCheckDelayUs, notReadyWaitUs, expiryUs - nowUs);
  }

  private buildProduce(node: NodeId, batches: ProducerBatch[]): PendingProduce {
    const { network, producer } = this.parts;
    const correlationId = network.correlationId();
    let sizeBytes = REQUEST_HEADER_BYTES;
    const partitions = batches.map((batch) => {
      sizeBytes += PARTITION_ENTRY_BYTES + batch.sizeBytes;
      return {
        partition: batch.partition,
        batch: {
          baseOffset: -1,
          recordCount: batch.recordCount,
          leaderEpoch: -1,
          producerId: batch.producerId,
          producerEpoch: batch.producerEpoch,
          baseSequence: batch.baseSequence,
          sizeBytes: batch.sizeBytes,
          createTimeUs: batch.createdUs,
          payload: { kind: 'records' as const, producer, firstRecord: batch.firstRecord, count: batch.recordCount },
        },
      };
    });
    const message: ProduceRequest = { type: 'produce', correlationId, acks: this.settings.acks, timeoutMs: this.settings.requestTimeoutMs, partitions };
    const request = network.register(node, this.settings.acks !== 0, {
      onResponse: (response) => {
        this.handleProduceResponse(batches, response as ProduceResponse);
        this.wakeup();
      },
      onFailure: (failure) => {
        for (const batch of batches) this.handleRequestFailure(batch, failure);
        this.wakeup();
      },
    });
    return { request, message: { correlationId, message, sizeBytes }, batches };
  }

  /** The Sender thread spends its CPU building the requests, then writes them. */
  private transmitAfterCpu(pending: PendingProduce[]): void {
    if (pending.length === 0) return;
    const costUs = this.parts.cpu.perRequestUs * pending.length;
    if (costUs <= 0) {
      this.transmit(pending);
      return;
    }
    this.busy = true;
    this.ctx.compute(SENDER_POOL, costUs, () => {
      this.busy = false;
      this.transmit(pending);
      if (this.rerun) {
        this.rerun = false;
        this.runOnce();
      }
    });
  }

  private transmit(pending: PendingProduce[]): void {
    const { history, network } = this.parts;
    for (const produce of pending) {
      if (!network.transmit(produce.request, produce.message)) continue;
      for (const batch of produce.batches) {
        if (!batch.done) history.markSent(batch.rangeId, this.ctx.now, batch.sizeBytes);
      }
      this.traceRequest(produce);
      // acks=0: the batch is complete once written (KafkaProducer reports offset -1).
      if (produce.request.expectResponse) continue;
      for (const batch of produce.batches) if (!batch.done) this.completeBatch(batch, -1, -1);
    }
  }

  /** Sender.handleProduceResponse: each batch of the request by its partition's answer. */
  private handleProduceResponse(batches: readonly ProducerBatch[], response: ProduceResponse): void {
    for (const answer of response.partitions) {
      const batch = batches.find((candidate) => candidate.partition === answer.partition);
      if (batch !== undefined) this.completeByAnswer(batch, answer);
    }
  }

  private completeByAnswer(batch: ProducerBatch, response: PartitionProduceResponse): void {
    this.traceResponse(response);
    const { error } = response;
    if (batch.done) {
      // The batch expired while this answer was on its way; Kafka still records the sequence.
      if (error === ErrorCode.NONE) this.parts.txn?.handleCompletedBatch(batch);
      return;
    }
    if (error === ErrorCode.NONE) this.completeBatch(batch, response.baseOffset, response.leaderEpoch);
    else if (error === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) this.completeBatch(batch, -1, -1);
    else this.retryOrFail(batch, error);
    if (INVALID_METADATA_ERRORS.has(error)) this.parts.metadata.requestUpdate();
    this.afterAttempt(batch);
  }

  private handleRequestFailure(batch: ProducerBatch, failure: RequestFailure): void {
    if (batch.done) return;
    if (failure.transmitted) batch.mayHaveBeenAppended = true;
    this.retryOrFail(batch, failure.error);
    this.parts.metadata.requestUpdate();
    this.afterAttempt(batch);
  }

  private afterAttempt(batch: ProducerBatch): void {
    if (this.settings.guaranteeMessageOrder) this.parts.accumulator.unmutePartition(batch.partition);
  }

  private retryOrFail(batch: ProducerBatch, error: string): void {
    if (APPENDED_OR_UNKNOWN.has(error)) batch.mayHaveBeenAppended = true;
    if (this.canRetry(batch, error)) {
      this.parts.accumulator.reenqueue(batch, this.ctx.now, this.parts.txn !== null);
      this.inFlight.remove(batch);
    } else {
      this.failBatch(batch, error, batch.attempts < this.settings.retries, batch.mayHaveBeenAppended);
    }
  }

  /** Sender.canRetry: attempts and time left, and an error worth retrying. */
  private canRetry(batch: ProducerBatch, error: string): boolean {
    if (batch.hasReachedDeliveryTimeout(this.settings.deliveryTimeoutUs, this.ctx.now)) return false;
    if (batch.attempts >= this.settings.retries || batch.done) return false;
    return this.parts.txn === null ? isRetriable(error) : this.parts.txn.canRetry(error, batch);
  }

  private completeBatch(batch: ProducerBatch, baseOffset: number, leaderEpoch: number): void {
    this.parts.txn?.handleCompletedBatch(batch);
    this.finishBatch(batch, Outcome.Ok, baseOffset, leaderEpoch, null);
  }

  private failBatch(batch: ProducerBatch, error: string, adjustSequenceNumbers: boolean, unknown: boolean): void {
    this.finishBatch(batch, unknown ? Outcome.Info : Outcome.Fail, -1, -1, error);
    this.parts.txn?.handleFailedBatch(batch, error, adjustSequenceNumbers);
  }

  private finishBatch(batch: ProducerBatch, outcome: Outcome, baseOffset: number, leaderEpoch: number, error: string | null): void {
    batch.done = true;
    const nowUs = this.abandonedAtUs >= 0 ? this.abandonedAtUs : this.ctx.now;
    this.parts.history.complete(batch.rangeId, outcome, nowUs, baseOffset, leaderEpoch, error);
    this.inFlight.remove(batch);
    this.parts.accumulator.deallocate(batch);
    this.parts.listener.onBatchDone(batch);
  }

  /** delivery.timeout.ms: queued batches and batches in flight, oldest first per partition. */
  private expireBatches(nowUs: number): void {
    const { accumulator, txn } = this.parts;
    for (const batch of this.inFlight.expired(this.settings.deliveryTimeoutUs, nowUs)) {
      this.failBatch(batch, 'DELIVERY_TIMEOUT', false, true);
      if (txn !== null && batch.retry) txn.markSequenceUnresolved(batch);
    }
    for (const batch of accumulator.expiredBatches(nowUs)) {
      this.failBatch(batch, 'DELIVERY_TIMEOUT', false, batch.mayHaveBeenAppended);
      if (txn !== null && batch.retry) txn.markSequenceUnresolved(batch);
    }
  }

  /** A fatal idempotence error: every incomplete batch fails with it (maybeAbortBatches). */
  private abortAll(error: string): void {
    for (const batch of this.parts.accumulator.takeAll()) this.failBatch(batch, error, false, batch.mayHaveBeenAppended);
    for (const batch of this.inFlight.takeAll()) this.failBatch(batch, error, false, true);
  }

  /**
   * The process died: a queued batch never left it (fail, unless an earlier attempt may have
   * landed); one in flight may have been appended (info).
   */
  abandon(nowUs: number, error: string): void {
    this.abandonedAtUs = nowUs;
    for (const batch of this.parts.accumulator.takeAll()) {
      this.finishBatch(batch, batch.mayHaveBeenAppended ? Outcome.Info : Outcome.Fail, -1, -1, error);
    }
    for (const batch of this.inFlight.takeAll()) this.finishBatch(batch, Outcome.Info, -1, -1, error);
  }

  private scheduleWake(delayUs: number): void {
    if (!Number.isFinite(delayUs)) return;
    const atUs = this.ctx.now + Math.max(1, Math.ceil(delayUs));
    if (this.wakeTimerAtUs <= atUs && this.wakeTimerAtUs > this.ctx.now) return;
    if (this.wakeTimer >= 0) this.ctx.cancelTimer(this.wakeTimer);
    this.wakeTimerAtUs = atUs;
    this.wakeTimer = this.ctx.setTimer(atUs - this.ctx.now, () => {
      this.wakeTimer = -1;
      this.wakeTimerAtUs = Infinity;
      this.runOnce();
    });
  }

  private traceRequest(produce: PendingProduce): void {
    const { trace } = this.ctx;
    if (!trace.fullDetail) {
      trace.skip();
      return;
    }
    const batches = produce.batches.map((b) => ({ partition: b.partition, firstRecord: b.firstRecord, count: b.recordCount, sequence: b.baseSequence }));
    trace.emit('producer-request', { producer: this.parts.producer, to: produce.request.node, acks: this.settings.acks, batches }, Level.Full);
  }

  private traceResponse(response: PartitionProduceResponse): void {
    const { trace } = this.ctx;
    if (!trace.fullDetail) {
      trace.skip();
      return;
    }
    const { partition, error, baseOffset } = response;
    trace.emit('producer-response', { producer: this.parts.producer, partition, error, baseOffset }, Level.Full);
  }
}
