// How the controller talks to brokers: kafka.controller.ControllerChannelManager and
// ControllerBrokerRequestBatch (Kafka 2.8).
//
// One queue per live broker, served by its RequestSendThread: one request in flight at a time;
// when the send fails (connection reset, or no response within `controller.socket.timeout.ms`)
// the thread closes the connection, backs off 100 ms and sends the same request again, until the
// broker is removed from the controller's view (it died) — so a broker that is slow or cut off
// holds up only its own queue. Requests are never dropped while the broker counts as live.
//
// A batch collects, during one controller event, the LeaderAndIsr entries per broker, the
// partitions and brokers for UpdateMetadata, and StopReplica entries, then sends one request of
// each kind per broker: the per-event batching that makes a 1,000-partition failover one
// LeaderAndIsr per broker rather than a thousand.

import { assert } from '../core/assert.ts';
import type { ActorContext } from '../hw/actor.ts';
import { brokerNodeId } from './broker-config.ts';
import type { ControllerContext } from './controller-context.ts';
import type { NetworkClient } from './network-client.ts';
import {
  PARTITION_ENTRY_BYTES,
  REQUEST_HEADER_BYTES,
  type ControllerResponse,
  type LeaderAndIsrPartitionState,
  type PartitionName,
} from './protocol.ts';

/** RequestSendThread's pause before resending after a failure. */
export const CONTROLLER_RETRY_BACKOFF_US = 100_000;
/** Requests queued for one broker; more means the controller outruns a broker without bound. */
export const MAX_CONTROLLER_QUEUE = 100_000;

type ControllerRequestBody =
  | { type: 'leader-and-isr'; partitions: LeaderAndIsrPartitionState[]; liveLeaders: { id: number; rack: string }[] }
  | { type: 'update-metadata'; partitions: LeaderAndIsrPartitionState[]; liveBrokers: { id: number; rack: string }[] }
  | { type: 'stop-replica'; partitions: PartitionName[]; deletePartitions: boolean };

interface BrokerQueue {
  readonly brokerId: number;
  readonly queue: ControllerRequestBody[];
  sending: boolean;
  /** Correlation id of the request in flight, or -1. */
  inFlight: number;
}

export class ControllerChannelManager {
  private readonly queues = new Map<number, BrokerQueue>();
  private stopped = false;

  constructor(
    private readonly ctx: ActorContext,
    private readonly network: NetworkClient,
    private readonly controllerId: number,
    private readonly controllerEpoch: number,
    private readonly socketTimeoutMs: number,
  ) {}

  addBroker(brokerId: number): void {
    if (!this.queues.has(brokerId)) this.queues.set(brokerId, { brokerId, queue: [], sending: false, inFlight: -1 });
  }

  /** The broker left the controller's view: its queue and its request in flight are dropped. */
  removeBroker(brokerId: number): void {
    const entry = this.queues.get(brokerId);
    if (entry === undefined) return;
    this.queues.delete(brokerId);
    if (entry.inFlight >= 0) this.network.forget(entry.inFlight);
  }

  /** The controller resigned: nothing more is sent and nothing in flight is retried. */
  shutdown(): void {
    for (const brokerId of [...this.queues.keys()]) this.removeBroker(brokerId);
    this.stopped = true;
  }

  enqueue(brokerId: number, body: ControllerRequestBody): void {
    const entry = this.queues.get(brokerId);
    if (entry === undefined || this.stopped) return;
    assert(entry.queue.length < MAX_CONTROLLER_QUEUE, () => `controller: more than ${MAX_CONTROLLER_QUEUE} requests queued for broker ${brokerId}`);
    entry.queue.push(body);
    if (!entry.sending) this.sendNext(entry);
  }

  private sendNext(entry: BrokerQueue): void {
    const body = entry.queue[0];
    if (body === undefined || this.queues.get(entry.brokerId) !== entry) {
      entry.sending = false;
      return;
    }
    entry.sending = true;
    const request = {
      ...body,
      correlationId: this.network.correlationId(),
      controllerId: this.controllerId,
      controllerEpoch: this.controllerEpoch,
    };
    const entries = body.partitions.length + (body.type === 'stop-replica' ? 0 : this.brokerCount(body));
    entry.inFlight = request.correlationId;
    this.network.send<ControllerResponse>(
      brokerNodeId(entry.brokerId),
      request,
      REQUEST_HEADER_BYTES + PARTITION_ENTRY_BYTES * entries,
      this.socketTimeoutMs,
      () => {
        entry.inFlight = -1;
        entry.queue.shift();
        this.sendNext(entry);
      },
      () => {
        entry.inFlight = -1;
        this.ctx.setTimer(CONTROLLER_RETRY_BACKOFF_US, () => this.sendNext(entry));
      },
    );
  }

