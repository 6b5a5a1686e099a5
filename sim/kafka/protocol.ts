// Kafka's wire protocol as the simulator carries it: request and response shapes (the fields that
// matter for replication, clients and the controller) and the error codes of
// org.apache.kafka.common.protocol.Errors. Messages are plain data, copied by value in spirit:
// no actor may keep a reference into another actor's state through a message.
//
// Every request carries a `correlationId` chosen by the sender, echoed in its response, as in
// Kafka's request header. Sizes for the network model come from `*Bytes` helpers at the bottom:
// a fixed header plus the record bytes carried.
//
// Simplified: one topic-partition per Produce/Fetch entry list is allowed but not required;
// versions, throttling and tagged fields are not modelled.

/** Kafka error codes by name (Errors.java). */
export const ErrorCode = {
  NONE: 'NONE',
  OFFSET_OUT_OF_RANGE: 'OFFSET_OUT_OF_RANGE',
  UNKNOWN_TOPIC_OR_PARTITION: 'UNKNOWN_TOPIC_OR_PARTITION',
  LEADER_NOT_AVAILABLE: 'LEADER_NOT_AVAILABLE',
  NOT_LEADER_OR_FOLLOWER: 'NOT_LEADER_OR_FOLLOWER',
  REQUEST_TIMED_OUT: 'REQUEST_TIMED_OUT',
  NOT_ENOUGH_REPLICAS: 'NOT_ENOUGH_REPLICAS',
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  STALE_CONTROLLER_EPOCH: 'STALE_CONTROLLER_EPOCH',
  FENCED_LEADER_EPOCH: 'FENCED_LEADER_EPOCH',
  UNKNOWN_LEADER_EPOCH: 'UNKNOWN_LEADER_EPOCH',
  OUT_OF_ORDER_SEQUENCE_NUMBER: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
  DUPLICATE_SEQUENCE_NUMBER: 'DUPLICATE_SEQUENCE_NUMBER',
  UNKNOWN_PRODUCER_ID: 'UNKNOWN_PRODUCER_ID',
  INVALID_PRODUCER_EPOCH: 'INVALID_PRODUCER_EPOCH',
  COORDINATOR_NOT_AVAILABLE: 'COORDINATOR_NOT_AVAILABLE',
  NOT_COORDINATOR: 'NOT_COORDINATOR',
  COORDINATOR_LOAD_IN_PROGRESS: 'COORDINATOR_LOAD_IN_PROGRESS',
  ILLEGAL_GENERATION: 'ILLEGAL_GENERATION',
  UNKNOWN_MEMBER_ID: 'UNKNOWN_MEMBER_ID',
  REBALANCE_IN_PROGRESS: 'REBALANCE_IN_PROGRESS',
  MEMBER_ID_REQUIRED: 'MEMBER_ID_REQUIRED',
  BROKER_NOT_AVAILABLE: 'BROKER_NOT_AVAILABLE',
  INVALID_UPDATE_VERSION: 'INVALID_UPDATE_VERSION',
  OPERATION_NOT_ATTEMPTED: 'OPERATION_NOT_ATTEMPTED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * Errors a producer may retry (RetriableException subclasses). NOT_ENOUGH_REPLICAS_AFTER_APPEND
 * is retriable too, which is why it duplicates without idempotence (FIDELITY A11).
 */
export const RETRIABLE_ERRORS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.NOT_ENOUGH_REPLICAS,
  ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
]);

/** "orders/0": the canonical name of a topic-partition throughout the simulator and trace. */
export type PartitionName = string;

export function partitionName(topic: string, partition: number): PartitionName {
  return `${topic}/${partition}`;
}

export function parsePartitionName(name: PartitionName): { topic: string; partition: number } {
  const slash = name.lastIndexOf('/');
  return { topic: name.slice(0, slash), partition: Number(name.slice(slash + 1)) };
}

/**
 * What a batch carries, for the checker: which producer's records, identified by their position
 * in that producer's per-partition send order. A retried batch carries the same identities, so a
 * duplicate append is visible as the same record at two offsets.
 */
