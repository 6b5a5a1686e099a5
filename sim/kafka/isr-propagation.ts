// How a leader's own ISR changes (shrink for a lagging follower, expand for one that caught up)
// become the partition's ISR: `isr.propagation` selects the mechanism of the Kafka era.
//
// - `alter-isr` (KIP-497, Kafka 2.7+; AlterIsrManager): the leader sends the proposed ISR, with its
//   leader epoch and the state's zkVersion, to the controller in an AlterIsr request, batching the
//   changes made while one request is in flight; the controller writes ZooKeeper and answers with
//   the committed state. Errors (a stale epoch or version) drop the proposal — the next ISR check
//   proposes again; a failed request (controller unknown, moved, unreachable) is retried after
//   50 ms, so a leader cut off from the controller keeps its ISR unchanged.
// - `zookeeper` (before 2.7; Partition.updateIsr, ReplicaManager.recordIsrChange): the leader
//   writes the state znode itself with a version check, then records the partition for the
//   isr_change_notification it writes later: the change set is checked every 2.5 s and written
//   once no change came for 5 s, or at least every 60 s (FIDELITY B8), so the controller and the
//   other brokers learn of ISR changes seconds late. A leader cut off from ZooKeeper cannot
//   change the ISR: its write waits for the connection.

import type { ActorContext } from '../hw/actor.ts';
import { brokerNodeId } from './broker-config.ts';
import type { IsrChangeProposal, IsrChangeResult } from './isr-state.ts';
import type { KafkaZkClient } from './kafka-zk-client.ts';
import { conditionalUpdatePartitionState, createIsrChangeNotification } from './kafka-zk-ops.ts';
import type { NetworkClient } from './network-client.ts';
import { ErrorCode, PARTITION_ENTRY_BYTES, REQUEST_HEADER_BYTES, type AlterIsrRequest, type AlterIsrResponse, type PartitionName } from './protocol.ts';
import { runTask } from './task.ts';

/** Pause before resending AlterIsr after a failed request (AlterIsrManager's 50 ms schedule). */
export const ALTER_ISR_RETRY_US = 50_000;
/** ReplicaManager.IsrChangePropagationBlackOut, IsrChangePropagationInterval, and the check period. */
export const ISR_CHANGE_BLACKOUT_US = 5_000_000;
export const ISR_CHANGE_MAX_DELAY_US = 60_000_000;
export const ISR_CHANGE_CHECK_US = 2_500_000;

export interface IsrPropagationHooks {
  committed(proposal: IsrChangeProposal, result: IsrChangeResult): void;
  rejected(proposal: IsrChangeProposal, error: ErrorCode): void;
}

export interface IsrPropagation {
  submit(proposal: IsrChangeProposal): void;
}

export interface ControllerLink {
  /** The controller as this broker's metadata cache knows it (-1: unknown). */
  controllerId(): number;
  brokerEpoch(): number;
}

export class AlterIsrManager implements IsrPropagation {
  private readonly unsent = new Map<PartitionName, IsrChangeProposal>();
  private inFlight = false;
  private retryScheduled = false;

  constructor(
    private readonly ctx: ActorContext,
    private readonly brokerId: number,
    private readonly network: NetworkClient,
    private readonly controller: ControllerLink,
    private readonly hooks: IsrPropagationHooks,
    private readonly timeoutMs: number,
  ) {}

  submit(proposal: IsrChangeProposal): void {
    this.unsent.set(proposal.partition, proposal);
    this.maybeSend();
  }

