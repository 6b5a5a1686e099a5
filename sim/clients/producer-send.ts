// The application thread of a producer: it runs the load (load.ts) and calls send() for each
// record, as KafkaProducer.doSend does on the caller's thread:
//
// 1. waitOnMetadata: the topic's partitions must be known; the first send() asks for metadata and
//    blocks until it arrives, at most max.block.ms (send-blocking.ts).
// 2. The record must fit max.request.size and buffer.memory (else RecordTooLargeException).
// 3. Partition: the RecordPartitioner (partitioner.ts) picks the record's own, round-robin, keyed
//    or sticky partition (KIP-480).
// 4. accumulator.append with abortOnNewBatch for sticky records: if the sticky partition needs a
//    new batch, the partitioner moves on first (onNewBatch) and the record is appended there.
// 5. No room in buffer.memory: send() blocks until a batch returns its buffer, for what is left of
//    max.block.ms (send-blocking.ts). The record waits at the head of `pending`; no other send runs.
// 6. A new or full batch wakes the Sender.
//
// send() costs CPU on the producer's machine, on the application thread's own pool of one
// thread. To keep the event count down the thread takes its records in chunks of about
// CHUNK_CPU_US of work (at most MAX_CHUNK_RECORDS): one compute() per chunk, its records invoked
// when it starts and appended when it ends. The chunk stays shorter than the Sender's work on
// one request, so with linger.ms=0 batches still form as in Kafka — from the records appended
// while the Sender is busy — rather than from whole chunks.
// A chunk ends at a fractional microsecond but its completion runs at the next whole one; when the
// thread goes straight on to the next chunk, that chunk is shortened by the difference, so a busy
// thread loses no time to rounding (it would otherwise lose up to 1 µs per chunk, ~5 %).
//
// Open-loop arrivals are pulled, not pushed: an idle thread sleeps until the next arrival and
// runs that record's send() in the same event (one late timer at arrival + CPU cost, its records
// invoked at the arrival), and a thread that finishes a chunk takes every arrival due by then.
// So an arrival costs no event of its own, and a run's events grow with chunks, not records.
// Further, an idle thread defers the quiet sends among the coming arrivals (quiet-sends.ts): those
// that join an open batch without filling it run in a catch-up before the process's next event,
// so only a send that wakes the Sender has an event; the trace is the same either way.
// Simplified: if the process is paused while such a chunk is pending, the chunk completes when
// the pause ends rather than its CPU cost later (a compute() job would be shifted whole).

import { assert } from '../core/assert.ts';
import type { Rng } from '../core/rng.ts';
import type { TimerId } from '../core/scheduler.ts';
import type { ActorContext } from '../hw/actor.ts';
import type { AppendRecord, RecordAccumulator } from './accumulator.ts';
import type { ProducerHistory } from './history.ts';
import { KeyChooser, PoissonArrivals, type LoadSpec } from './load.ts';
import { DrawnArrivals, QuietSendPlanner } from './quiet-sends.ts';
import { RecordPartitioner } from './partitioner.ts';
import { batchUpperBoundBytes } from './producer-batch.ts';
import type { ProducerCpuCosts, ProducerSettings } from './producer-config.ts';
import type { ProducerMetadata, TopicMetadata } from './producer-metadata.ts';
import type { ProducerMetrics } from './producer-metrics.ts';
import type { Sender } from './sender.ts';
import { SendBlocking, type BlockTimeoutError } from './send-blocking.ts';
import type { TransactionManager } from './transaction-manager.ts';

/** The CPU pool of the thread that calls send(): one thread. */
export const APPLICATION_POOL = 'producer-app';
/** CPU time one compute() call of the application thread covers, at most. */
export const CHUNK_CPU_US = 10;
/** Records one compute() call covers, at most. */
export const MAX_CHUNK_RECORDS = 64;
/** Open-loop arrivals that may wait for the application thread; more are dropped and counted. */
export const MAX_BACKLOG_RECORDS = 1_000_000;

