// Kafka's znode layout in ZooKeeper and the JSON it keeps there (kafka.zk.ZkData, Kafka 2.x–3.x
// in ZooKeeper mode), for the brokers and the controller to share.
//
// - /brokers/ids/N: a broker's registration, ephemeral (its session is its liveness);
// - /controller: the active controller's id, ephemeral; /controller_epoch: a counter bumped by
//   every new controller, conditionally on its version, in the same multi that creates
//   /controller (KafkaZkClient.registerControllerAndIncrementControllerEpoch);
// - /brokers/topics/T: the replica assignment; /brokers/topics/T/partitions/P/state: leader,
//   leader epoch, ISR and the controller epoch that wrote it (LeaderAndIsr);
// - /isr_change_notification/isr_change_NNNNNNNNNN: persistent sequential nodes a leader writes
//   to tell the controller that ISRs changed (before AlterIsr, KIP-497);
// - /admin/…, /config/…, /cluster/id and the other persistent paths a broker creates at startup
//   (KafkaZkClient.createTopLevelPaths, ZkData.PersistentZkPaths).
// Simplified: the topic znode is written in its version-2 form (no topic_id, KIP-516); broker
// registrations carry one PLAINTEXT listener.

export const BROKERS_PATH = '/brokers';
export const BROKER_IDS_PATH = '/brokers/ids';
export const TOPICS_PATH = '/brokers/topics';
export const BROKER_SEQUENCE_ID_PATH = '/brokers/seqid';
export const CONTROLLER_PATH = '/controller';
export const CONTROLLER_EPOCH_PATH = '/controller_epoch';
export const ISR_CHANGE_NOTIFICATION_PATH = '/isr_change_notification';
/** Children of /isr_change_notification are `isr_change_` plus a 10-digit sequence number. */
export const ISR_CHANGE_NOTIFICATION_PREFIX = `${ISR_CHANGE_NOTIFICATION_PATH}/isr_change_`;
export const LOG_DIR_EVENT_NOTIFICATION_PATH = '/log_dir_event_notification';
export const ADMIN_PATH = '/admin';
export const DELETE_TOPICS_PATH = '/admin/delete_topics';
export const REASSIGN_PARTITIONS_PATH = '/admin/reassign_partitions';
export const PREFERRED_REPLICA_ELECTION_PATH = '/admin/preferred_replica_election';
export const CONFIG_PATH = '/config';
export const CONFIG_CHANGES_PATH = '/config/changes';
export const CONSUMERS_PATH = '/consumers';
export const CLUSTER_ID_PATH = '/cluster/id';
export const PRODUCER_ID_BLOCK_PATH = '/latest_producer_id_block';

/** ConfigType.all: the entity types under /config. */
export const CONFIG_ENTITY_TYPES = ['topics', 'clients', 'users', 'brokers', 'ips'] as const;

/** ZkData.PersistentZkPaths: what every broker makes sure exists when it starts. */
export const PERSISTENT_ZK_PATHS: readonly string[] = [
  CONSUMERS_PATH,
  BROKER_IDS_PATH,
  TOPICS_PATH,
  CONFIG_CHANGES_PATH,
  DELETE_TOPICS_PATH,
  BROKER_SEQUENCE_ID_PATH,
  ISR_CHANGE_NOTIFICATION_PATH,
  PRODUCER_ID_BLOCK_PATH,
  LOG_DIR_EVENT_NOTIFICATION_PATH,
  ...CONFIG_ENTITY_TYPES.map((type) => `${CONFIG_PATH}/${type}`),
];

export function brokerIdPath(brokerId: number): string {
  return `${BROKER_IDS_PATH}/${brokerId}`;
}

export function topicPath(topic: string): string {
  return `${TOPICS_PATH}/${topic}`;
}

export function topicPartitionsPath(topic: string): string {
  return `${topicPath(topic)}/partitions`;
}

export function topicPartitionPath(topic: string, partition: number): string {
  return `${topicPartitionsPath(topic)}/${partition}`;
}

export function topicPartitionStatePath(topic: string, partition: number): string {
  return `${topicPartitionPath(topic, partition)}/state`;
}

export function deleteTopicPath(topic: string): string {
  return `${DELETE_TOPICS_PATH}/${topic}`;
}

