// The application-thread half of the consumer's group membership: ConsumerCoordinator.poll,
// joinGroupIfNeeded, onJoinPrepare and onJoinComplete (Kafka 3.x), run from each poll(); the
// exchange with the coordinator is consumer-membership.ts, the heartbeats consumer-heartbeat.ts.
//
// - poll() records the poll for max.poll.interval.ms, makes sure the coordinator is known, and if
//   a rebalance is needed drives it without blocking: before the first JoinGroup of a round,
//   onJoinPrepare; when the SyncGroup answer is in, onJoinComplete. While the round is in flight
//   poll() goes on fetching — under the eager protocol there is nothing left to fetch, which is
//   why the whole group stops; under the cooperative one the partitions the member keeps go on
//   flowing (KIP-429, FIDELITY A15). Then, with enable.auto.commit, an asynchronous commit of
//   the consumed positions every auto.commit.interval.ms.
// - onJoinPrepare: with auto-commit, commit the consumed positions (and wait, as Kafka 3.2+ does);
//   then if the member lost its generation (kicked out for a slow poll, its session expired) its
//   partitions are *lost*, with no commit; else the eager protocol revokes them all
//   (onPartitionsRevoked, where the on-revoke strategy commits), the cooperative one none.
// - onJoinComplete: the new assignment. Cooperative: partitions no longer assigned are revoked
//   now and the member rejoins at once, so the coordinator can hand them on in a second round.
//   The auto-commit timer starts over. Traced as `group-assignment`; recorded as `assign`.
// - close(): commit (auto-commit, or the on-revoke callback), then LeaveGroup.

import { assert } from '../core/assert.ts';
import type { ActorContext } from '../hw/actor.ts';
import type { PartitionName } from '../kafka/protocol.ts';
import type { Task } from '../kafka/task.ts';
import type { ConsumerClient } from './consumer-client.ts';
import type { CommitOutcome, OffsetCommitter } from './consumer-commits.ts';
import type { CommitStrategy, ConsumerSettings } from './consumer-config.ts';
import type { Fetcher } from './consumer-fetcher.ts';
import type { HeartbeatThread } from './consumer-heartbeat.ts';
import type { ConsumerHistory } from './consumer-history.ts';
import { REJOIN_AFTER_BACKOFF, REJOIN_AT_ONCE, type GroupMembership } from './consumer-membership.ts';
import type { SubscriptionState } from './consumer-subscription.ts';

/** Join rounds one poll() may go through (each immediate retry is one). */
const MAX_JOIN_ROUNDS_PER_POLL = 100;

export interface CoordinatorParts {
  readonly ctx: ActorContext;
  readonly settings: ConsumerSettings;
  readonly group: string;
  readonly member: string;
  readonly topics: readonly string[];
  readonly commit: CommitStrategy;
  readonly client: ConsumerClient;
  readonly membership: GroupMembership;
  readonly heartbeat: HeartbeatThread;
  readonly committer: OffsetCommitter;
  readonly subscriptions: SubscriptionState;
  readonly fetcher: Fetcher;
  readonly history: ConsumerHistory;
  /** A fatal error reached the application (KafkaConsumer.poll throws). */
  readonly fatal: (error: string) => void;
}

export class ConsumerCoordinator {
  private needsJoinPrepare = true;
  private joinRetryAtUs = 0;
  private nextAutoCommitUs: number;

  constructor(private readonly parts: CoordinatorParts) {
    this.nextAutoCommitUs = parts.ctx.now + parts.settings.autoCommitIntervalUs;
  }

  /** ConsumerCoordinator.poll: false while the group is not ready (poll() fetches anyway). */
  *poll(): Task<boolean> {
    const { membership, heartbeat, client, topics } = this.parts;
    heartbeat.polled();
    if (!membership.ensureCoordinatorReady()) return false;
    if (membership.rejoinNeeded || membership.join !== null) {
      if (!client.hasMetadataFor(topics)) {
        client.metadata.requestUpdate();
        return false;
      }
      if (!(yield* this.joinGroupIfNeeded())) return false;
    }
    this.maybeAutoCommitAsync();
    return true;
  }

  /** The application's close(): commit what it should, revoke, leave. */
  *close(): Task<void> {
    const { membership, committer, subscriptions, settings } = this.parts;
    if (membership.hasValidGeneration && membership.state === 'stable') {
      if (settings.autoCommit) yield* committer.commitSync(subscriptions.consumed(), 'auto (close)');
      yield* this.onPartitionsRevoked(subscriptions.assigned());
    }
    membership.maybeLeaveGroup('the consumer is being closed');
    this.parts.heartbeat.stop();
  }

