// The consumer's offsets: ConsumerCoordinator's OffsetCommit (commitSync, commitAsync,
// auto-commit) and OffsetFetch (refreshCommittedOffsetsIfNeeded), Kafka 3.x.
//
// - A commit carries the member's generation and id, and only a STABLE member may commit (else
//   it fails at once: RebalanceInProgressException / CommitFailedException). Answers:
//   COORDINATOR_LOAD_IN_PROGRESS is retried; NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE and
//   REQUEST_TIMED_OUT forget the coordinator and are retried; REBALANCE_IN_PROGRESS asks for a
//   rejoin and fails; ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID reset the generation and fail
//   (CommitFailedException).
// - commitSync retries retriable failures every retry.backoff.ms until default.api.timeout.ms;
//   commitAsync tries once. Either way the outcome is recorded (history `commit`, trace
//   `consumer-commit`): `ok`, `fail` (surely not stored), or `info` when an attempt may have been
//   stored although the answer says otherwise (a timeout, a lost connection, an append to
//   __consumer_offsets that failed after it happened).
// - OffsetFetch: for assigned partitions with no position, the group's committed offsets become
//   their positions (a seek in the history); a partition with none awaits auto.offset.reset.

import type { ActorContext } from '../hw/actor.ts';
import { ErrorCode, groupMessageBytes, type OffsetCommitResponse, type OffsetFetchResponse, type PartitionName } from '../kafka/protocol.ts';
import { wait, type Task } from '../kafka/task.ts';
import type { ConsumerClient } from './consumer-client.ts';
import type { ConsumerSettings } from './consumer-config.ts';
import type { ConsumerHistory } from './consumer-history.ts';
import type { GroupMembership } from './consumer-membership.ts';
import type { SubscriptionState } from './consumer-subscription.ts';

export type CommitOutcome = 'ok' | 'fail' | 'info';
export type Offsets = readonly { readonly partition: PartitionName; readonly offset: number }[];

type Attempt =
  | { readonly kind: 'ok' }
  | { readonly kind: 'retriable' | 'fatal'; readonly error: string; readonly mayHaveStored: boolean };

/** Errors after which a commit may have been stored although it was not acknowledged. */
const MAY_HAVE_STORED: ReadonlySet<string> = new Set([ErrorCode.REQUEST_TIMED_OUT, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.NOT_COORDINATOR]);
/** Attempts one commitSync may make (retry.backoff.ms apart, within default.api.timeout.ms). */
const MAX_COMMIT_ATTEMPTS = 100_000;

export interface CommitParts {
  readonly ctx: ActorContext;
  readonly settings: ConsumerSettings;
  readonly group: string;
  readonly member: string;
  readonly client: ConsumerClient;
  readonly membership: GroupMembership;
  readonly subscriptions: SubscriptionState;
  readonly history: ConsumerHistory;
}

export class OffsetCommitter {
  private fetchInFlight = false;
  private fetchRetryAtUs = 0;

  constructor(private readonly parts: CommitParts) {}

  /** commitSync: retried until stored, refused, or default.api.timeout.ms (or `timeoutUs`) passes. */
  *commitSync(offsets: Offsets, how: string, timeoutUs = this.parts.settings.defaultApiTimeoutUs): Task<CommitOutcome> {
    const { ctx, settings, membership } = this.parts;
    if (offsets.length === 0) return 'ok';
    const deadlineUs = ctx.now + timeoutUs;
    let mayHaveStored = false;
    let error = 'TIMEOUT';
    for (let attempts = 0; attempts < MAX_COMMIT_ATTEMPTS; attempts++) {
      if (membership.ensureCoordinatorReady()) {
        const attempt = yield* wait<Attempt>((resume) => this.send(offsets, resume));
        if (attempt.kind === 'ok') return this.record(offsets, how, 'ok', null);
        mayHaveStored ||= attempt.mayHaveStored;
        error = attempt.error;
        if (attempt.kind === 'fatal') break;
      }
      if (ctx.now + settings.retryBackoffUs >= deadlineUs) break;
      yield* wait<void>((resume) => ctx.setTimer(settings.retryBackoffUs, () => resume()));
    }
    return this.record(offsets, how, mayHaveStored ? 'info' : 'fail', error);
  }

  /** commitAsync: one attempt, its outcome recorded when it ends. */
  commitAsync(offsets: Offsets, how: string): void {
    if (offsets.length === 0) return;
    if (!this.parts.membership.ensureCoordinatorReady()) {
      this.record(offsets, how, 'fail', ErrorCode.COORDINATOR_NOT_AVAILABLE);
      return;
    }
    this.send(offsets, (attempt) => {
      if (attempt.kind === 'ok') this.record(offsets, how, 'ok', null);
      else this.record(offsets, how, attempt.mayHaveStored ? 'info' : 'fail', attempt.error);
    });
  }

