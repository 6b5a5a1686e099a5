// From a resolved scenario to a running world (DESIGN §2 `scenario/build.ts`): racks and machines,
// the ZooKeeper ensemble, the brokers, an admin process that creates the topics once every broker
// has registered (as an operator would after bringing a cluster up), the producers, and the
// nemesis playing the fault timeline. Everything runs in one Scheduler from one seed, so the same
// spec and seed give the same trace, byte for byte.
//
// The simulation is also the omniscient observer: it answers the nemesis's dynamic targets
// ("the leader of orders/0", "the controller") from the brokers' own state, feeds the live
// invariant monitor (sim/check/invariants.ts) after every replication event, and at the end hands
// the checker the final logs of every replica.
//
// Brokers run under a process supervisor: a broker that exits after a fatal startup error is
// started again a second later (Restart=on-failure), one that was shut down cleanly stays down.
//
// Simplified: every client process runs on its own machine in the first rack, of the cluster's
// hardware (the first broker's profile: benchmarks run their clients on machines like the
// brokers'); the admin tool has its own machine too, outside any fault target except `rack:`.

import { createRng, type Rng } from '../core/rng.ts';
import { Scheduler } from '../core/scheduler.ts';
import { Trace, type DetailLevel, type TraceSink } from '../core/trace.ts';
import type { NodeId } from '../hw/actor.ts';
import { World } from '../hw/world.ts';
import { BrokerActor } from '../kafka/broker.ts';
import { brokerNodeId, brokerSettings, type KafkaBrokerConfig, type KafkaTopicConfig } from '../kafka/broker-config.ts';
import { AdminActor } from '../kafka/topic-admin.ts';
import { Producer } from '../clients/producer.ts';
import { Consumer, consumerGroup, consumerGroupHistory, consumerNodeId } from '../clients/consumer.ts';
import { groupCoordinatorPlugin } from '../kafka/group-apis.ts';
import type { ConsumerGroupHistory } from '../check/check-input.ts';
import type { ProducerConfig as ClientProducerConfig } from '../clients/producer-config.ts';
import { installZkEnsemble, type InstalledZkEnsemble } from '../zk/ensemble.ts';
import { BROKER_IDS_PATH } from '../zk/paths.ts';
import { Nemesis, type FaultSurface } from '../faults/nemesis.ts';
import { ClusterObserver } from './observer.ts';
import type { ConfigScope, ScenarioSpec } from './spec.ts';

export interface SimulationOptions {
  /** Overrides the spec's seed. */
  seed?: number;
  detail?: DetailLevel;
  sinks?: TraceSink[];
  /** Compute the trace hash (default on). */
  hash?: boolean;
  /** Producers defer quiet sends (default on; off gives the same trace with more events: quiet-sends.ts). */
  deferQuietSends?: boolean;
}

/**
 * A broker whose startup fails (NodeExists: restarted before its old ZooKeeper session expired,
 * as Kafka 2.8 exits) is started again by its process supervisor after this long, as systemd's
 * Restart=on-failure with RestartSec=1 would; a clean shutdown stays down.
 */
const SUPERVISOR_RESTART_US = 1_000_000;

/** How often the admin tool looks for the brokers' registrations before creating topics. */
const BOOTSTRAP_POLL_US = 10_000;
/** Give up waiting for brokers to register after this long (they may all be faulted). */
const BOOTSTRAP_LIMIT_US = 120_000_000;

export class Simulation {
  readonly seed: number;
  readonly scheduler: Scheduler;
  readonly trace: Trace;
  readonly world: World;
  readonly zookeeper: InstalledZkEnsemble;
  readonly brokers = new Map<number, BrokerActor>();
  readonly producers = new Map<string, Producer>();
  /** Consumer groups by name, member 0 first. */
  readonly groups = new Map<string, Consumer[]>();
  readonly admin: AdminActor;
  readonly observer: ClusterObserver;
  private readonly rng: Rng;
  private started = false;
  private readonly deferQuietSends: boolean;

  constructor(
    readonly spec: ScenarioSpec,
    options: SimulationOptions = {},
  ) {
    this.seed = options.seed ?? spec.seed;
    this.deferQuietSends = options.deferQuietSends ?? true;
    this.scheduler = new Scheduler({ seed: this.seed });
    this.trace = new Trace(this.scheduler, {
      detail: options.detail ?? 'standard',
      sinks: options.sinks ?? [],
      hash: options.hash ?? true,
    });
    this.rng = createRng(this.seed);
    this.world = new World({ scheduler: this.scheduler, trace: this.trace, rng: this.rng.fork('world') });
    const firstRack = spec.cluster.racks[0] ?? 'default';
    this.zookeeper = installZkEnsemble(this.world, {
      servers: spec.zookeeper.servers.map((s) => ({ id: s.id, rack: s.rack ?? firstRack })),
      options: { tickTimeMs: spec.zookeeper.tickTimeMs },
    });
    for (const broker of spec.cluster.brokers) this.addBroker(broker.id, broker.rack, broker.hardware.profile, broker.hardware.overrides);
    this.admin = new AdminActor(this.zookeeper.connectString, spec.zookeeper.sessionTimeoutMs);
    this.world.addMachine({ id: 'admin', rack: firstRack, actor: this.admin });
    for (const producer of spec.producers) this.addProducer(producer.name, firstRack);
    for (const consumers of spec.consumers) this.addGroup(consumers.group, firstRack);
    this.observer = new ClusterObserver(this);
  }

  /** Starts every process, schedules topic creation and the fault timeline. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const node of this.world.nodes()) this.world.start(node);
    this.scheduler.schedule(BOOTSTRAP_POLL_US, () => this.createTopicsWhenReady());
    new Nemesis(this.faultSurface(), this.spec.faults).schedule();
  }

  /** Runs the scenario to its end. */
  run(): void {
    this.start();
    this.world.runUntil(this.spec.durationUs);
  }

