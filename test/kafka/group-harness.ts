// A group coordinator on one simulated broker machine, over an in-memory __consumer_offsets, for
// testing the coordinator's state machine request by request (no network, no replication): the
// test's hands send JoinGroup … OffsetFetch and read the answers; the fake log decides how long an
// append takes to "replicate" and whether it fails.

import type { ActorContext } from '../../sim/hw/actor.ts';
import { GroupCoordinator, groupCoordinatorConfig, type CoordinatorRequest, type GroupBrokerConfig } from '../../sim/kafka/group-coordinator.ts';
import type { OffsetsLog, OffsetsReplica } from '../../sim/kafka/offsets-topic.ts';
import {
  ErrorCode,
  type BatchPayload,
  type ConsumerSubscription,
  type GroupResponse,
  type HeartbeatResponse,
  type JoinGroupRequest,
  type JoinGroupResponse,
  type OffsetCommitResponse,
  type OffsetFetchResponse,
  type SyncGroupResponse,
} from '../../sim/kafka/protocol.ts';
import { ScriptedActor, buildWorld, type TestWorld } from '../hw/harness.ts';

export const GROUP = 'billing';

/** A coordinator request as the harness takes it: the correlation id is added for you. */
type Unnumbered<T> = T extends unknown ? Omit<T, 'correlationId'> : never;

/** __consumer_offsets as a list of batches per partition, led here or not. */
export class FakeOffsetsLog implements OffsetsLog {
  readonly batches = new Map<number, { sizeBytes: number; payload: BatchPayload }[]>();
  readonly leading = new Set<number>();
  appendError: ErrorCode = ErrorCode.NONE;
  appendDelayUs = 2000;

  constructor(private readonly ctx: ActorContext) {}

  replica(index: number): OffsetsReplica | undefined {
    if (!this.leading.has(index) && !this.batches.has(index)) return undefined;
    return { isLeader: this.leading.has(index), leaderEpoch: 0, log: { batches: () => this.batches.get(index) ?? [] } };
  }

  append(index: number, payload: BatchPayload, sizeBytes: number, done: (error: ErrorCode) => void): void {
    const error = this.appendError;
    if (error !== ErrorCode.NOT_LEADER_OR_FOLLOWER) {
      const list = this.batches.get(index) ?? [];
      list.push({ sizeBytes, payload });
      this.batches.set(index, list);
    }
    this.ctx.setTimer(this.appendDelayUs, () => done(error));
  }
}

/** Collects the answers to one request. */
export class Answer<T extends GroupResponse> {
  readonly responses: T[] = [];
  atUs = -1;

  get value(): T | undefined {
    return this.responses[0];
  }
}

export class CoordinatorHarness {
  readonly test: TestWorld;
  coordinator!: GroupCoordinator;
  log!: FakeOffsetsLog;
  private correlationId = 0;

  constructor(config: GroupBrokerConfig = {}, partitions = 50) {
    const actor = new ScriptedActor({
      onStart: (ctx) => {
        this.log = new FakeOffsetsLog(ctx);
        this.coordinator = new GroupCoordinator(ctx, 1, groupCoordinatorConfig({ 'offsets.topic.num.partitions': partitions, ...config }), this.log);
      },
    });
    this.test = buildWorld([{ id: 'broker-1', actor }]);
  }

  get nowUs(): number {
    return this.test.scheduler.now;
  }

  /** Lead every offsets partition and load them (instantly, they are empty). */
  leadAll(): this {
    for (let index = 0; index < this.coordinator.manager.partitionCount; index++) this.log.leading.add(index);
    this.coordinator.onLeadershipChanges();
    this.runFor(10_000);
    return this;
  }

  runFor(us: number): this {
    this.test.scheduler.runUntil(this.test.scheduler.now + us);
    return this;
  }

  send<T extends GroupResponse>(request: Unnumbered<CoordinatorRequest>): Answer<T> {
    const answer = new Answer<T>();
    const full = { ...request, correlationId: ++this.correlationId } as CoordinatorRequest;
    this.coordinator.handle(full, (response) => {
      answer.responses.push(response as T);
      answer.atUs = this.nowUs;
    });
    return answer;
  }

  join(memberId: string, options: { topics?: string[]; owned?: string[]; protocols?: string[]; sessionTimeoutMs?: number; rebalanceTimeoutMs?: number } = {}): Answer<JoinGroupResponse> {
    const metadata: ConsumerSubscription = { topics: options.topics ?? ['orders'], ownedPartitions: options.owned ?? [], generation: -1 };
    const request: Omit<JoinGroupRequest, 'correlationId'> = {
      type: 'join-group',
      groupId: GROUP,
      sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000,
      rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 30_000,
      memberId,
      clientId: 'consumer',
      protocolType: 'consumer',
      protocols: (options.protocols ?? ['range']).map((name) => ({ name, metadata })),
    };
    return this.send<JoinGroupResponse>(request);
  }

  /** JoinGroup twice (KIP-394): returns the member id handed out and the pending second join. */
  newMember(options: Parameters<CoordinatorHarness['join']>[1] = {}): { memberId: string; join: Answer<JoinGroupResponse> } {
    const first = this.join('', options).value;
    if (first?.error !== ErrorCode.MEMBER_ID_REQUIRED) throw new Error(`expected MEMBER_ID_REQUIRED, got ${first?.error}`);
    return { memberId: first.memberId, join: this.join(first.memberId, options) };
  }

  sync(memberId: string, generationId: number, assignments: Record<string, string[]> = {}): Answer<SyncGroupResponse> {
    return this.send<SyncGroupResponse>({
      type: 'sync-group',
      groupId: GROUP,
      generationId,
      memberId,
      assignments: Object.entries(assignments).map(([id, partitions]) => ({ memberId: id, assignment: { partitions } })),
    });
  }

  heartbeat(memberId: string, generationId: number): Answer<HeartbeatResponse> {
    return this.send<HeartbeatResponse>({ type: 'heartbeat', groupId: GROUP, generationId, memberId });
  }

  commit(memberId: string, generationId: number, offsets: Record<string, number>): Answer<OffsetCommitResponse> {
    return this.send<OffsetCommitResponse>({
      type: 'offset-commit',
      groupId: GROUP,
      generationId,
      memberId,
      offsets: Object.entries(offsets).map(([partition, offset]) => ({ partition, offset })),
    });
  }

  fetchOffsets(partitions: string[]): Answer<OffsetFetchResponse> {
    return this.send<OffsetFetchResponse>({ type: 'offset-fetch', groupId: GROUP, partitions });
  }

  /** The `group-state` events so far, as "State@generation". */
  states(): string[] {
    return this.test.sink.events.filter((event) => event.k === 'group-state').map((event) => `${String(event.state)}@${String(event.generation)}`);
  }
}