export function topicConfigPath(topic: string): string {
  return `${CONFIG_PATH}/topics/${topic}`;
}

/** Every proper ancestor of a path, outermost first: what createRecursive creates before it. */
export function ancestorPaths(path: string): string[] {
  const names = path.split('/').filter((name) => name.length > 0);
  return names.slice(0, -1).map((_, index) => `/${names.slice(0, index + 1).join('/')}`);
}

// The JSON in the znodes.

/** ControllerZNode: {"version":1,"brokerid":1,"timestamp":"…"}. */
export function encodeController(brokerId: number, timestampMs: number): string {
  return JSON.stringify({ version: 1, brokerid: brokerId, timestamp: String(timestampMs) });
}

export function decodeControllerId(data: string): number {
  return (JSON.parse(data) as { brokerid: number }).brokerid;
}

/** ControllerEpochZNode holds the epoch as a plain decimal string. */
export function encodeControllerEpoch(epoch: number): string {
  return String(epoch);
}

export function decodeControllerEpoch(data: string): number {
  return Number.parseInt(data, 10);
}

/** TopicPartitionStateZNode (LeaderIsrAndControllerEpoch). */
export interface PartitionStateZNode {
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  readonly controllerEpoch: number;
}

export function encodePartitionState(state: PartitionStateZNode): string {
  return JSON.stringify({ controller_epoch: state.controllerEpoch, leader: state.leader, version: 1, leader_epoch: state.leaderEpoch, isr: state.isr });
}

export function decodePartitionState(data: string): PartitionStateZNode {
  const json = JSON.parse(data) as { controller_epoch: number; leader: number; leader_epoch: number; isr: number[] };
  return { leader: json.leader, leaderEpoch: json.leader_epoch, isr: json.isr, controllerEpoch: json.controller_epoch };
}

/** TopicZNode: the replica assignment, partition → replicas in preference order. */
export function encodeTopicAssignment(assignment: ReadonlyMap<number, readonly number[]>): string {
  const partitions: Record<string, readonly number[]> = {};
  for (const [partition, replicas] of [...assignment].sort(([a], [b]) => a - b)) partitions[String(partition)] = replicas;
  return JSON.stringify({ version: 2, partitions, adding_replicas: {}, removing_replicas: {} });
}

export function decodeTopicAssignment(data: string): Map<number, number[]> {
  const json = JSON.parse(data) as { partitions: Record<string, number[]> };
  const entries = Object.entries(json.partitions).map(([partition, replicas]) => [Number(partition), replicas] as [number, number[]]);
  return new Map(entries.sort(([a], [b]) => a - b));
}

export interface TopicPartitionRef {
  readonly topic: string;
  readonly partition: number;
}

/** IsrChangeNotificationSequenceZNode: {"version":1,"partitions":[{"topic":…,"partition":…}]}. */
export function encodeIsrChangeNotification(partitions: readonly TopicPartitionRef[]): string {
  return JSON.stringify({ version: 1, partitions: partitions.map(({ topic, partition }) => ({ topic, partition })) });
}

export function decodeIsrChangeNotification(data: string): TopicPartitionRef[] {
  return (JSON.parse(data) as { partitions: TopicPartitionRef[] }).partitions;
}

/** BrokerIdZNode (version 5): where clients and other brokers reach a broker, and its rack. */
export interface BrokerRegistration {
  readonly brokerId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
  readonly timestampMs: number;
}

export function encodeBrokerRegistration(registration: BrokerRegistration): string {
  const endpoint = `PLAINTEXT://${registration.host}:${registration.port}`;
  return JSON.stringify({
    features: {},
    listener_security_protocol_map: { PLAINTEXT: 'PLAINTEXT' },
    endpoints: [endpoint],
    jmx_port: -1,
    port: registration.port,
    host: registration.host,
    version: 5,
    timestamp: String(registration.timestampMs),
    ...(registration.rack === null ? {} : { rack: registration.rack }),
  });
}

/** Decodes a registration read from /brokers/ids/N (the id comes from the path). */
export function decodeBrokerRegistration(brokerId: number, data: string): BrokerRegistration {
  const json = JSON.parse(data) as { host: string; port: number; rack?: string; timestamp: string };
  return { brokerId, host: json.host, port: json.port, rack: json.rack ?? null, timestampMs: Number(json.timestamp) };
}