export interface ProducerRecords {
  kind: 'records';
  producer: string;
  /** Index of the first record in the producer's send order to this partition. */
  firstRecord: number;
  count: number;
}

/** A committed consumer offset, stored in __consumer_offsets (GroupMetadataManager). */
export interface OffsetCommitRecord {
  kind: 'offset-commit';
  group: string;
  partition: PartitionName;
  offset: number;
}

/** Group metadata (generation, members, assignment), stored in __consumer_offsets. */
export interface GroupMetadataRecord {
  kind: 'group-metadata';
  group: string;
  generation: number;
  members: string[];
}

export type BatchPayload = ProducerRecords | OffsetCommitRecord | GroupMetadataRecord;

/** A record batch on the wire (offsets assigned by the leader; -1 before). */
export interface WireBatch {
  baseOffset: number;
  recordCount: number;
  leaderEpoch: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  sizeBytes: number;
  createTimeUs: number;
  payload: BatchPayload;
}

// ---- Produce (ProduceRequest / ProduceResponse) ----------------------------------------------

/** One partition's batch in a ProduceRequest, as the partition's leader handles it. */
export interface PartitionProduce {
  acks: 0 | 1 | -1;
  timeoutMs: number;
  partition: PartitionName;
  batch: WireBatch;
}

/**
 * ProduceRequest: a batch for each of its partitions, all led by the broker it goes to (the Sender
 * drains one batch per partition per node). The broker appends them all, then answers once, with
 * one ProduceResponse, when every partition is settled (KafkaApis.handleProduceRequest, one
 * DelayedProduce watching all of them); acks=0 gets no answer.
 */
export interface ProduceRequest {
  type: 'produce';
  correlationId: number;
  acks: 0 | 1 | -1;
  timeoutMs: number;
  partitions: { partition: PartitionName; batch: WireBatch }[];
}

/** One partition's answer. */
export interface PartitionProduceResponse {
  partition: PartitionName;
  error: ErrorCode;
  baseOffset: number;
  /** The leader epoch the append happened in, for the explanation of what became of it. */
  leaderEpoch: number;
}

export interface ProduceResponse {
  type: 'produce-response';
  correlationId: number;
  /** In the request's order. */
  partitions: PartitionProduceResponse[];
}

// ---- Fetch (FetchRequest / FetchResponse), for followers and consumers ------------------------

export interface FetchPartitionRequest {
  partition: PartitionName;
  fetchOffset: number;
  /** KIP-320: the fetcher's view of the leader epoch; -1 to skip fencing (older protocols). */
  currentLeaderEpoch: number;
  /** KIP-320: epoch of the last fetched batch, so the leader can detect divergence. */
  lastFetchedEpoch: number;
  maxBytes: number;
}

export interface FetchRequest {
  type: 'fetch';
  correlationId: number;
  /** Broker id of a follower; -1 for a consumer. */
  replicaId: number;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  partitions: FetchPartitionRequest[];
}

export interface FetchPartitionResponse {
  partition: PartitionName;
  error: ErrorCode;
  highWatermark: number;
  logStartOffset: number;
  /** KIP-320: set when the fetcher's log diverges from the leader's. */
  divergingEpoch?: { epoch: number; endOffset: number };
  batches: readonly WireBatch[];
}

export interface FetchResponse {
  type: 'fetch-response';
  correlationId: number;
  partitions: FetchPartitionResponse[];
}

// ---- OffsetsForLeaderEpoch (KIP-101 / KIP-279) -------------------------------------------------

export interface OffsetsForLeaderEpochRequest {
  type: 'offsets-for-leader-epoch';
  correlationId: number;
  replicaId: number;
  partitions: { partition: PartitionName; currentLeaderEpoch: number; leaderEpoch: number }[];
}

export interface OffsetsForLeaderEpochResponse {
  type: 'offsets-for-leader-epoch-response';
  correlationId: number;
  partitions: { partition: PartitionName; error: ErrorCode; leaderEpoch: number; endOffset: number }[];
}

