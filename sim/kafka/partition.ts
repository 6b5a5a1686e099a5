// One replica of one partition on one broker: kafka.cluster.Partition with the high watermark of
// kafka.log.UnifiedLog (Kafka 2.8 / 3.x, ZooKeeper mode). Pure state: the broker actor hands it
// LeaderAndIsr states, fetch and OffsetsForLeaderEpoch requests and answers with the current time,
// and sends what it returns. No timers, no network.
//
// As leader (Partition.makeLeader, updateFollowerFetchState, maybeIncrementLeaderHW,
// maybeExpandIsr, maybeShrinkIsr; reads and fencing in leader-read.ts):
// - A new leader assigns its epoch in the epoch cache at its LEO (the leader epoch start offset)
//   before writing, so followers with data of epochs it never had can truncate (KAFKA-7415).
// - A follower fetch is read first and recorded second: the response carries the HW from before
//   this fetch moved it, so a follower learns that a record is committed one fetch after the
//   fetch that committed it. Answers with an error or a divergingEpoch record nothing.
// - HW = the smallest LEO among the leader, the maximal ISR and followers caught up within
//   replica.lag.time.max.ms (isr-state.ts); it only increases.
// - ISR expand (KAFKA-7128, FIDELITY A7): a follower joins when its LEO ≥ HW and ≥ the leader
//   epoch start offset. ISR shrink: members out of sync for replica.lag.time.max.ms (the broker
//   calls maybeShrinkIsr every half of it). Both are proposals, sent as AlterIsr or written to
//   ZooKeeper with a version check; the ISR changes when the broker reports the result.
//
// As follower, a FollowerFetcher (truncation.ts) decides what to ask and where to truncate by
// `replication.protocol`; this file applies it. Fetched batches keep the leader's offsets and
// epochs, and HW = min(leader HW in the answer, own LEO) (ReplicaFetcherThread). Producer state
// follows every append and is rebuilt from the log after a truncation.
//
// Simplified: one log directory, no reassignment, transactions or DeleteRecords. Kafka 2.8 did not
// recompute the HW when an AlterIsr committed (3.x does); here it always does. Kafka wrote ISR
// changes to ZooKeeper synchronously under a lock; here that write is in flight like an AlterIsr.

import { assert } from '../core/assert.ts';
import { US_PER_MS } from '../core/time.ts';
import { UNDEFINED_EPOCH, type EpochEndOffset } from './epoch-cache.ts';
import {
  IsrState,
  type IsrChangeOutcome,
  type IsrChangeProposal,
  type IsrChangeResult,
  type ProposalContext,
  type RemoteReplicaView,
} from './isr-state.ts';
import {
  answerEpochQuery,
  readForConsumer,
  readForFollower,
  type EpochAnswerEntry,
  type EpochQueryEntry,
  type LeaderReadView,
} from './leader-read.ts';
import type { BatchInput, LogBatch, PartitionLog } from './log.ts';
import { ProducerStateManager } from './producer-state.ts';
import {
  ErrorCode,
  type BatchPayload,
  type FetchPartitionRequest,
  type LeaderAndIsrPartitionState,
  type PartitionName,
} from './protocol.ts';
import {
  FollowerFetcher,
  truncateLog,
  type FetcherPhase,
  type FetcherStep,
  type FollowerLogView,
  type ReplicaFetchPartitionResponse,
  type ReplicationProtocol,
  type TruncateTo,
  type TruncationRecord,
} from './truncation.ts';

export type ReplicaRole = 'leader' | 'follower' | 'offline';

export interface PartitionConfig {
  /** replica.lag.time.max.ms. */
  readonly replicaLagTimeMaxMs: number;
  /** min.insync.replicas (topic, else broker); read by the produce path. */
  readonly minInsyncReplicas: number;
  readonly replicationProtocol: ReplicationProtocol;
}

export interface PartitionOptions {
  readonly name: PartitionName;
  readonly brokerId: number;
  readonly log: PartitionLog<BatchPayload>;
  readonly config: PartitionConfig;
  /** From replication-offset-checkpoint after a restart (clamped to the log); default: log start. */
  readonly highWatermark?: number;
}

