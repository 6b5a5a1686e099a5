// Consumer groups on the real cluster (test/kafka/cluster-builder.ts with the group coordinator
// plugin on every broker), fed by a real producer, and checked by the real history checker:
//
//   const run = GroupWorld.build({ partitions: 3, group: { members: 2, commit: 'sync' } });
//   run.cluster.runFor('20s');
//   run.member(0).crash();
//   const report = run.check();   // report.groups[0].lost, .duplicates …

import { checkRun, type CheckReport } from '../../sim/check/checkers.ts';
import { replicaFinalLog, producerHistoryInput, type PartitionFinalState } from '../../sim/check/check-input.ts';
import type { ConsumerGroupSpec } from '../../sim/clients/consumer-config.ts';
import { Consumer, consumerGroup, consumerGroupHistory } from '../../sim/clients/consumer.ts';
import type { LoadSpec } from '../../sim/clients/load.ts';
import { Producer } from '../../sim/clients/producer.ts';
import { brokerNodeId, type KafkaBrokerConfig } from '../../sim/kafka/broker-config.ts';
import { groupCoordinatorPlugin } from '../../sim/kafka/group-apis.ts';
import type { GroupBrokerConfig } from '../../sim/kafka/group-coordinator.ts';
import type { DetailLevel } from '../../sim/core/trace.ts';
import { ClusterWorld, type Duration } from '../kafka/cluster-builder.ts';

export const TOPIC = 'orders';

export interface GroupWorldOptions {
  readonly seed?: number;
  readonly detail?: DetailLevel;
  readonly brokers?: number;
  readonly partitions?: number;
  readonly config?: Partial<KafkaBrokerConfig>;
  readonly groupConfig?: GroupBrokerConfig;
  /** Records per second the producer sends (0: no producer). */
  readonly rate?: number;
  readonly producerConfig?: Record<string, unknown>;
  readonly group?: Partial<Omit<ConsumerGroupSpec, 'config'>> & { readonly config?: ConsumerGroupSpec['config'] };
}

/** Handles on one member's process. */
export class MemberHandle {
  constructor(
    private readonly run: GroupWorld,
    readonly consumer: Consumer,
  ) {}

  crash(): this {
    this.run.cluster.world.crash(this.consumer.nodeId);
    return this;
  }

  restart(): this {
    this.run.cluster.world.restart(this.consumer.nodeId);
    return this;
  }

  get isUp(): boolean {
    return this.run.cluster.world.machine(this.consumer.nodeId).state === 'up';
  }
}

export class GroupWorld {
  readonly members: Consumer[];
  readonly producer: Producer | null;

  private constructor(
    readonly cluster: ClusterWorld,
    readonly spec: ConsumerGroupSpec,
    readonly partitions: number,
    producer: Producer | null,
  ) {
    this.producer = producer;
    this.members = consumerGroup(spec, { bootstrap: cluster.brokerIds().map(brokerNodeId), exit: (node) => cluster.world.stop(node) });
    for (const member of this.members) {
      cluster.world.addMachine({ id: member.nodeId, rack: 'r1', actor: member });
      cluster.world.start(member.nodeId);
    }
  }

  static build(options: GroupWorldOptions = {}): GroupWorld {
    const partitions = options.partitions ?? 3;
    const cluster = ClusterWorld.build({
      seed: options.seed ?? 1,
      brokers: options.brokers ?? 3,
      sessionTimeoutMs: 6000,
      detail: options.detail ?? 'standard',
      config: options.config ?? {},
      plugins: [groupCoordinatorPlugin(options.groupConfig ?? {})],
    });
    cluster.runFor('3s');
    cluster.createTopic({ name: TOPIC, partitions, replicationFactor: Math.min(3, options.brokers ?? 3) });
    const startUs = cluster.nowUs;
    const rate = options.rate ?? 1000;
    let producer: Producer | null = null;
    if (rate > 0) {
      const load: LoadSpec = { topic: TOPIC, rate: { kind: 'fixed', recordsPerSecond: rate }, messageBytes: 100, keys: { count: 1000, distribution: 'uniform' }, partition: null, startUs, stopUs: Number.MAX_SAFE_INTEGER };
      producer = new Producer({ name: 'p1', load, config: { 'linger.ms': 5, ...(options.producerConfig ?? {}) }, bootstrap: cluster.brokerIds().map(brokerNodeId) });
      cluster.world.addMachine({ id: 'producer-p1', rack: 'r1', actor: producer });
      cluster.world.start('producer-p1');
    }
    const spec: ConsumerGroupSpec = {
      group: 'billing',
      topics: [TOPIC],
      members: 2,
      processingUs: 0,
      commit: 'sync',
      startUs,
      stopUs: Number.MAX_SAFE_INTEGER,
      ...options.group,
      config: { 'auto.offset.reset': 'earliest', 'session.timeout.ms': 10_000, ...(options.group?.config ?? {}) },
    };
    return new GroupWorld(cluster, spec, partitions, producer);
  }

  /** Scale up: one more member, started now. */
  join(): Consumer {
    const { spec, cluster } = this;
    const member: Consumer = new Consumer({
      group: spec.group,
      index: this.members.length,
      topics: spec.topics,
      processingUs: spec.processingUs,
      commit: spec.commit,
      startUs: cluster.nowUs,
      stopUs: spec.stopUs,
      config: spec.config,
      bootstrap: cluster.brokerIds().map(brokerNodeId),
      exit: () => cluster.world.stop(member.nodeId),
    });
    this.members.push(member);
    cluster.world.addMachine({ id: member.nodeId, rack: 'r1', actor: member });
    cluster.world.start(member.nodeId);
    return member;
  }

  member(index: number): MemberHandle {
    return new MemberHandle(this, this.members[index]!);
  }

  runFor(duration: Duration): this {
    this.cluster.runFor(duration);
    return this;
  }

  /** Runs until every member owns a partition set that covers the topic once (a settled group). */
  runUntilSettled(limit: Duration = '60s'): number {
    return this.cluster.runUntil(() => {
      const owned = this.members.flatMap((member) => member.assignment);
      return owned.length === this.partitions && new Set(owned).size === this.partitions;
    }, limit, '10ms');
  }

  /** Stops the producer's load now (its machine stays up, so its in-flight batches finish). */
  stopProducing(): void {
    this.cluster.world.crash('producer-p1');
  }

  /** The checker's verdict over the producer, the final logs and the group's history. */
  check(): CheckReport {
    return checkRun({
      producers: this.producer === null ? [] : [producerHistoryInput(this.producer.history)],
      partitions: this.finalStates(),
      groups: [consumerGroupHistory(this.spec.group, this.members)],
    });
  }

  finalStates(): PartitionFinalState[] {
    return Array.from({ length: this.partitions }, (_, index) => {
      const name = `${TOPIC}/${index}`;
      const leader = this.cluster.leaderOf(name);
      const isr = leader >= 0 ? this.cluster.broker(leader).server!.replicaManager.partitions.get(name)!.isr : [];
      const replicas = this.cluster.brokerIds().flatMap((id) => {
        const partition = this.cluster.broker(id).server?.replicaManager.partitions.get(name);
        return partition === undefined ? [] : [replicaFinalLog(id, partition.log, partition.highWatermark, isr.includes(id))];
      });
      return { partition: name, leader: leader >= 0 ? leader : null, replicas };
    });
  }
}
