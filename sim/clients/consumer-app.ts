// The consumer's application thread: the loop a Kafka application runs around KafkaConsumer.poll
// (DESIGN §7), with a processing-time model and the commit strategy of consumer-config.ts.
//
//   while (running) {
//     records = consumer.poll(100 ms)          // rebalances, commits and fetches happen in here
//     [before-processing] consumer.commitSync()
//     for (record of records) process(record)  // processingUs each; the side effect happens
//     [sync] consumer.commitSync()   [async] consumer.commitAsync()
//   }
//   consumer.close()
//
// poll() follows KafkaConsumer.poll: the coordinator's turn (ConsumerCoordinator.poll), the
// committed offsets and auto.offset.reset for partitions without a position, then up to
// max.poll.records buffered records; with none, it sends fetches and waits for an answer (any
// response wakes it) until its timeout. Returned records are recorded as a `poll` (trace event
// `consumer-poll` at full detail only), processed ones as `process`.
//
// Processing is modelled a span at a time (consecutive records of one producer in one partition):
// one timer for the whole span on the process's running clock, so the cost of a run grows with
// batches, not records. It stays exact: a pause stops the clock (the span finishes that much
// later), and when the process dies mid-span a death hook records precisely the records whose
// processing had finished (⌊running time spent / per-record time⌋), as processing them one
// at a time would have.
//
// The thread is a task (sim/kafka/task.ts): it waits on simulated time and answers, and dies
// with its process. A stop request (the group's stop time, a scale-down) ends the loop after the
// current batch; close() then commits and leaves the group.

import { assert } from '../core/assert.ts';
import type { TimerId } from '../core/scheduler.ts';
import { Level } from '../core/trace.ts';
import type { ActorContext } from '../hw/actor.ts';
import type { PartitionRead, ReadSpan } from '../check/check-input.ts';
import type { PartitionName } from '../kafka/protocol.ts';
import { wait, type Task } from '../kafka/task.ts';
import type { OffsetCommitter } from './consumer-commits.ts';
import type { CommitStrategy, ConsumerSettings } from './consumer-config.ts';
import type { ConsumerClient } from './consumer-client.ts';
import type { ConsumerCoordinator } from './consumer-coordinator.ts';
import type { Fetcher } from './consumer-fetcher.ts';
import type { ConsumerHistory } from './consumer-history.ts';
import type { SubscriptionState } from './consumer-subscription.ts';

/** The application's poll(Duration) timeout. */
export const APPLICATION_POLL_TIMEOUT_US = 100_000;
/** Wake-ups one poll() may take before its timeout (each is an answer from a broker). */
const MAX_WAKEUPS_PER_POLL = 1_000_000;
/** Timers one span's processing may take (more than one only when pauses stretch it). */
const MAX_WAITS_PER_SPAN = 1_000_000;
/** poll() calls in a row at one simulated instant before the loop is treated as runaway. */
const MAX_POLLS_PER_INSTANT = 100_000;

export interface ApplicationParts {
  readonly ctx: ActorContext;
  readonly settings: ConsumerSettings;
  readonly group: string;
  readonly member: string;
  readonly commit: CommitStrategy;
  readonly processingUs: number;
  readonly client: ConsumerClient;
  readonly coordinator: ConsumerCoordinator;
  readonly committer: OffsetCommitter;
  readonly fetcher: Fetcher;
  readonly subscriptions: SubscriptionState;
  readonly history: ConsumerHistory;
}

/** The span being processed: what a death hook needs to record how far it got. */
interface SpanInProgress {
  readonly partition: PartitionName;
  readonly span: ReadSpan;
  readonly startRunningUs: number;
  readonly perRecordUs: number;
}

export class ApplicationThread {
  private waiter: (() => void) | null = null;
  private inProgress: SpanInProgress | null = null;
  /** The running poll()'s deadline timer, or −1. */
  private pollTimer: TimerId = -1;
  private stopRequested = false;
  private failed = false;

  constructor(private readonly parts: ApplicationParts) {
    parts.ctx.onDeath((nowUs) => this.recordInterrupted(nowUs));
  }

  /** Any answer arrived: a poll() waiting for data looks again. */
  wakeup(): void {
    this.waiter?.();
  }

  /** Ends the loop after the current batch; close() follows. */
  requestStop(): void {
    this.stopRequested = true;
    this.wakeup();
  }

  /** An exception reached the application: the loop ends without close(). */
  fail(): void {
    this.failed = true;
    this.wakeup();
  }

