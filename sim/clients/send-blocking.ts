// A send() that waits: KafkaProducer.send blocks the calling thread, for at most max.block.ms in
// all, in two places of KafkaProducer.doSend:
//
// - waitOnMetadata: while the topic (or the record's own partition) is not in the metadata, the
//   producer adds the topic, asks for an update, wakes the Sender and waits for the next update
//   (Metadata.awaitUpdate); when max.block.ms runs out send() throws a TimeoutException ("Topic
//   not present in metadata"), recorded as METADATA_TIMEOUT.
// - BufferPool.allocate: while buffer.memory has no room for a new batch, the thread waits for a
//   batch to complete and return its buffer, for what is left of max.block.ms after the metadata
//   wait (remainingWaitMs); then it throws BufferExhaustedException, recorded as BUFFER_EXHAUSTED.
//   While a thread waits, BufferPool.queued() > 0 makes every batch sendable in
//   RecordAccumulator.ready, so memory comes back sooner.
//
// Either exception is a definite failure: the record never reached a batch. SendBlocking owns the
// wait (its deadline, its timer, the accumulator's waiter flag); the application thread
// (producer-send.ts) keeps the record and decides what a retry or an expiry does with it.
//
// Simplified: one application thread calls send(), so at most one send waits, and BufferPool's
// queue of waiting threads (its Condition per waiter) is this one wait. A freed buffer does not
// hand its memory to the waiter: the waiter retries the whole append, which may now join a batch
// instead; a memory retry keeps the partition chosen before it blocked, as allocate() runs after
// the partition is chosen. Waiting costs no CPU, and any metadata update retries a metadata wait.

import type { TimerId } from '../core/scheduler.ts';
import type { ActorContext } from '../hw/actor.ts';
import type { RecordAccumulator } from './accumulator.ts';
import type { ProducerMetadata } from './producer-metadata.ts';
import type { Sender } from './sender.ts';

/** What send() throws when max.block.ms runs out: waiting for metadata, or for buffer.memory. */
export type BlockTimeoutError = 'METADATA_TIMEOUT' | 'BUFFER_EXHAUSTED';

export interface SendBlockingParts {
  readonly ctx: ActorContext;
  readonly metadata: ProducerMetadata;
  readonly accumulator: RecordAccumulator;
  readonly sender: Sender;
}

/** What the application thread does when the wait ends. */
export interface SendBlockingHandlers {
  /** What it waited for may have arrived: try the send again, with the same deadline (and partition, −1 for none). */
  readonly retry: (deadlineUs: number, partition: number) => void;
  /** max.block.ms ran out: send() throws `error`. */
  readonly expire: (error: BlockTimeoutError) => void;
}

type WaitReason = 'metadata' | 'memory';

const TIMEOUT_ERRORS: Readonly<Record<WaitReason, BlockTimeoutError>> = { metadata: 'METADATA_TIMEOUT', memory: 'BUFFER_EXHAUSTED' };

interface Wait {
  readonly reason: WaitReason;
  readonly deadlineUs: number;
  /** The partition chosen before blocking on memory; −1 while waiting for metadata. */
  readonly partition: number;
  readonly timer: TimerId;
}

export class SendBlocking {
  private wait: Wait | null = null;

  constructor(
    private readonly parts: SendBlockingParts,
    private readonly handlers: SendBlockingHandlers,
  ) {}

  /** A send() is waiting: the application thread runs no other send until it ends. */
  get blocked(): boolean {
    return this.wait !== null;
  }

  /** waitOnMetadata: asks for `topic` and waits; the error when `deadlineUs` has already passed, else null. */
  waitForMetadata(topic: string, deadlineUs: number): BlockTimeoutError | null {
    const { metadata, sender } = this.parts;
    metadata.addTopic(topic);
    metadata.requestUpdate();
    sender.wakeup();
    return this.begin('metadata', deadlineUs, -1);
  }

  /** BufferPool.allocate: waits for buffer.memory; the error when `deadlineUs` has already passed, else null. */
  waitForMemory(partition: number, deadlineUs: number): BlockTimeoutError | null {
    return this.begin('memory', deadlineUs, partition);
  }

  onMetadataUpdate(): void {
    if (this.wait?.reason === 'metadata') this.retry();
  }

  /** A batch returned its buffer to buffer.memory. */
  onMemoryFreed(): void {
    if (this.wait?.reason === 'memory') this.retry();
  }

  private begin(reason: WaitReason, deadlineUs: number, partition: number): BlockTimeoutError | null {
    const { ctx, accumulator, sender } = this.parts;
    if (ctx.now >= deadlineUs) return TIMEOUT_ERRORS[reason];
    if (reason === 'memory') {
      accumulator.memoryWaiter = true;
      sender.wakeup();
    }
    const timer = ctx.setTimer(deadlineUs - ctx.now, () => this.onTimeout());
    this.wait = { reason, deadlineUs, partition, timer };
    return null;
  }

  private retry(): void {
    const wait = this.end();
    this.handlers.retry(wait.deadlineUs, wait.partition);
  }

  private onTimeout(): void {
    if (this.wait === null) return;
    this.handlers.expire(TIMEOUT_ERRORS[this.end().reason]);
  }

  private end(): Wait {
    const wait = this.wait as Wait;
    this.parts.ctx.cancelTimer(wait.timer);
    this.parts.accumulator.memoryWaiter = false;
    this.wait = null;
    return wait;
  }
}