  /** onPartitionsRevoked: what the application does before it gives partitions up. */
  *onPartitionsRevoked(partitions: readonly PartitionName[]): Task<CommitOutcome | null> {
    if (this.parts.commit !== 'on-revoke' || partitions.length === 0) return null;
    return yield* this.parts.committer.commitSync(this.parts.subscriptions.consumed(partitions), 'on-revoke');
  }

  private *joinGroupIfNeeded(): Task<boolean> {
    const { ctx, membership, settings } = this.parts;
    for (let rounds = 0; membership.rejoinNeeded || membership.join !== null; rounds++) {
      assert(rounds < MAX_JOIN_ROUNDS_PER_POLL, () => `consumer ${this.parts.member}: more than ${MAX_JOIN_ROUNDS_PER_POLL} join rounds in one poll`);
      if (!membership.ensureCoordinatorReady()) return false;
      if (this.needsJoinPrepare) {
        this.needsJoinPrepare = false;
        yield* this.onJoinPrepare();
      }
      if (ctx.now < this.joinRetryAtUs) return false;
      membership.initiateJoinGroup();
      const outcome = membership.join;
      if (outcome === null || outcome.kind === 'pending') return false;
      membership.join = null;
      if (outcome.kind === 'succeeded') {
        if (membership.state !== 'stable' || membership.generation !== outcome.generation) {
          membership.resetGeneration(true);
          continue;
        }
        yield* this.onJoinComplete(outcome.generation, outcome.assignment);
        this.needsJoinPrepare = true;
        continue;
      }
      membership.requestRejoin();
      if (REJOIN_AT_ONCE.has(outcome.error)) continue;
      if (!REJOIN_AFTER_BACKOFF.has(outcome.error)) {
        this.parts.fatal(outcome.error);
        return false;
      }
      this.joinRetryAtUs = ctx.now + settings.retryBackoffUs;
      return false;
    }
    return true;
  }

  /** ConsumerCoordinator.onJoinPrepare. */
  private *onJoinPrepare(): Task<void> {
    const { settings, membership, committer, subscriptions } = this.parts;
    if (membership.hasValidGeneration && settings.autoCommit) yield* committer.commitSync(subscriptions.consumed(), 'auto (before rebalance)', settings.maxPollIntervalUs);
    const owned = subscriptions.assigned();
    if (!membership.hasValidGeneration) {
      if (owned.length > 0) this.giveUp(owned, 'lost');
    } else if (settings.protocol === 'eager') {
      yield* this.onPartitionsRevoked(owned);
      this.giveUp(owned, 'revoked');
    }
  }

  /** The partitions are no longer this member's: nothing is fetched or returned from them. */
  private giveUp(partitions: readonly PartitionName[], how: 'lost' | 'revoked'): void {
    const { ctx, group, member, membership, subscriptions, fetcher, history } = this.parts;
    subscriptions.assign([]);
    fetcher.dropUnassigned();
    const event = ctx.trace.emit('consumer-partitions-' + how, { group, member, memberId: membership.memberId, generation: membership.generation, partitions });
    history.assign(ctx.now, membership.generation, [], event);
  }

  /** ConsumerCoordinator.onJoinComplete. */
  private *onJoinComplete(generation: number, assigned: readonly PartitionName[]): Task<void> {
    const { ctx, settings, group, member, membership, subscriptions, fetcher, history } = this.parts;
    const mine = assigned.filter((partition) => this.parts.topics.some((topic) => partition.startsWith(`${topic}/`)));
    let revoked: PartitionName[] = [];
    if (settings.protocol === 'cooperative') {
      revoked = subscriptions.assigned().filter((partition) => !mine.includes(partition));
      if (revoked.length > 0) {
        yield* this.onPartitionsRevoked(revoked);
        membership.requestRejoin();
      }
    }
    this.nextAutoCommitUs = ctx.now + settings.autoCommitIntervalUs;
    subscriptions.assign(mine);
    fetcher.dropUnassigned();
    membership.lastAssignment = mine;
    membership.lastAssignmentGeneration = generation;
    const event = ctx.trace.emit('group-assignment', { group, generation, member, memberId: membership.memberId, partitions: mine, revoked, protocol: settings.protocol });
    history.assign(ctx.now, generation, mine, event);
  }

  /** maybeAutoCommitOffsetsAsync. */
  private maybeAutoCommitAsync(): void {
    const { ctx, settings, committer, subscriptions } = this.parts;
    if (!settings.autoCommit || ctx.now < this.nextAutoCommitUs) return;
    this.nextAutoCommitUs = ctx.now + settings.autoCommitIntervalUs;
    committer.commitAsync(subscriptions.consumed(), 'auto');
  }
}