  /** The loop, then close(); returns whether it closed cleanly. */
  *run(): Task<boolean> {
    const { ctx, commit, committer, subscriptions } = this.parts;
    let instantUs = -1;
    let pollsThisInstant = 0;
    while (!this.stopRequested && !this.failed) {
      pollsThisInstant = ctx.now === instantUs ? pollsThisInstant + 1 : 0;
      instantUs = ctx.now;
      assert(pollsThisInstant < MAX_POLLS_PER_INSTANT, () => `consumer ${this.parts.member}: ${MAX_POLLS_PER_INSTANT} polls at one instant`);
      const reads = yield* this.poll();
      if (reads.length === 0 || this.failed) continue;
      if (commit === 'before-processing') yield* committer.commitSync(subscriptions.consumed(), commit);
      yield* this.process(reads);
      if (commit === 'sync') yield* committer.commitSync(subscriptions.consumed(), commit);
      else if (commit === 'async') committer.commitAsync(subscriptions.consumed(), commit);
    }
    if (this.failed) return false;
    yield* this.parts.coordinator.close();
    return true;
  }

  /** KafkaConsumer.poll(APPLICATION_POLL_TIMEOUT_US). */
  private *poll(): Task<PartitionRead[]> {
    const { ctx, settings, client, coordinator, committer, fetcher } = this.parts;
    const deadlineUs = ctx.now + APPLICATION_POLL_TIMEOUT_US;
    try {
      for (let wakeups = 0; wakeups < MAX_WAKEUPS_PER_POLL; wakeups++) {
        yield* coordinator.poll();
        if (this.stopRequested || this.failed) return [];
        committer.refreshCommittedOffsets();
        fetcher.resetPositions();
        client.maybeUpdateMetadata();
        const reads = fetcher.fetchedRecords(settings.maxPollRecords);
        fetcher.sendFetches();
        if (reads.length > 0) {
          this.parts.history.poll(ctx.now, reads, this.tracePoll(reads));
          return reads;
        }
        if (ctx.now >= deadlineUs) return [];
        yield* this.waitForWakeup(deadlineUs);
      }
    } finally {
      if (this.pollTimer >= 0) ctx.cancelTimer(this.pollTimer);
      this.pollTimer = -1;
    }
    assert(false, () => `consumer ${this.parts.member}: more than ${MAX_WAKEUPS_PER_POLL} wake-ups in one poll`);
  }

  /** Processes every returned record, one after another, a span per timer (see the header). */
  private *process(reads: readonly PartitionRead[]): Task<void> {
    const { ctx, processingUs, history } = this.parts;
    const perRecordUs = Math.round(processingUs);
    for (const read of reads) {
      for (const span of read.spans) {
        if (perRecordUs > 0) {
          const progress: SpanInProgress = { partition: read.partition, span, startRunningUs: ctx.runningUs, perRecordUs };
          this.inProgress = progress;
          const endRunningUs = progress.startRunningUs + span.count * perRecordUs;
          for (let waits = 0; ctx.runningUs < endRunningUs; waits++) {
            assert(waits < MAX_WAITS_PER_SPAN, () => `consumer ${this.parts.member}: a span did not finish in ${MAX_WAITS_PER_SPAN} waits`);
            yield* wait<void>((resume) => ctx.setTimer(endRunningUs - ctx.runningUs, () => resume()));
          }
          this.inProgress = null;
        }
        history.processedSpan(ctx.now, read.partition, span.offset, span.count, span.producer, span.firstRecord);
      }
    }
  }

  /** The process died mid-span: the records whose processing had finished were processed. */
  private recordInterrupted(nowUs: number): void {
    const progress = this.inProgress;
    if (progress === null) return;
    this.inProgress = null;
    const spentUs = this.parts.ctx.runningUs - progress.startRunningUs;
    const done = Math.min(progress.span.count, Math.floor(spentUs / progress.perRecordUs));
    if (done <= 0) return;
    const { span } = progress;
    const lastDoneUs = nowUs - (spentUs - done * progress.perRecordUs);
    this.parts.history.processedSpan(lastDoneUs, progress.partition, span.offset, done, span.producer, span.firstRecord);
  }

  /** Waits for any answer, or the poll's deadline: one timer per poll(), not one per wake-up. */
  private *waitForWakeup(deadlineUs: number): Task<void> {
    const { ctx } = this.parts;
    yield* wait<void>((resume) => {
      this.waiter = (): void => {
        this.waiter = null;
        resume();
      };
      if (this.pollTimer < 0) {
        this.pollTimer = ctx.setTimer(Math.max(0, deadlineUs - ctx.now), () => {
          this.pollTimer = -1;
          this.waiter?.();
        });
      }
    });
  }

  /** The poll's trace event (full detail only: below it the number is consumed but nothing is written). */
  private tracePoll(reads: readonly PartitionRead[]): number | undefined {
    const { trace } = this.parts.ctx;
    if (!trace.fullDetail) {
      trace.skip();
      return undefined;
    }
    let records = 0;
    for (const read of reads) for (const span of read.spans) records += span.count;
    return trace.emit('consumer-poll', { group: this.parts.group, member: this.parts.member, records, partitions: reads.map((read) => read.partition) }, Level.Full);
  }
}