/** What a producer's batch brings; the leader adds its epoch and the offsets. */
export type LeaderBatchInput = Omit<BatchInput<BatchPayload>, 'leaderEpoch'>;

export type LeaderAndIsrOutcome =
  /** STALE_CONTROLLER_EPOCH (epoch not newer) or UNKNOWN_TOPIC_OR_PARTITION (not a replica). */
  | { readonly kind: 'ignored'; readonly error: ErrorCode }
  | { readonly kind: 'leader'; readonly isNewLeader: boolean; readonly highWatermarkChanged: boolean }
  | {
      readonly kind: 'follower';
      readonly fetcherRestarted: boolean;
      readonly truncation?: TruncationRecord<BatchPayload>;
    };

export interface LeaderFetchOutcome {
  readonly response: ReplicaFetchPartitionResponse;
  readonly highWatermarkChanged: boolean;
  readonly isrChange?: IsrChangeProposal;
}

export interface LeaderAppendOutcome {
  readonly batch: LogBatch<BatchPayload>;
  readonly highWatermarkChanged: boolean;
}

export type FollowerOutcome =
  | Exclude<FetcherStep, { kind: 'truncate' } | { kind: 'append' }>
  | { readonly kind: 'truncated'; readonly truncation: TruncationRecord<BatchPayload> }
  | {
      readonly kind: 'appended';
      readonly batches: readonly LogBatch<BatchPayload>[];
      readonly highWatermarkChanged: boolean;
    };

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}

function checkConfig(config: PartitionConfig): PartitionConfig {
  assert(
    Number.isInteger(config.replicaLagTimeMaxMs) && config.replicaLagTimeMaxMs >= 1 &&
      Number.isInteger(config.minInsyncReplicas) && config.minInsyncReplicas >= 1,
    () => `Partition: invalid config ${JSON.stringify(config)}`,
  );
  return config;
}

export class Partition implements FollowerLogView, LeaderReadView {
  readonly name: PartitionName;
  readonly brokerId: number;
  readonly log: PartitionLog<BatchPayload>;
  readonly producerState = new ProducerStateManager();
  private partitionConfig: PartitionConfig;
  private currentRole: ReplicaRole = 'offline';
  private leader = -1;
  private epoch = UNDEFINED_EPOCH;
  private controllerEpochValue = -1;
  private zkVersionValue = -1;
  private hw: number;
  private epochStartOffset: number | undefined;
  private readonly isrState: IsrState;
  private readonly fetcher: FollowerFetcher;

  constructor(options: PartitionOptions) {
    this.name = options.name;
    this.brokerId = options.brokerId;
    this.log = options.log;
    this.partitionConfig = checkConfig(options.config);
    this.hw = clamp(options.highWatermark ?? 0, this.log.logStartOffset, this.log.logEndOffset);
    this.isrState = new IsrState(options.brokerId);
    this.fetcher = new FollowerFetcher(options.config.replicationProtocol);
    this.producerState.rebuild(this.log.batches());
  }

  get config(): PartitionConfig { return this.partitionConfig; }

  /** A dynamic config change (the `config` fault); the protocol is fixed for a replica's life. */
  setConfig(changes: Partial<Pick<PartitionConfig, 'replicaLagTimeMaxMs' | 'minInsyncReplicas'>>): void {
    this.partitionConfig = checkConfig({ ...this.partitionConfig, ...changes });
  }

  get role(): ReplicaRole { return this.currentRole; }
  get isLeader(): boolean { return this.currentRole === 'leader'; }
  get replicationProtocol(): ReplicationProtocol { return this.partitionConfig.replicationProtocol; }
  /** The leader's broker id as this replica knows it; -1 when none. */
  get leaderId(): number { return this.leader; }
  get leaderEpoch(): number { return this.epoch; }
  get controllerEpoch(): number { return this.controllerEpochValue; }
  get zkVersion(): number { return this.zkVersionValue; }
  get highWatermark(): number { return this.hw; }
  get logEndOffset(): number { return this.log.logEndOffset; }
  get logStartOffset(): number { return this.log.logStartOffset; }
  get latestEpoch(): number { return this.log.epochCache.latestEpoch; }
  /** Defined while leader: the LEO when this leadership began. */
  get leaderEpochStartOffset(): number | undefined { return this.epochStartOffset; }
  get isr(): readonly number[] { return this.isrState.isr; }
  get maximalIsr(): readonly number[] { return this.isrState.maximalIsr; }
  get replicas(): readonly number[] { return this.isrState.replicas; }
  get pendingIsrChange(): IsrChangeProposal | undefined { return this.isrState.pending; }
  get fetcherPhase(): FetcherPhase { return this.fetcher.phase; }