export interface ApplicationParts {
  readonly ctx: ActorContext;
  readonly load: LoadSpec;
  readonly settings: ProducerSettings;
  readonly cpu: ProducerCpuCosts;
  readonly metadata: ProducerMetadata;
  readonly accumulator: RecordAccumulator;
  readonly sender: Sender;
  readonly txn: TransactionManager | null;
  readonly history: ProducerHistory;
  readonly metrics: ProducerMetrics;
  readonly rng: Rng;
  /** Defer quiet sends (quiet-sends.ts); off only to prove the traces equal. */
  readonly deferQuietSends: boolean;
}

interface PendingSend {
  readonly invokeUs: number;
  readonly keyIndex: number;
}

export class ApplicationThread {
  private readonly keys: KeyChooser;
  private readonly partitioner: RecordPartitioner;
  private readonly arrivals: DrawnArrivals | null;
  private readonly pending: PendingSend[] = [];
  private backlog = 0;
  private busy = false;
  /** The chunk the send timer waits for: its records, still at the head of `arrivals`, and their arrival. */
  private chunkCount = 0;
  private chunkInvokeUs = 0;
  private sendTimer: TimerId = -1;
  private sendTimerAtUs = -1;
  private readonly planner: QuietSendPlanner | null;
  /** Between onPause and the next event of the process: nothing is deferred. */
  private frozen = false;
  /** When the process died (Infinity while it lives): no deferred send completes after that. */
  private diedAtUs = Infinity;
  /** When the running chunk's CPU work really ends (fractional µs). */
  private chunkEndUs = 0;
  /** How far past its real end the last chunk's completion ran; credited to a chunk that follows at once. */
  private overrunUs = 0;
  private readonly blocking: SendBlocking;
  private abandoned = false;

  constructor(private readonly parts: ApplicationParts) {
    const { load, rng } = parts;
    this.keys = new KeyChooser(load.keys, rng.fork('keys'));
    this.partitioner = new RecordPartitioner(load, parts.settings, rng.fork('sticky'));
    this.arrivals = load.rate.kind === 'fixed' ? new DrawnArrivals(new PoissonArrivals(load.rate.recordsPerSecond, rng.fork('arrivals'), Math.max(load.startUs, parts.ctx.now)), this.keys) : null;
    this.planner = this.arrivals === null ? null : new QuietSendPlanner(parts, this.arrivals, (keyIndex, topic) => this.partitioner.quietPartition(keyIndex, topic), (partition) => this.partitioner.ref(partition).name);
    this.blocking = new SendBlocking(parts, {
      retry: (deadlineUs, partition) => this.afterBlock(this.send(this.pending[0] as PendingSend, deadlineUs, partition)),
      expire: (error) => this.afterBlock(this.fail(this.pending[0] as PendingSend, error)),
    });
    // The sends deferred past the moment of death never complete (their timers would have been
    // cancelled); those before it did, whenever the incarnation is settled (at the next start).
    parts.ctx.onDeath((nowUs) => {
      this.applyDeferred(nowUs);
      this.diedAtUs = nowUs;
    });
  }

  /** Begins the load at its start time (or now, for an incarnation started later). */
  start(): void {
    const { ctx, load } = this.parts;
    if (ctx.now >= load.stopUs) return;
    if (this.arrivals !== null) this.pump();
    else ctx.setTimer(Math.max(0, load.startUs - ctx.now), () => this.pump());
  }

  /** buffer.memory was returned: a send() blocked on memory tries again. */
  onMemoryFreed(): void {
    this.blocking.onMemoryFreed();
  }

  onMetadataUpdate(): void {
    this.blocking.onMetadataUpdate();
  }