  /** Advances to `timeUs` (for step-wise runners such as the viewer's worker). */
  runUntil(timeUs: number): void {
    this.start();
    this.world.runUntil(Math.min(timeUs, this.spec.durationUs));
  }

  get done(): boolean {
    return this.scheduler.now >= this.spec.durationUs;
  }

  private addBroker(id: number, rack: string | null, profile: string, overrides: Record<string, number | string>): void {
    const spec = this.spec;
    const settings = brokerSettings(id, {
      rack,
      config: spec.cluster.config,
      zookeeperSessionTimeoutMs: spec.zookeeper.sessionTimeoutMs,
      replicationProtocol: spec.cluster.replicationProtocol,
      isrPropagation: spec.cluster.isrPropagation,
    });
    const node = brokerNodeId(id);
    const exit = (status: 'clean' | 'failure'): void => {
      if (status === 'clean') this.world.stop(node);
      else this.world.restart(node, SUPERVISOR_RESTART_US);
    };
    const plugins = spec.consumers.length > 0 ? [groupCoordinatorPlugin()] : [];
    const actor = new BrokerActor({ settings, zookeeper: this.zookeeper.connectString, exit, plugins });
    this.brokers.set(id, actor);
    this.world.addMachine({ id: node, rack: rack ?? spec.cluster.racks[0] ?? 'default', hardware: profile, overrides, actor });
  }

  private addProducer(name: string, rack: string): void {
    const spec = this.spec.producers.find((p) => p.name === name)!;
    const producer = new Producer({
      name,
      load: spec,
      config: spec.config as unknown as Partial<ClientProducerConfig>,
      bootstrap: this.spec.cluster.brokers.map((b) => brokerNodeId(b.id)),
      deferQuietSends: this.deferQuietSends,
    });
    this.producers.set(name, producer);
    this.world.addMachine({ id: producerNodeId(name), rack, ...this.clientHardware(), actor: producer });
  }

  private addGroup(group: string, rack: string): void {
    const spec = this.spec.consumers.find((c) => c.group === group)!;
    const members = consumerGroup(spec, {
      bootstrap: this.spec.cluster.brokers.map((b) => brokerNodeId(b.id)),
      exit: (node) => this.world.stop(node),
    });
    this.groups.set(group, members);
    for (const member of members) this.world.addMachine({ id: member.nodeId, rack, ...this.clientHardware(), actor: member });
  }

  /** The hardware of a client machine: the first broker's. */
  private clientHardware(): { hardware?: string; overrides?: Record<string, number | string> } {
    const first = this.spec.cluster.brokers[0];
    return first === undefined ? {} : { hardware: first.hardware.profile, overrides: first.hardware.overrides };
  }

  /** Every group's history, as the checker reads it. */
  groupHistories(): ConsumerGroupHistory[] {
    return [...this.groups].map(([group, members]) => consumerGroupHistory(group, members));
  }

  /** Creates the topics once every broker is registered in ZooKeeper (or after the limit). */
  private createTopicsWhenReady(): void {
    const expected = this.spec.cluster.brokers.length;
    if (this.registeredBrokers() < expected && this.scheduler.now < BOOTSTRAP_LIMIT_US) {
      this.scheduler.schedule(BOOTSTRAP_POLL_US, () => this.createTopicsWhenReady());
      return;
    }
    if (this.world.machine('admin').state !== 'up') return;
    for (const topic of this.spec.topics) {
      this.admin.createTopic({
        topic: {
          name: topic.name,
          partitions: topic.partitions,
          replicationFactor: topic.replicationFactor,
          assignment: topic.assignment,
          config: pickTopicOverrides(topic.config as unknown as Record<string, unknown>, topic.configOverrides),
        },
      });
    }
  }

  /** Brokers registered under /brokers/ids in the most advanced ZooKeeper server's tree. */
  private registeredBrokers(): number {
    let best = 0;
    for (const server of this.zookeeper.servers) {
      const result = server.db.tree.read({ type: 'getChildren', path: BROKER_IDS_PATH }).result;
      if (result !== null && result.type === 'getChildren') best = Math.max(best, result.children.length);
    }
    return best;
  }

  private faultSurface(): FaultSurface {
    return {
      world: this.world,
      brokerNode: brokerNodeId,
      zkNode: (id) => `zk-${id}`,
      producerNode: producerNodeId,
      consumerNode: consumerNodeId,
      leaderOf: (topic, partition) => this.observer.leaderOf(`${topic}/${partition}`),
      controllerId: () => this.observer.controllerId(),
      controlledShutdown: (id) => this.brokers.get(id)?.current?.shutdown(),
      applyConfig: (scope, set) => this.applyConfig(scope, set),
    };
  }

  private applyConfig(scope: ConfigScope, set: Record<string, unknown>): void {
    if (scope.type === 'broker') this.brokers.get(scope.brokerId)?.reconfigure(set as Partial<KafkaBrokerConfig>);
    else if (scope.type === 'topic') {
      if (this.world.machine('admin').state === 'up') this.admin.alterTopicConfig(scope.topic, set as KafkaTopicConfig);
    } else this.producers.get(scope.producer)?.reconfigure(set as Partial<ClientProducerConfig>);
  }
}

export function producerNodeId(name: string): NodeId {
  return `producer-${name}`;
}

/** Only the keys the topic set itself; the rest follow the brokers' defaults, as in Kafka. */
function pickTopicOverrides(config: Record<string, unknown>, keys: readonly string[]): KafkaTopicConfig {
  const picked: Record<string, unknown> = {};
  for (const key of keys) picked[key] = config[key];
  return picked as KafkaTopicConfig;
}