  /** The leader's view of a follower (meaningful while leader). */
  follower(brokerId: number): RemoteReplicaView | undefined {
    return this.isrState.follower(brokerId);
  }

  endOffsetForEpoch(epoch: number): EpochEndOffset {
    return this.log.endOffsetForEpoch(epoch);
  }

  /** ReplicaManager.becomeLeaderOrFollower for this partition's entry of a LeaderAndIsr request. */
  applyLeaderAndIsr(state: LeaderAndIsrPartitionState, nowUs: number): LeaderAndIsrOutcome {
    if (state.leaderEpoch <= this.epoch) return { kind: 'ignored', error: ErrorCode.STALE_CONTROLLER_EPOCH };
    if (!state.replicas.includes(this.brokerId)) {
      return { kind: 'ignored', error: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
    }
    return state.leader === this.brokerId ? this.becomeLeader(state, nowUs) : this.becomeFollower(state);
  }

  /** Partition.makeLeader (see the header). */
  becomeLeader(state: LeaderAndIsrPartitionState, nowUs: number): LeaderAndIsrOutcome {
    assert(state.leader === this.brokerId, () => `${this.name}: ${this.brokerId} cannot lead for ${state.leader}`);
    this.controllerEpochValue = state.controllerEpoch;
    this.isrState.update(state.replicas, state.isr);
    const startOffset = this.log.logEndOffset;
    this.epoch = state.leaderEpoch;
    this.epochStartOffset = startOffset;
    this.zkVersionValue = state.zkVersion;
    this.log.epochCache.assign(state.leaderEpoch, startOffset);
    const isNewLeader = this.currentRole !== 'leader';
    this.isrState.startLeadership(startOffset, nowUs, isNewLeader);
    this.currentRole = 'leader';
    this.leader = this.brokerId;
    this.fetcher.stop();
    return { kind: 'leader', isNewLeader, highWatermarkChanged: this.maybeIncrementHighWatermark(nowUs) };
  }

  /** Partition.makeFollower and the become-follower steps of ReplicaManager.makeFollowers. */
  becomeFollower(state: LeaderAndIsrPartitionState): LeaderAndIsrOutcome {
    this.controllerEpochValue = state.controllerEpoch;
    this.isrState.update(state.replicas, []);
    this.epoch = state.leaderEpoch;
    this.epochStartOffset = undefined;
    this.zkVersionValue = state.zkVersion;
    this.currentRole = 'follower';
    this.leader = state.leader;
    const start = this.fetcher.follow(state.leader, state.leaderEpoch, this);
    const truncation = start.truncateTo === undefined ? undefined : this.truncate(start.truncateTo);
    return truncation === undefined
      ? { kind: 'follower', fetcherRestarted: start.restarted }
      : { kind: 'follower', fetcherRestarted: start.restarted, truncation };
  }

  /** StopReplica: no longer leader or follower; the log stays. */
  stop(): void {
    this.currentRole = 'offline';
    this.leader = -1;
    this.epochStartOffset = undefined;
    this.fetcher.stop();
  }

  /** Partition.appendRecordsToLeader after the produce checks (produce.ts). */
  appendAsLeader(input: LeaderBatchInput, nowUs: number): LeaderAppendOutcome {
    assert(this.currentRole === 'leader', () => `${this.name}: broker ${this.brokerId} appends, not leading`);
    const batch = this.log.append({ ...input, leaderEpoch: this.epoch });
    this.producerState.update(batch);
    return { batch, highWatermarkChanged: this.maybeIncrementHighWatermark(nowUs) };
  }

  /** A follower's fetch: read, then record its position (ReplicaManager.fetchMessages). */
  handleFollowerFetch(replicaId: number, request: FetchPartitionRequest, nowUs: number): LeaderFetchOutcome {
    const leaderLogEndOffset = this.log.logEndOffset;
    const response = this.readForFollower(request);
    if (response.error !== ErrorCode.NONE || response.divergingEpoch !== undefined) {
      return { response, highWatermarkChanged: false };
    }
    const previousOffset = this.isrState.follower(replicaId)?.logEndOffset;
    if (!this.isrState.recordFetch(replicaId, request.fetchOffset, nowUs, leaderLogEndOffset)) {
      // ReplicaManager.updateFollowerFetchState: an unknown replica gets no records.
      return { response: { ...response, batches: [] }, highWatermarkChanged: false };
    }
    const isrChange = this.maybeExpandIsr(replicaId);
    const moved = previousOffset !== request.fetchOffset;
    const highWatermarkChanged = moved && this.maybeIncrementHighWatermark(nowUs);
    return isrChange === undefined
      ? { response, highWatermarkChanged }
      : { response, highWatermarkChanged, isrChange };
  }

  /** The read half of a follower fetch, e.g. again when a long poll completes (leader-read.ts). */
  readForFollower(request: FetchPartitionRequest): ReplicaFetchPartitionResponse { return readForFollower(this, request); }
  readForConsumer(request: FetchPartitionRequest): ReplicaFetchPartitionResponse { return readForConsumer(this, request); }
  answerEpochQuery(query: EpochQueryEntry): EpochAnswerEntry { return answerEpochQuery(this, query); }

  /** Partition.getOutOfSyncReplicas: ISR members behind for longer than replica.lag.time.max.ms. */
  outOfSyncReplicas(nowUs: number): number[] {
    if (this.currentRole !== 'leader') return [];
    return this.isrState.outOfSync(this.log.logEndOffset, nowUs, this.maxLagUs());
  }

  /** Partition.maybeShrinkIsr: a proposal without the out-of-sync members, if any. */
  maybeShrinkIsr(nowUs: number): IsrChangeProposal | undefined {
    const outOfSync = this.outOfSyncReplicas(nowUs);
    if (outOfSync.length === 0) return undefined;
    const newIsr = this.isrState.isr.filter((id) => !outOfSync.includes(id));
    return this.isrState.propose('shrink', newIsr, this.proposalContext());
  }

  /** The proposal committed; ignored if replaced, or if the answer's epoch or version is stale. */
  completeIsrChange(proposalId: number, result: IsrChangeResult, nowUs: number): IsrChangeOutcome {
    const stale = result.leaderEpoch !== this.epoch || result.zkVersion <= this.zkVersionValue;
    if (stale || !this.isrState.commit(proposalId, result.isr)) {
      return { applied: false, highWatermarkChanged: false };
    }
    this.zkVersionValue = result.zkVersion;
    return { applied: true, highWatermarkChanged: this.maybeIncrementHighWatermark(nowUs) };
  }

  /** A ZooKeeper ISR write that failed its version check: nothing changes (AlterIsr errors keep it). */
  abandonIsrChange(proposalId: number): boolean {
    return this.isrState.abandon(proposalId);
  }

  /** The follower's next OffsetsForLeaderEpoch entry, while its fetcher is truncating. */
  epochQuery(): EpochQueryEntry | undefined {
    const query = this.currentRole === 'follower' ? this.fetcher.epochQuery(this) : undefined;
    return query === undefined ? undefined : { partition: this.name, ...query };
  }

  /** The follower's next fetch entry, while its fetcher is fetching. */
  fetchRequest(maxBytes: number): FetchPartitionRequest | undefined {
    const position = this.currentRole === 'follower' ? this.fetcher.fetchPosition(this) : undefined;
    return position === undefined ? undefined : { partition: this.name, ...position, maxBytes };
  }

  /** An OffsetsForLeaderEpoch answer from broker `from` (answers from a former leader are dropped). */
  handleEpochAnswer(from: number, sent: EpochQueryEntry, answer: EpochAnswerEntry): FollowerOutcome {
    if (this.currentRole !== 'follower') return { kind: 'ignore' };
    return this.applyStep(this.fetcher.onEpochAnswer(from, sent, answer, this));
  }

  /** A fetch answer from broker `from`: ReplicaFetcherThread.processPartitionData or error handling. */
  handleFetchAnswer(
    from: number,
    sent: FetchPartitionRequest,
    answer: ReplicaFetchPartitionResponse,
    nowUs: number,
  ): FollowerOutcome {
    if (this.currentRole !== 'follower') return { kind: 'ignore' };
    const step = this.fetcher.onFetchAnswer(from, sent, answer, this);
    return step.kind === 'append' ? this.appendFetched(answer, nowUs) : this.applyStep(step);
  }

  private applyStep(step: FetcherStep): FollowerOutcome {
    if (step.kind === 'truncate') return { kind: 'truncated', truncation: this.truncate(step.truncateTo) };
    assert(step.kind !== 'append', `${this.name}: an epoch answer cannot append`);
    return step;
  }

  private appendFetched(answer: ReplicaFetchPartitionResponse, nowUs: number): FollowerOutcome {
    const batches = answer.batches.map((wire) => {
      // Field by field: a spread of the wire batch (the leader's stored batch) costs several
      // times more, on one of the hottest paths.
      const stored = this.log.appendAsFollower({
        baseOffset: wire.baseOffset,
        lastOffset: wire.baseOffset + wire.recordCount - 1,
        recordCount: wire.recordCount,
        leaderEpoch: wire.leaderEpoch,
        producerId: wire.producerId,
        producerEpoch: wire.producerEpoch,
        baseSequence: wire.baseSequence,
        sizeBytes: wire.sizeBytes,
        appendTimeUs: nowUs,
        maxTimestampUs: wire.createTimeUs,
        payload: wire.payload,
      });
      this.producerState.update(stored);
      return stored;
    });
    const before = this.hw;
    this.hw = clamp(answer.highWatermark, this.log.logStartOffset, this.log.logEndOffset);
    // The follower's log start follows the leader's, never past what it knows to be committed.
    const newStart = Math.min(answer.logStartOffset, this.hw);
    if (newStart > this.log.logStartOffset) this.log.advanceLogStartOffset(newStart);
    return { kind: 'appended', batches, highWatermarkChanged: this.hw !== before };
  }

  private truncate(target: TruncateTo): TruncationRecord<BatchPayload> {
    const record = truncateLog(this.log, this.producerState, target, this.partitionConfig.replicationProtocol);
    this.hw = clamp(this.hw, this.log.logStartOffset, this.log.logEndOffset);
    return record;
  }

  private maybeIncrementHighWatermark(nowUs: number): boolean {
    if (this.currentRole !== 'leader') return false;
    const bound = this.isrState.highWatermarkBound(this.log.logEndOffset, nowUs, this.maxLagUs());
    if (bound <= this.hw) return false;
    this.hw = bound;
    return true;
  }

  /** Partition.isFollowerAtHighwatermark on an assigned follower outside the ISR. */
  private maybeExpandIsr(replicaId: number): IsrChangeProposal | undefined {
    if (!this.isrState.canAdd(replicaId) || this.epochStartOffset === undefined) return undefined;
    const followerEnd = this.isrState.follower(replicaId)?.logEndOffset ?? -1;
    if (followerEnd < this.hw || followerEnd < this.epochStartOffset) return undefined;
    return this.isrState.propose('expand', [...this.isrState.isr, replicaId], this.proposalContext());
  }

  private proposalContext(): ProposalContext {
    const { name: partition, brokerId: leaderId, epoch: leaderEpoch } = this;
    const { controllerEpochValue: controllerEpoch, zkVersionValue: zkVersion } = this;
    return { partition, leaderId, leaderEpoch, controllerEpoch, zkVersion };
  }

  private maxLagUs(): number {
    return this.partitionConfig.replicaLagTimeMaxMs * US_PER_MS;
  }
}