  /** The process died: records inside send() never reached a batch, so they definitely failed. */
  abandon(nowUs: number, error: string): void {
    this.applyDeferred(nowUs);
    this.abandoned = true;
    const { history, metrics } = this.parts;
    const arrivals = this.arrivals;
    // The send running on the idle thread's timer (a deferred one first): a chunk still waiting for
    // its arrival was never invoked; one already running counts as sent.
    if (arrivals !== null) {
      const count = arrivals.deferred > 0 ? 1 : this.chunkCount;
      const invokeUs = arrivals.deferred > 0 ? Math.ceil(arrivals.exactAt(0)) : this.chunkInvokeUs;
      if (count > 0 && invokeUs <= nowUs) {
        metrics.onSent(count);
        for (let i = 0; i < count; i++) history.failUnappended(invokeUs, nowUs, arrivals.keyAt(i), error);
      }
    }
    for (const send of this.pending.splice(0)) history.failUnappended(send.invokeUs, nowUs, send.keyIndex, error);
  }

  /** Another event of the process is about to run: the deferred sends completed before it happen first. */
  beforeEvent(): void {
    this.frozen = false;
    this.applyDeferred(this.parts.ctx.now);
  }

  /**
   * After another event of the process: plan again from the state it left, if a plan is on and
   * what it was made from changed (or `force`: the settings or the pause state changed).
   */
  afterEvent(force = false): void {
    const arrivals = this.arrivals;
    if (arrivals === null || !this.parts.deferQuietSends || this.abandoned) return;
    if (arrivals.deferred === 0 && this.sendTimer < 0) return;
    if (!force && !(this.planner as QuietSendPlanner).changed()) return;
    // A timer that came due during a pause waits in the process's backlog: it stays as it is.
    if (this.sendTimer >= 0 && this.sendTimerAtUs < this.parts.ctx.now) return;
    arrivals.undefer();
    this.busy = false;
    this.awaitArrival();
  }

  /** The process freezes: deferred sends get their timers back, to wait out the pause as timers do. */
  onPause(): void {
    this.beforeEvent();
    this.frozen = true;
    this.afterEvent(true);
  }

  /** Applies every deferred send completed before `beforeUs` (for readers of the history between events). */
  applyDeferred(beforeUs: number): void {
    const arrivals = this.arrivals;
    if (arrivals === null || this.abandoned) return;
    const limitUs = Math.min(beforeUs, this.diedAtUs);
    while (arrivals.deferred > 0 && arrivals.doneAt(0) < limitUs) {
      const doneUs = arrivals.doneAt(0);
      const invokeUs = Math.ceil(arrivals.exactAt(0));
      const keyIndex = arrivals.keyAt(0);
      arrivals.shift();
      this.parts.metrics.onSent(1);
      this.sendQuietly(invokeUs, keyIndex, doneUs);
    }
  }

  /** Moves the open-loop arrivals due by now (before the load stops) into the backlog. */
  private catchUp(): void {
    const arrivals = this.arrivals;
    if (arrivals === null) return;
    const { ctx, load, metrics } = this.parts;
    const horizonUs = Math.min(ctx.now, load.stopUs - 1);
    this.backlog += arrivals.takeDue(horizonUs, MAX_BACKLOG_RECORDS - this.backlog);
    // What the backlog has no room for is dropped; bounded, as arrivals due by now are finite.
    for (let dropped = MAX_BACKLOG_RECORDS; dropped === MAX_BACKLOG_RECORDS; ) {
      dropped = arrivals.takeDue(horizonUs, MAX_BACKLOG_RECORDS, false);
      if (dropped > 0) metrics.onDropped(dropped);
    }
  }

  /** Runs send() for pending records, then takes the next chunk of load, until it must wait. */
  private pump(): void {
    while (!this.busy && !this.blocking.blocked && !this.abandoned) {
      if (this.pending.length > 0) {
        this.sendPending();
        continue;
      }
      this.catchUp();
      const count = this.takeChunk();
      if (count === 0) break;
      this.startChunk(count);
    }
    if (this.busy) return;
    this.overrunUs = 0;
    if (!this.blocking.blocked && !this.abandoned) this.awaitArrival();
  }