  private brokerCount(body: ControllerRequestBody): number {
    return body.type === 'leader-and-isr' ? body.liveLeaders.length : body.type === 'update-metadata' ? body.liveBrokers.length : 0;
  }
}

/** ControllerBrokerRequestBatch: what one controller event sends, grouped per broker. */
export class ControllerRequestBatch {
  private readonly leaderAndIsr = new Map<number, Map<PartitionName, LeaderAndIsrPartitionState>>();
  private readonly updateMetadataBrokers = new Set<number>();
  private readonly updateMetadataPartitions = new Set<PartitionName>();
  private readonly stopReplica = new Map<number, PartitionName[]>();

  constructor(private readonly context: ControllerContext) {}

  /** addLeaderAndIsrRequestForBrokers: also queues UpdateMetadata of the partition for every broker. */
  addLeaderAndIsr(brokerIds: readonly number[], partition: PartitionName, isNew: boolean): void {
    const state = this.partitionState(partition, isNew);
    for (const brokerId of brokerIds) {
      if (brokerId < 0) continue;
      let perBroker = this.leaderAndIsr.get(brokerId);
      if (perBroker === undefined) this.leaderAndIsr.set(brokerId, (perBroker = new Map()));
      perBroker.set(partition, state);
    }
    this.addUpdateMetadata(this.context.liveOrShuttingDownBrokers().map((broker) => broker.id), [partition]);
  }

  /** addUpdateMetadataRequestForBrokers: these brokers get these partitions' states (and the broker list). */
  addUpdateMetadata(brokerIds: readonly number[], partitions: readonly PartitionName[]): void {
    for (const brokerId of brokerIds) if (brokerId >= 0) this.updateMetadataBrokers.add(brokerId);
    for (const partition of partitions) this.updateMetadataPartitions.add(partition);
  }

  addStopReplica(brokerIds: readonly number[], partition: PartitionName): void {
    for (const brokerId of brokerIds) {
      let perBroker = this.stopReplica.get(brokerId);
      if (perBroker === undefined) this.stopReplica.set(brokerId, (perBroker = []));
      if (!perBroker.includes(partition)) perBroker.push(partition);
    }
  }

  get isEmpty(): boolean {
    return this.leaderAndIsr.size === 0 && this.updateMetadataBrokers.size === 0 && this.stopReplica.size === 0;
  }

  /** sendRequestsToBrokers: LeaderAndIsr first, then UpdateMetadata, then StopReplica, per broker. */
  send(channel: ControllerChannelManager): void {
    const brokers = this.context.liveOrShuttingDownBrokers().map((broker) => ({ id: broker.id, rack: broker.rack ?? '' }));
    for (const [brokerId, states] of this.leaderAndIsr) {
      const partitions = [...states.values()];
      const leaders = new Set(partitions.map((state) => state.leader));
      channel.enqueue(brokerId, { type: 'leader-and-isr', partitions, liveLeaders: brokers.filter((broker) => leaders.has(broker.id)) });
    }
    const metadata = [...this.updateMetadataPartitions]
      .map((name) => this.partitionStateIfKnown(name))
      .filter((state): state is LeaderAndIsrPartitionState => state !== undefined);
    for (const brokerId of this.updateMetadataBrokers) {
      channel.enqueue(brokerId, { type: 'update-metadata', partitions: metadata, liveBrokers: brokers });
    }
    for (const [brokerId, partitions] of this.stopReplica) {
      channel.enqueue(brokerId, { type: 'stop-replica', partitions, deletePartitions: false });
    }
  }

  private partitionState(name: PartitionName, isNew: boolean): LeaderAndIsrPartitionState {
    const state = this.partitionStateIfKnown(name, isNew);
    assert(state !== undefined, () => `controller: LeaderAndIsr for ${name}, whose state is unknown`);
    return state;
  }

  private partitionStateIfKnown(name: PartitionName, isNew = false): LeaderAndIsrPartitionState | undefined {
    const partition = this.context.partition(name);
    const state = partition?.state;
    if (partition === undefined || state === undefined) return undefined;
    return {
      partition: name,
      controllerEpoch: state.controllerEpoch,
      leader: state.leader,
      leaderEpoch: state.leaderEpoch,
      isr: [...state.isr],
      zkVersion: state.zkVersion,
      replicas: [...partition.replicas],
      isNew,
    };
  }
}