  /** refreshCommittedOffsetsIfNeeded, without blocking: one OffsetFetch at a time. */
  refreshCommittedOffsets(): void {
    const { ctx, client, settings, membership, subscriptions } = this.parts;
    if (this.fetchInFlight || ctx.now < this.fetchRetryAtUs) return;
    const partitions = subscriptions.needingCommitted();
    if (partitions.length === 0 || !membership.ensureCoordinatorReady()) return;
    this.fetchInFlight = true;
    const retry = (): void => {
      this.fetchInFlight = false;
      this.fetchRetryAtUs = ctx.now + settings.retryBackoffUs;
    };
    const request = { type: 'offset-fetch' as const, correlationId: client.correlationId(), groupId: this.parts.group, partitions };
    client.send<OffsetFetchResponse>(membership.coordinator!, request, groupMessageBytes(partitions.length), settings.requestTimeoutMs, (response) => {
      if (response.error !== ErrorCode.NONE) {
        if (response.error === ErrorCode.NOT_COORDINATOR || response.error === ErrorCode.COORDINATOR_NOT_AVAILABLE) membership.markCoordinatorUnknown(response.error);
        return retry();
      }
      this.fetchInFlight = false;
      for (const entry of response.partitions) {
        const state = subscriptions.state(entry.partition);
        if (state === undefined || state.position !== null || state.resetPending) continue;
        if (entry.offset >= 0) subscriptions.seek(ctx.now, entry.partition, entry.offset, 'committed offset');
        else subscriptions.requestReset(entry.partition);
      }
    }, () => {
      membership.markCoordinatorUnknown('the offset fetch failed to reach the coordinator');
      retry();
    });
  }

  /** One OffsetCommit request (sendOffsetCommitRequest with its response handler). */
  private send(offsets: Offsets, done: (attempt: Attempt) => void): void {
    const { client, settings, membership } = this.parts;
    const coordinator = membership.coordinator;
    if (membership.state !== 'stable') {
      const error = membership.state === 'unjoined' ? 'COMMIT_FAILED' : ErrorCode.REBALANCE_IN_PROGRESS;
      return done({ kind: 'fatal', error, mayHaveStored: false });
    }
    if (coordinator === null) return done({ kind: 'retriable', error: ErrorCode.COORDINATOR_NOT_AVAILABLE, mayHaveStored: false });
    const generation = membership.generation;
    const request = { type: 'offset-commit' as const, correlationId: client.correlationId(), groupId: this.parts.group, generationId: generation, memberId: membership.memberId, offsets: offsets.map((entry) => ({ ...entry })) };
    client.send<OffsetCommitResponse>(coordinator, request, groupMessageBytes(offsets.length), settings.requestTimeoutMs, (response) => {
      const error = response.partitions.find((entry) => entry.error !== ErrorCode.NONE)?.error ?? ErrorCode.NONE;
      done(this.classify(error, generation));
    }, () => {
      membership.markCoordinatorUnknown('the offset commit failed to reach the coordinator');
      done({ kind: 'retriable', error: 'NETWORK_EXCEPTION', mayHaveStored: true });
    });
  }

  /** OffsetCommitResponseHandler. */
  private classify(error: string, generation: number): Attempt {
    const { membership } = this.parts;
    const mayHaveStored = MAY_HAVE_STORED.has(error);
    switch (error) {
      case ErrorCode.NONE:
        return { kind: 'ok' };
      case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
      case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
        return { kind: 'retriable', error, mayHaveStored };
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
      case ErrorCode.NOT_COORDINATOR:
      case ErrorCode.REQUEST_TIMED_OUT:
        membership.markCoordinatorUnknown(error);
        return { kind: 'retriable', error, mayHaveStored };
      case ErrorCode.REBALANCE_IN_PROGRESS:
        membership.requestRejoin();
        return { kind: 'fatal', error, mayHaveStored };
      case ErrorCode.UNKNOWN_MEMBER_ID:
      case ErrorCode.ILLEGAL_GENERATION:
        if (generation === membership.generation) membership.resetGeneration(error === ErrorCode.UNKNOWN_MEMBER_ID);
        return { kind: 'fatal', error, mayHaveStored };
      default:
        return { kind: 'fatal', error, mayHaveStored };
    }
  }

  private record(offsets: Offsets, how: string, outcome: CommitOutcome, error: string | null): CommitOutcome {
    const { ctx, group, member, membership, history } = this.parts;
    const event = ctx.trace.emit('consumer-commit', { group, member, memberId: membership.memberId, generation: membership.generation, how, outcome, error, offsets });
    history.commit(ctx.now, outcome, offsets, event);
    return outcome;
  }
}
