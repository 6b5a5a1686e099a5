// The consumer's heartbeat thread: AbstractCoordinator.HeartbeatThread with its Heartbeat timers
// (Kafka 3.x). It runs beside the application thread, so a member whose application is busy
// processing stays in the group — until max.poll.interval.ms passes without a poll().
//
// While the member is COMPLETING_REBALANCE or STABLE, at each turn, in Kafka's order:
// 1. coordinator unknown → look it up, look again after retry.backoff.ms;
// 2. no successful heartbeat for session.timeout.ms → the coordinator is presumed dead
//    (markCoordinatorUnknown), and found again;
// 3. no poll() for max.poll.interval.ms → the member leaves the group (LeaveGroup) on its own: the
//    "slow processor" is kicked out, and its next poll() finds its partitions lost;
// 4. heartbeat.interval.ms since the last heartbeat was sent → send one (one in flight at a time).
//
// Answers: NONE and REBALANCE_IN_PROGRESS count as heartbeats (the latter also asks the
// application to rejoin); ILLEGAL_GENERATION and UNKNOWN_MEMBER_ID reset the generation;
// NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE or a lost connection forget the coordinator, and
// a failed heartbeat is retried after retry.backoff.ms.
//
// Instead of waking every retry.backoff.ms to check, the thread sets one timer for the earliest
// moment any of its checks can change.

import type { TimerId } from '../core/scheduler.ts';
import type { ActorContext } from '../hw/actor.ts';
import { ErrorCode, groupMessageBytes, type HeartbeatResponse } from '../kafka/protocol.ts';
import type { ConsumerClient } from './consumer-client.ts';
import type { ConsumerSettings } from './consumer-config.ts';
import type { GroupMembership } from './consumer-membership.ts';

export interface HeartbeatParts {
  readonly ctx: ActorContext;
  readonly settings: ConsumerSettings;
  readonly group: string;
  readonly member: string;
  readonly client: ConsumerClient;
  readonly membership: GroupMembership;
  /** The incarnation is still running and has not left. */
  readonly alive: () => boolean;
}

export class HeartbeatThread {
  private lastPollUs: number;
  private nextHeartbeatUs: number;
  private sessionDeadlineUs: number;
  private inFlight = false;
  private timer: TimerId | null = null;

  constructor(private readonly parts: HeartbeatParts) {
    const now = parts.ctx.now;
    this.lastPollUs = now;
    this.nextHeartbeatUs = now;
    this.sessionDeadlineUs = now + parts.settings.sessionTimeoutUs;
  }

  /** Heartbeat.poll: the application called poll(). */
  polled(): void {
    this.lastPollUs = this.parts.ctx.now;
  }

  /** Heartbeat.resetSessionTimeout (a coordinator was found). */
  resetSessionTimeout(): void {
    this.sessionDeadlineUs = this.parts.ctx.now + this.parts.settings.sessionTimeoutUs;
  }

  /** HeartbeatThread.enable on entering COMPLETING_REBALANCE: the timeouts start over. */
  enable(): void {
    const { ctx, settings } = this.parts;
    this.sessionDeadlineUs = ctx.now + settings.sessionTimeoutUs;
    this.lastPollUs = ctx.now;
    this.nextHeartbeatUs = ctx.now + settings.heartbeatIntervalUs;
    this.schedule(0);
  }

  /** Stops the thread for good (close, crash of the application). */
  stop(): void {
    if (this.timer !== null) this.parts.ctx.cancelTimer(this.timer);
    this.timer = null;
  }

  private schedule(delayUs: number): void {
    if (this.timer !== null) this.parts.ctx.cancelTimer(this.timer);
    this.timer = this.parts.ctx.setTimer(Math.max(0, Math.ceil(delayUs)), () => {
      this.timer = null;
      this.tick();
    });
  }

  /** One turn of HeartbeatThread.run. */
  private tick(): void {
    const { ctx, settings, membership } = this.parts;
    if (!this.parts.alive() || membership.state === 'unjoined' || membership.state === 'preparing') return;
    const now = ctx.now;
    if (!membership.ensureCoordinatorReady()) return this.schedule(settings.retryBackoffUs);
    if (now >= this.sessionDeadlineUs) {
      membership.markCoordinatorUnknown('session timed out without receiving a heartbeat response');
      return this.schedule(settings.retryBackoffUs);
    }
    if (now - this.lastPollUs >= settings.maxPollIntervalUs) {
      ctx.trace.emit('consumer-poll-timeout', { group: this.parts.group, member: this.parts.member, memberId: membership.memberId, sinceLastPollUs: now - this.lastPollUs });
      membership.maybeLeaveGroup('consumer poll timeout has expired');
      return;
    }
    if (this.inFlight || now < this.nextHeartbeatUs) {
      const pollDeadlineUs = this.lastPollUs + settings.maxPollIntervalUs;
      const wakeUs = this.inFlight ? Math.min(this.sessionDeadlineUs, pollDeadlineUs) : Math.min(this.nextHeartbeatUs, this.sessionDeadlineUs, pollDeadlineUs);
      return this.schedule(wakeUs - now);
    }
    this.send();
    this.schedule(Math.min(this.sessionDeadlineUs, this.lastPollUs + settings.maxPollIntervalUs) - now);
  }

  private send(): void {
    const { ctx, settings, client, membership } = this.parts;
    const coordinator = membership.coordinator;
    if (coordinator === null) return;
    this.inFlight = true;
    this.nextHeartbeatUs = ctx.now + settings.heartbeatIntervalUs;
    const generation = membership.generation;
    const request = { type: 'heartbeat' as const, correlationId: client.correlationId(), groupId: this.parts.group, generationId: generation, memberId: membership.memberId };
    client.send<HeartbeatResponse>(coordinator, request, groupMessageBytes(0), settings.requestTimeoutMs, (response) => this.onResponse(response.error, generation), () => {
      this.inFlight = false;
      membership.markCoordinatorUnknown('the heartbeat failed to reach the coordinator');
      this.failed();
      if (this.parts.alive()) this.schedule(0);
    });
  }

  private onResponse(error: string, generation: number): void {
    const { ctx, settings, membership } = this.parts;
    this.inFlight = false;
    if (error === ErrorCode.NONE || error === ErrorCode.REBALANCE_IN_PROGRESS) {
      this.sessionDeadlineUs = ctx.now + settings.sessionTimeoutUs;
      if (error === ErrorCode.REBALANCE_IN_PROGRESS && membership.state === 'stable') membership.requestRejoin();
    } else if ((error === ErrorCode.ILLEGAL_GENERATION || error === ErrorCode.UNKNOWN_MEMBER_ID) && generation === membership.generation) {
      ctx.trace.emit('consumer-generation-reset', { group: this.parts.group, member: this.parts.member, memberId: membership.memberId, error });
      membership.resetGeneration(error === ErrorCode.UNKNOWN_MEMBER_ID);
    } else {
      if (error === ErrorCode.COORDINATOR_NOT_AVAILABLE || error === ErrorCode.NOT_COORDINATOR) membership.markCoordinatorUnknown(error);
      this.failed();
    }
    if (this.parts.alive()) this.schedule(0);
  }

  /** Heartbeat.failHeartbeat: the next one after retry.backoff.ms. */
  private failed(): void {
    this.nextHeartbeatUs = this.parts.ctx.now + this.parts.settings.retryBackoffUs;
  }
}