// ---- Metadata ---------------------------------------------------------------------------------

export interface MetadataRequest {
  type: 'metadata';
  correlationId: number;
  /** null = all topics. */
  topics: string[] | null;
}

export interface PartitionMetadata {
  partition: number;
  error: ErrorCode;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
}

export interface MetadataResponse {
  type: 'metadata-response';
  correlationId: number;
  brokers: { id: number; rack: string }[];
  controllerId: number;
  topics: { name: string; error: ErrorCode; partitions: PartitionMetadata[] }[];
}

// ---- Controller → broker (LeaderAndIsr, UpdateMetadata, StopReplica) ---------------------------

export interface LeaderAndIsrPartitionState {
  partition: PartitionName;
  controllerEpoch: number;
  leader: number;
  leaderEpoch: number;
  isr: number[];
  zkVersion: number;
  replicas: number[];
  isNew: boolean;
}

export interface LeaderAndIsrRequest {
  type: 'leader-and-isr';
  correlationId: number;
  controllerId: number;
  controllerEpoch: number;
  partitions: LeaderAndIsrPartitionState[];
  liveLeaders: { id: number; rack: string }[];
}

export interface UpdateMetadataRequest {
  type: 'update-metadata';
  correlationId: number;
  controllerId: number;
  controllerEpoch: number;
  partitions: LeaderAndIsrPartitionState[];
  liveBrokers: { id: number; rack: string }[];
}

export interface StopReplicaRequest {
  type: 'stop-replica';
  correlationId: number;
  controllerId: number;
  controllerEpoch: number;
  partitions: PartitionName[];
  deletePartitions: boolean;
}

export interface ControllerResponse {
  type: 'leader-and-isr-response' | 'update-metadata-response' | 'stop-replica-response';
  correlationId: number;
  error: ErrorCode;
  partitionErrors: { partition: PartitionName; error: ErrorCode }[];
}

// ---- Broker → controller (ControlledShutdown, AlterIsr / AlterPartition of KIP-497) -----------

export interface ControlledShutdownRequest {
  type: 'controlled-shutdown';
  correlationId: number;
  brokerId: number;
  brokerEpoch: number;
}

export interface ControlledShutdownResponse {
  type: 'controlled-shutdown-response';
  correlationId: number;
  error: ErrorCode;
  remainingPartitions: PartitionName[];
}

export interface AlterIsrRequest {
  type: 'alter-isr';
  correlationId: number;
  brokerId: number;
  brokerEpoch: number;
  partitions: { partition: PartitionName; leaderEpoch: number; newIsr: number[]; zkVersion: number }[];
}

export interface AlterIsrResponse {
  type: 'alter-isr-response';
  correlationId: number;
  error: ErrorCode;
  partitions: {
    partition: PartitionName;
    error: ErrorCode;
    leader: number;
    leaderEpoch: number;
    isr: number[];
    zkVersion: number;
  }[];
}

// ---- InitProducerId (KIP-98 idempotence) -------------------------------------------------------

export interface InitProducerIdRequest {
  type: 'init-producer-id';
  correlationId: number;
}

export interface InitProducerIdResponse {
  type: 'init-producer-id-response';
  correlationId: number;
  error: ErrorCode;
  producerId: number;
  producerEpoch: number;
}

export type KafkaRequest =
  | ProduceRequest
  | FetchRequest
  | OffsetsForLeaderEpochRequest
  | MetadataRequest
  | LeaderAndIsrRequest
  | UpdateMetadataRequest
  | StopReplicaRequest
  | ControlledShutdownRequest
  | AlterIsrRequest
  | InitProducerIdRequest;

export type KafkaResponse =
  | ProduceResponse
  | FetchResponse
  | OffsetsForLeaderEpochResponse
  | MetadataResponse
  | ControllerResponse
  | ControlledShutdownResponse
  | AlterIsrResponse
  | InitProducerIdResponse;

// ---- Sizes on the wire, for the network model --------------------------------------------------