  private maybeSend(): void {
    if (this.inFlight || this.retryScheduled || this.unsent.size === 0) return;
    const controllerId = this.controller.controllerId();
    if (controllerId < 0) {
      this.retryLater();
      return;
    }
    const sent = [...this.unsent.values()];
    this.unsent.clear();
    this.inFlight = true;
    const request: AlterIsrRequest = {
      type: 'alter-isr',
      correlationId: this.network.correlationId(),
      brokerId: this.brokerId,
      brokerEpoch: this.controller.brokerEpoch(),
      partitions: sent.map((p) => ({ partition: p.partition, leaderEpoch: p.leaderEpoch, newIsr: [...p.newIsr], zkVersion: p.zkVersion })),
    };
    const onResponse = (response: AlterIsrResponse): void => this.handleResponse(sent, response);
    const size = REQUEST_HEADER_BYTES + PARTITION_ENTRY_BYTES * sent.length;
    this.network.send(brokerNodeId(controllerId), request, size, this.timeoutMs, onResponse, () => this.requeue(sent));
  }

  private handleResponse(sent: readonly IsrChangeProposal[], response: AlterIsrResponse): void {
    if (response.error !== ErrorCode.NONE) {
      this.requeue(sent);
      return;
    }
    this.inFlight = false;
    const byName = new Map(sent.map((proposal) => [proposal.partition, proposal]));
    for (const entry of response.partitions) {
      const proposal = byName.get(entry.partition);
      if (proposal === undefined) continue;
      if (entry.error === ErrorCode.NONE) {
        this.hooks.committed(proposal, { leaderEpoch: entry.leaderEpoch, isr: entry.isr, zkVersion: entry.zkVersion });
      } else {
        this.hooks.rejected(proposal, entry.error);
      }
    }
    this.maybeSend();
  }

  /** The request failed as a whole: send the same changes again, unless newer ones replaced them. */
  private requeue(sent: readonly IsrChangeProposal[]): void {
    this.inFlight = false;
    for (const proposal of sent) if (!this.unsent.has(proposal.partition)) this.unsent.set(proposal.partition, proposal);
    this.retryLater();
  }

  private retryLater(): void {
    if (this.retryScheduled) return;
    this.retryScheduled = true;
    this.ctx.setTimer(ALTER_ISR_RETRY_US, () => {
      this.retryScheduled = false;
      this.maybeSend();
    });
  }
}

export class ZkIsrManager implements IsrPropagation {
  private readonly changed = new Set<PartitionName>();
  private lastChangeUs = 0;
  private lastPropagationUs = 0;

  constructor(
    private readonly ctx: ActorContext,
    private readonly zk: KafkaZkClient,
    private readonly hooks: IsrPropagationHooks,
    private readonly alive: () => boolean,
  ) {
    this.lastPropagationUs = ctx.now;
    this.scheduleCheck();
  }

  submit(proposal: IsrChangeProposal): void {
    const state = { leader: proposal.leaderId, leaderEpoch: proposal.leaderEpoch, isr: proposal.newIsr, zkVersion: proposal.zkVersion };
    runTask(
      conditionalUpdatePartitionState(this.zk, proposal.partition, state, proposal.controllerEpoch),
      (zkVersion) => {
        if (zkVersion === null) {
          this.hooks.rejected(proposal, ErrorCode.INVALID_UPDATE_VERSION);
          return;
        }
        this.hooks.committed(proposal, { leaderEpoch: proposal.leaderEpoch, isr: proposal.newIsr, zkVersion });
        this.changed.add(proposal.partition);
        this.lastChangeUs = this.ctx.now;
      },
      this.alive,
      () => this.hooks.rejected(proposal, ErrorCode.INVALID_UPDATE_VERSION),
    );
  }

  /** ReplicaManager.maybePropagateIsrChanges, every 2.5 s. */
  private scheduleCheck(): void {
    this.ctx.setTimer(ISR_CHANGE_CHECK_US, () => {
      const now = this.ctx.now;
      const quiet = this.lastChangeUs + ISR_CHANGE_BLACKOUT_US < now;
      const overdue = this.lastPropagationUs + ISR_CHANGE_MAX_DELAY_US < now;
      if (this.changed.size > 0 && (quiet || overdue)) {
        const partitions = [...this.changed];
        this.changed.clear();
        this.lastPropagationUs = now;
        runTask(createIsrChangeNotification(this.zk, partitions), () => undefined, this.alive);
      }
      this.scheduleCheck();
    });
  }
}