  /**
   * The idle thread sleeps until the next open-loop arrival: the records due in that microsecond
   * become one chunk, invoked at the arrival, whose CPU work ends in the same (late) timer. Quiet
   * sends before it are deferred first, so the timer waits for the first send that is not.
   */
  private awaitArrival(): void {
    const arrivals = this.arrivals;
    if (arrivals === null) return;
    const { ctx, load } = this.parts;
    const perRecordUs = this.perRecordUs();
    if (this.parts.deferQuietSends && !this.frozen) (this.planner as QuietSendPlanner).plan(ctx.now, perRecordUs);
    const first = arrivals.deferred;
    const arrivalUs = Math.ceil(arrivals.exactAt(first));
    if (arrivalUs >= load.stopUs) {
      this.cancelSendTimer();
      return;
    }
    const limit = this.chunkLimit(perRecordUs);
    let count = 1;
    while (count < limit && arrivals.exactAt(first + count) <= arrivalUs) count++;
    this.chunkCount = count;
    this.chunkInvokeUs = arrivalUs;
    this.busy = true;
    this.chunkEndUs = arrivalUs + count * perRecordUs;
    const atUs = Math.ceil(this.chunkEndUs);
    if (this.sendTimer >= 0 && this.sendTimerAtUs === atUs) return;
    this.cancelSendTimer();
    this.sendTimerAtUs = atUs;
    this.sendTimer = ctx.setLateTimer(atUs - ctx.now, this.onChunkArrived);
  }

  private cancelSendTimer(): void {
    if (this.sendTimer >= 0) this.parts.ctx.cancelTimer(this.sendTimer);
    this.sendTimer = -1;
  }

  /** The awaited chunk's send() work is done: deferred sends before it are applied, then it joins `pending`. */
  private readonly onChunkArrived = (): void => {
    this.sendTimer = -1;
    this.frozen = false;
    const arrivals = this.arrivals as DrawnArrivals;
    this.applyDeferred(this.parts.ctx.now);
    for (let i = 0; i < this.chunkCount; i++) {
      this.pending.push({ invokeUs: this.chunkInvokeUs, keyIndex: arrivals.keyAt(0) });
      arrivals.shift();
    }
    this.parts.metrics.onSent(this.chunkCount);
    this.chunkCount = 0;
    this.chunkDone();
  };

  /** A deferred send, applied at its completion time `atUs`: it must still be quiet. */
  private sendQuietly(invokeUs: number, keyIndex: number, atUs: number): void {
    const { accumulator, load, metadata } = this.parts;
    const partition = this.partitioner.quietPartition(keyIndex, metadata.topic(load.topic) as TopicMetadata);
    const record: AppendRecord = { keyBytes: KeyChooser.keyBytes(keyIndex), valueBytes: load.messageBytes, keyIndex, invokeUs };
    const result = accumulator.append(this.partitioner.ref(partition), record, atUs, this.partitioner.abortsOnNewBatch(keyIndex));
    assert(result.kind === 'appended' && !result.newBatchCreated && !result.batchIsFull, () => `producer ${this.parts.history.producer}: a deferred send at ${atUs}us was not quiet`);
  }

  private chunkDone(): void {
    this.busy = false;
    this.overrunUs = this.parts.ctx.now - this.chunkEndUs;
    this.pump();
  }

  /** Records one chunk takes: about CHUNK_CPU_US of send() work, at least one. */
  private chunkLimit(perRecordUs: number): number {
    return Math.max(1, Math.min(MAX_CHUNK_RECORDS, Math.floor(CHUNK_CPU_US / perRecordUs)));
  }

  private takeChunk(): number {
    const { ctx, load } = this.parts;
    const chunk = this.chunkLimit(this.perRecordUs());
    if (this.arrivals === null) return ctx.now >= load.startUs && ctx.now < load.stopUs ? chunk : 0;
    const count = Math.min(this.backlog, chunk);
    this.backlog -= count;
    return count;
  }

  /** send()'s CPU per record: serialise, partition, append (and compress). */
  private perRecordUs(): number {
    const { cpu, settings, load } = this.parts;
    const recordBytes = Math.max(0, KeyChooser.keyBytes(load.keys === null ? -1 : load.keys.count - 1)) + load.messageBytes;
    return cpu.perRecordUs + cpu.perByteUs * recordBytes + cpu.compressUsPerByte[settings.compression] * load.messageBytes;
  }