/** Request/response header plus per-partition framing, roughly Kafka's v9+ sizes. */
export const REQUEST_HEADER_BYTES = 64;
export const PARTITION_ENTRY_BYTES = 48;
/** RecordBatch header (61 bytes in the v2 format). */
export const BATCH_HEADER_BYTES = 61;

export function batchesBytes(batches: readonly WireBatch[]): number {
  let total = 0;
  for (const batch of batches) total += batch.sizeBytes;
  return total;
}

// ---- Consumer groups and consumer offsets ------------------------------------------------------
//
// FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit and OffsetFetch (the
// group coordinator's APIs, kafka.coordinator.group.GroupCoordinator), and ListOffsets, which a
// consumer sends to a partition leader for auto.offset.reset. The embedded consumer protocol
// (ConsumerProtocolSubscription / ConsumerProtocolAssignment) travels as plain data rather than
// as opaque bytes. Simplified: one group per request, no static membership (group.instance.id), no
// transactional offsets, ListOffsets by the two special timestamps only (earliest, latest).

/** Group errors that are not in the ErrorCode table above (Errors.java). */
export const GroupErrorCode = {
  INVALID_SESSION_TIMEOUT: 'INVALID_SESSION_TIMEOUT',
  INCONSISTENT_GROUP_PROTOCOL: 'INCONSISTENT_GROUP_PROTOCOL',
  GROUP_ID_NOT_FOUND: 'GROUP_ID_NOT_FOUND',
} as const;
export type GroupErrorCode = (typeof GroupErrorCode)[keyof typeof GroupErrorCode];

/** What a group API answers with. */
export type GroupError = ErrorCode | GroupErrorCode;

/** ConsumerProtocolSubscription (v2): what a member brings to a JoinGroup. */
export interface ConsumerSubscription {
  topics: string[];
  /** KIP-429: partitions the member owns now (cooperative) or owned last (sticky's user data). */
  ownedPartitions: PartitionName[];
  /** The generation `ownedPartitions` belong to (-1: none). */
  generation: number;
}

/** ConsumerProtocolAssignment: what the leader hands one member through SyncGroup. */
export interface ConsumerAssignment {
  partitions: PartitionName[];
}

export interface FindCoordinatorRequest {
  type: 'find-coordinator';
  correlationId: number;
  /** The group id (key type GROUP). */
  key: string;
}

export interface FindCoordinatorResponse {
  type: 'find-coordinator-response';
  correlationId: number;
  error: GroupError;
  /** The coordinator's broker id; -1 with an error. */
  nodeId: number;
}

export interface JoinGroupRequest {
  type: 'join-group';
  correlationId: number;
  groupId: string;
  sessionTimeoutMs: number;
  /** max.poll.interval.ms: how long the coordinator waits for every member to rejoin. */
  rebalanceTimeoutMs: number;
  /** '' for a member joining for the first time (KIP-394 then hands it an id). */
  memberId: string;
  clientId: string;
  protocolType: string;
  /** Assignor names in the member's order of preference, each with the member's subscription. */
  protocols: { name: string; metadata: ConsumerSubscription }[];
}

export interface JoinGroupResponse {
  type: 'join-group-response';
  correlationId: number;
  error: GroupError;
  generationId: number;
  protocolName: string | null;
  leader: string;
  memberId: string;
  /** Every member's subscription for the chosen protocol: only in the leader's response. */
  members: { memberId: string; metadata: ConsumerSubscription }[];
}

export interface SyncGroupRequest {
  type: 'sync-group';
  correlationId: number;
  groupId: string;
  generationId: number;
  memberId: string;
  /** The leader's assignment for every member; empty from the other members. */
  assignments: { memberId: string; assignment: ConsumerAssignment }[];
}

export interface SyncGroupResponse {
  type: 'sync-group-response';
  correlationId: number;
  error: GroupError;
  assignment: ConsumerAssignment;
}

export interface HeartbeatRequest {
  type: 'heartbeat';
  correlationId: number;
  groupId: string;
  generationId: number;
  memberId: string;
}

export interface HeartbeatResponse {
  type: 'heartbeat-response';
  correlationId: number;
  error: GroupError;
}