  private startChunk(count: number): void {
    const { ctx, metrics } = this.parts;
    for (let i = 0; i < count; i++) this.pending.push({ invokeUs: ctx.now, keyIndex: this.arrivals === null ? this.keys.next() : this.arrivals.nextBacklogKey() });
    metrics.onSent(count);
    const costUs = count * this.perRecordUs();
    if (costUs <= 0) return;
    const chargedUs = costUs - Math.min(this.overrunUs, costUs);
    this.overrunUs = 0;
    this.busy = true;
    this.chunkEndUs = ctx.now + chargedUs;
    ctx.compute(APPLICATION_POOL, chargedUs, () => this.chunkDone());
  }

  private sendPending(): void {
    while (this.pending.length > 0 && !this.blocking.blocked) {
      const send = this.pending[0] as PendingSend;
      if (!this.send(send, this.parts.ctx.now + this.parts.settings.maxBlockUs, -1)) return;
      this.pending.shift();
    }
  }

  /** KafkaProducer.doSend; false when it blocked (the record stays at the head of `pending`). */
  private send(send: PendingSend, deadlineUs: number, blockedPartition: number): boolean {
    const { accumulator, load, metadata, sender, settings, txn, ctx } = this.parts;
    if (txn !== null && txn.state === 'fatal') return this.fail(send, txn.fatalError ?? 'FATAL');
    const topic = metadata.topic(load.topic);
    if (topic === undefined || (load.partition !== null && load.partition >= topic.partitionCount)) return this.waitOrFail(send, this.blocking.waitForMetadata(load.topic, deadlineUs));
    const keyBytes = KeyChooser.keyBytes(send.keyIndex);
    const upperBoundBytes = batchUpperBoundBytes(keyBytes, load.messageBytes);
    if (upperBoundBytes > settings.maxRequestSizeBytes || upperBoundBytes > settings.bufferMemoryBytes) return this.fail(send, 'RECORD_TOO_LARGE');
    const record: AppendRecord = { keyBytes, valueBytes: load.messageBytes, keyIndex: send.keyIndex, invokeUs: send.invokeUs };
    // A record that blocked on memory keeps the partition it had by then: its retry cannot abort.
    const abortOnNewBatch = blockedPartition < 0 && this.partitioner.abortsOnNewBatch(send.keyIndex);
    let partition = blockedPartition >= 0 ? blockedPartition : this.partitioner.partition(send.keyIndex, topic);
    let result = accumulator.append(this.partitioner.ref(partition), record, ctx.now, abortOnNewBatch);
    if (result.kind === 'abort-for-new-batch') {
      partition = this.partitioner.onNewBatch(partition, topic);
      result = accumulator.append(this.partitioner.ref(partition), record, ctx.now, false);
    }
    if (result.kind === 'needs-memory') return this.waitOrFail(send, this.blocking.waitForMemory(partition, deadlineUs));
    assert(result.kind === 'appended', 'send: a second append cannot ask for a new batch');
    // KafkaProducer wakes the Sender for a full batch or a new one.
    if (result.headWasFull) sender.queuedBehindFull();
    else if (result.batchIsFull) sender.wakeup();
    else if (result.newBatchCreated) sender.batchOpened(load.topic, partition);
    return true;
  }

  /** false while send() waits (the record stays at the head of `pending`); true when max.block.ms had already run out. */
  private waitOrFail(send: PendingSend, timeoutError: BlockTimeoutError | null): boolean {
    return timeoutError === null ? false : this.fail(send, timeoutError);
  }

  /** The blocked send was retried or timed out: once it is done (appended or failed) the thread goes on. */
  private afterBlock(done: boolean): void {
    if (!done) return;
    this.pending.shift();
    this.pump();
  }

  /** send() threw before the record reached a batch: a definite failure. */
  private fail(send: PendingSend, error: string): true {
    this.parts.history.failUnappended(send.invokeUs, this.parts.ctx.now, send.keyIndex, error);
    this.parts.metrics.onUnappendedFailure();
    return true;
  }
}