export interface LeaveGroupRequest {
  type: 'leave-group';
  correlationId: number;
  groupId: string;
  memberId: string;
}

export interface LeaveGroupResponse {
  type: 'leave-group-response';
  correlationId: number;
  error: GroupError;
}

export interface OffsetCommitRequest {
  type: 'offset-commit';
  correlationId: number;
  groupId: string;
  /** -1 with memberId '' for a consumer outside group management (assign()). */
  generationId: number;
  memberId: string;
  offsets: { partition: PartitionName; offset: number }[];
}

export interface OffsetCommitResponse {
  type: 'offset-commit-response';
  correlationId: number;
  partitions: { partition: PartitionName; error: GroupError }[];
}

export interface OffsetFetchRequest {
  type: 'offset-fetch';
  correlationId: number;
  groupId: string;
  partitions: PartitionName[];
}

export interface OffsetFetchResponse {
  type: 'offset-fetch-response';
  correlationId: number;
  error: GroupError;
  /** offset -1: nothing committed for that partition. */
  partitions: { partition: PartitionName; offset: number; error: GroupError }[];
}

/** ListOffsetsRequest's special timestamps (ListOffsetsRequest.EARLIEST_TIMESTAMP / LATEST_TIMESTAMP). */
export const EARLIEST_TIMESTAMP = -2;
export const LATEST_TIMESTAMP = -1;

export interface ListOffsetsRequest {
  type: 'list-offsets';
  correlationId: number;
  /** -1 for a consumer (which is then answered from the high watermark, READ_UNCOMMITTED). */
  replicaId: number;
  partitions: { partition: PartitionName; currentLeaderEpoch: number; timestamp: typeof EARLIEST_TIMESTAMP | typeof LATEST_TIMESTAMP }[];
}

export interface ListOffsetsResponse {
  type: 'list-offsets-response';
  correlationId: number;
  partitions: { partition: PartitionName; error: ErrorCode; offset: number; leaderEpoch: number }[];
}

/** Requests a broker's group coordinator or consumer-facing APIs handle. */
export type GroupRequest =
  | FindCoordinatorRequest
  | JoinGroupRequest
  | SyncGroupRequest
  | HeartbeatRequest
  | LeaveGroupRequest
  | OffsetCommitRequest
  | OffsetFetchRequest
  | ListOffsetsRequest;

export type GroupResponse =
  | FindCoordinatorResponse
  | JoinGroupResponse
  | SyncGroupResponse
  | HeartbeatResponse
  | LeaveGroupResponse
  | OffsetCommitResponse
  | OffsetFetchResponse
  | ListOffsetsResponse;

const GROUP_REQUEST_TYPES: ReadonlySet<string> = new Set<GroupRequest['type']>([
  'find-coordinator',
  'join-group',
  'sync-group',
  'heartbeat',
  'leave-group',
  'offset-commit',
  'offset-fetch',
  'list-offsets',
]);

export function isGroupRequest(message: unknown): message is GroupRequest {
  const type = (message as { type?: unknown } | null)?.type;
  return typeof type === 'string' && GROUP_REQUEST_TYPES.has(type);
}

/**
 * The group metadata record as the coordinator stores it (GroupMetadataManager's group metadata
 * value): the GroupMetadataRecord fields plus what a coordinator taking over needs to carry on
 * without a rebalance — the protocol, the leader, and each member's subscription and assignment.
 */
export interface StoredGroupMetadata extends GroupMetadataRecord {
  protocolType: string;
  protocolName: string | null;
  leader: string | null;
  memberStates: {
    memberId: string;
    clientId: string;
    sessionTimeoutMs: number;
    rebalanceTimeoutMs: number;
    subscription: ConsumerSubscription;
    assignment: ConsumerAssignment;
  }[];
}

/** Bytes of a group request or response on the wire: a header plus one entry per partition or member. */
export function groupMessageBytes(entries: number): number {
  return REQUEST_HEADER_BYTES + PARTITION_ENTRY_BYTES * entries;
}
