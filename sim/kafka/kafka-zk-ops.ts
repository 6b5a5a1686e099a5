// Kafka's operations on ZooKeeper, each a task (task.ts) over KafkaZkClient: the methods of
// kafka.zk.KafkaZkClient (Kafka 2.8) that brokers and the controller use, with their znode JSON.
//
// - registerBroker: an ephemeral /brokers/ids/N (CheckedEphemeral): if it exists and belongs to
//   this session (a retried create) that is success; if another session owns it — the previous
//   incarnation's, not yet expired — registration fails with NODEEXISTS, as it does in Kafka.
//   The broker epoch is the znode's czxid (KIP-380).
// - registerControllerAndIncrementControllerEpoch (FIDELITY §E): read /controller_epoch (creating it
//   at 0 the first time), then one multi-op: create /controller (ephemeral) and set
//   /controller_epoch to epoch + 1 at the version read. NODEEXISTS or BADVERSION means someone
//   else won, unless a retry of our own write succeeded (checkControllerAndEpoch).
// - Partition state writes by the controller are multi-ops that first check /controller_epoch's
//   version: a controller that has been replaced cannot write (KAFKA-6082), it gets "controller
//   moved". A BADVERSION on the state itself means the leader changed the ISR meanwhile: re-read
//   and retry.

import { assert } from '../core/assert.ts';
import * as paths from '../zk/paths.ts';
import type { WriteOp } from '../zk/types.ts';
import type { KafkaTopicConfig } from './broker-config.ts';
import type { LiveBroker } from './controller-context.ts';
import type { LeaderAndIsr, PartitionState } from './election.ts';
import { zkError, type KafkaZkClient } from './kafka-zk-client.ts';
import { parsePartitionName, partitionName, type PartitionName } from './protocol.ts';
import { TaskAborted, wait, waitAll, type Task } from './task.ts';

/** KafkaController.InitialControllerEpoch - 1: what /controller_epoch starts at. */
const INITIAL_CONTROLLER_EPOCH = 0;

export function partitionStatePath(name: PartitionName): string {
  const { topic, partition } = parsePartitionName(name);
  return paths.topicPartitionStatePath(topic, partition);
}

function partitionPath(name: PartitionName): string {
  const { topic, partition } = parsePartitionName(name);
  return paths.topicPartitionPath(topic, partition);
}

function encodeState(state: LeaderAndIsr, controllerEpoch: number): string {
  return paths.encodePartitionState({ leader: state.leader, leaderEpoch: state.leaderEpoch, isr: state.isr, controllerEpoch });
}

/** A partition-state znode's contents with its version (the stat's), as the controller keeps it. */
export function decodeState(data: string, zkVersion: number): PartitionState {
  return { ...paths.decodePartitionState(data), zkVersion };
}

export class ControllerMovedError extends TaskAborted {}

/** The broker epoch (czxid of /brokers/ids/N), or null when another session owns the znode. */
export function* registerBroker(zk: KafkaZkClient, id: number, data: string): Task<number | null> {
  const path = paths.brokerIdPath(id);
  for (let attempt = 0; attempt < 2; attempt++) {
    const created = yield* wait(zk.create(path, data, 'ephemeral'));
    if (created.err !== 'OK' && created.err !== 'NODEEXISTS') throw zkError(created.err, 'create', path);
    const read = yield* wait(zk.getData(path));
    if (read.err === 'NONODE') continue;
    if (read.err !== 'OK' || read.stat === null) throw zkError(read.err, 'getData', path);
    return read.stat.ephemeralOwner === zk.sessionId ? read.stat.czxid : null;
  }
  throw zkError('NONODE', 'register', path);
}

/** KafkaZkClient.getControllerId; with `watch`, registers the /controller change handler first. */
export function* getControllerId(zk: KafkaZkClient, watch: boolean): Task<number> {
  // registerZNodeChangeHandlerAndCheckExistence: an exists-watch fires on creation, change and deletion.
  if (watch) yield* wait(zk.exists(paths.CONTROLLER_PATH, true));
  const read = yield* wait(zk.getData(paths.CONTROLLER_PATH));
  if (read.err === 'NONODE') return -1;
  if (read.err !== 'OK' || read.data === null) throw zkError(read.err, 'getData', paths.CONTROLLER_PATH);
  return paths.decodeControllerId(read.data);
}

/** The won epoch and /controller_epoch's version after our write; throws ControllerMovedError. */
export function* registerControllerAndIncrementEpoch(
  zk: KafkaZkClient,
  brokerId: number,
  timestampMs: number,
): Task<{ epoch: number; epochZkVersion: number }> {
  const epochPath = paths.CONTROLLER_EPOCH_PATH;
  const made = yield* wait(zk.create(epochPath, paths.encodeControllerEpoch(INITIAL_CONTROLLER_EPOCH), 'persistent'));
  if (made.err !== 'OK' && made.err !== 'NODEEXISTS') throw zkError(made.err, 'create', epochPath);
  const current = yield* readControllerEpoch(zk);
  const newEpoch = current.epoch + 1;
  const result = yield* wait(
    zk.multi([
      { type: 'create', path: paths.CONTROLLER_PATH, data: paths.encodeController(brokerId, timestampMs), mode: 'ephemeral' },
      { type: 'setData', path: epochPath, data: paths.encodeControllerEpoch(newEpoch), version: current.version },
    ]),
  );
  if (result.err === 'OK') {
    const set = result.results[1];
    assert(set?.type === 'setData', 'controller election: the multi-op result lacks its setData');
    return { epoch: newEpoch, epochZkVersion: set.stat.version };
  }
  if (result.err !== 'NODEEXISTS' && result.err !== 'BADVERSION') throw zkError(result.err, 'multi', paths.CONTROLLER_PATH);
  // checkControllerAndEpoch: a retried multi of ours may have succeeded.
  const controllerId = yield* getControllerId(zk, false);
  if (controllerId === brokerId) {
    const after = yield* readControllerEpoch(zk);
    if (after.epoch === newEpoch) return { epoch: newEpoch, epochZkVersion: after.version };
  }
  throw new ControllerMovedError('controller moved to another broker');
}

function* readControllerEpoch(zk: KafkaZkClient): Task<{ epoch: number; version: number }> {
  const read = yield* wait(zk.getData(paths.CONTROLLER_EPOCH_PATH));
  if (read.err !== 'OK' || read.data === null || read.stat === null) throw zkError(read.err, 'getData', paths.CONTROLLER_EPOCH_PATH);
  return { epoch: paths.decodeControllerEpoch(read.data), version: read.stat.version };
}

/** getAllBrokerAndEpochsInCluster, watching /brokers/ids. */
export function* getLiveBrokers(zk: KafkaZkClient): Task<LiveBroker[]> {
  const children = yield* wait(zk.getChildren(paths.BROKER_IDS_PATH, true));
  if (children.err !== 'OK') throw zkError(children.err, 'getChildren', paths.BROKER_IDS_PATH);
  const ids = children.children.map(Number).sort((a, b) => a - b);
  const reads = yield* waitAll(ids.map((id) => zk.getData(paths.brokerIdPath(id))));
  const brokers: LiveBroker[] = [];
  reads.forEach((read, index) => {
    if (read.err !== 'OK' || read.data === null || read.stat === null) return;
    const id = ids[index]!;
    brokers.push({ id, rack: paths.decodeBrokerRegistration(id, read.data).rack, brokerEpoch: read.stat.czxid });
  });
  return brokers;
}

/** getAllTopicsInCluster, watching /brokers/topics. */
export function* getTopics(zk: KafkaZkClient): Task<string[]> {
  const children = yield* wait(zk.getChildren(paths.TOPICS_PATH, true));
  if (children.err !== 'OK') throw zkError(children.err, 'getChildren', paths.TOPICS_PATH);
  return [...children.children];
}

/** TopicZNode JSON for replica lists by partition index. */
export function encodeAssignment(assignment: readonly (readonly number[])[]): string {
  return paths.encodeTopicAssignment(new Map(assignment.map((replicas, index) => [index, replicas])));
}

/** getPartitionAssignmentForTopics: replica lists by partition index; null for a missing topic. */
export function* getAssignments(zk: KafkaZkClient, topics: readonly string[]): Task<(number[][] | null)[]> {
  const reads = yield* waitAll(topics.map((topic) => zk.getData(paths.topicPath(topic))));
  return reads.map((read) => (read.err !== 'OK' || read.data === null ? null : [...paths.decodeTopicAssignment(read.data).values()]));
}

/** getTopicPartitionStates, pipelined: null where the state znode does not exist. */
export function* getPartitionStates(zk: KafkaZkClient, names: readonly PartitionName[]): Task<(PartitionState | null)[]> {
  const reads = yield* waitAll(names.map((name) => zk.getData(partitionStatePath(name))));
  return reads.map((read) => (read.err === 'OK' && read.data !== null && read.stat !== null ? decodeState(read.data, read.stat.version) : null));
}

/** The topic's dynamic config overrides (/config/topics/T); empty when there are none. */
export function* getTopicConfig(zk: KafkaZkClient, topic: string): Task<KafkaTopicConfig> {
  const read = yield* wait(zk.getData(paths.topicConfigPath(topic)));
  if (read.err !== 'OK' || read.data === null) return {};
  return (JSON.parse(read.data) as { config: KafkaTopicConfig }).config;
}

export interface StateWriteOutcome {
  /** Partitions written, with their state's new zkVersion. */
  readonly written: Map<PartitionName, LeaderAndIsr>;
  /** Partitions whose state changed under us (BADVERSION): re-read and retry. */
  readonly retry: PartitionName[];
}

/** KafkaZkClient.updateLeaderAndIsr: version-checked writes fenced by the controller epoch. */
export function* updateLeaderAndIsr(
  zk: KafkaZkClient,
  updates: ReadonlyMap<PartitionName, LeaderAndIsr>,
  controllerEpoch: number,
  epochZkVersion: number,
): Task<StateWriteOutcome> {
  const names = [...updates.keys()];
  const results = yield* waitAll(
    names.map((name) => {
      const state = updates.get(name)!;
      return zk.multi([
        { type: 'check', path: paths.CONTROLLER_EPOCH_PATH, version: epochZkVersion },
        { type: 'setData', path: partitionStatePath(name), data: encodeState(state, controllerEpoch), version: state.zkVersion },
      ]);
    }),
  );
  const outcome: StateWriteOutcome = { written: new Map(), retry: [] };
  results.forEach((result, index) => {
    const name = names[index]!;
    const [check, set] = result.results;
    if (check?.type === 'error' && check.err === 'BADVERSION') throw new ControllerMovedError('controller epoch zkVersion check failed');
    if (result.err === 'OK' && set?.type === 'setData') outcome.written.set(name, { ...updates.get(name)!, zkVersion: set.stat.version });
    else if (set?.type === 'error' && set.err === 'BADVERSION') outcome.retry.push(name);
    else throw zkError(result.err, 'setData', partitionStatePath(name));
  });
  return outcome;
}

/** createTopicPartitionStatesRaw: the partitions' znodes and first state, fenced by the controller epoch. */
export function* createPartitionStates(
  zk: KafkaZkClient,
  states: ReadonlyMap<PartitionName, LeaderAndIsr>,
  controllerEpoch: number,
  epochZkVersion: number,
): Task<Map<PartitionName, LeaderAndIsr>> {
  const check: WriteOp = { type: 'check', path: paths.CONTROLLER_EPOCH_PATH, version: epochZkVersion };
  const names = [...states.keys()];
  const topics = [...new Set(names.map((name) => name.slice(0, name.lastIndexOf('/'))))];
  const create = (path: string, data: string): WriteOp => ({ type: 'create', path, data, mode: 'persistent' });
  yield* waitAll(topics.map((topic) => zk.multi([check, create(paths.topicPartitionsPath(topic), '')])));
  yield* waitAll(names.map((name) => zk.multi([check, create(partitionPath(name), '')])));
  const results = yield* waitAll(
    names.map((name) => zk.multi([check, create(partitionStatePath(name), encodeState(states.get(name)!, controllerEpoch))])),
  );
  const created = new Map<PartitionName, LeaderAndIsr>();
  results.forEach((result, index) => {
    if (result.results[0]?.type === 'error' && result.results[0].err === 'BADVERSION') {
      throw new ControllerMovedError('controller epoch zkVersion check failed');
    }
    if (result.err === 'OK') created.set(names[index]!, { ...states.get(names[index]!)!, zkVersion: 0 });
  });
  return created;
}

/** The partitions named in /isr_change_notification's children; the notifications are deleted. */
export function* takeIsrChangeNotifications(zk: KafkaZkClient): Task<PartitionName[]> {
  const root = paths.ISR_CHANGE_NOTIFICATION_PATH;
  const children = yield* wait(zk.getChildren(root, true));
  if (children.err !== 'OK') throw zkError(children.err, 'getChildren', root);
  const notifications = children.children.map((child) => `${root}/${child}`);
  const reads = yield* waitAll(notifications.map((path) => zk.getData(path)));
  const changed = new Set<PartitionName>();
  for (const read of reads) {
    if (read.err !== 'OK' || read.data === null) continue;
    for (const entry of paths.decodeIsrChangeNotification(read.data)) changed.add(partitionName(entry.topic, entry.partition));
  }
  yield* waitAll(notifications.map((path) => zk.delete(path, -1)));
  return [...changed];
}

/** A leader's notification that these partitions' ISRs changed (ZooKeeper ISR propagation). */
export function* createIsrChangeNotification(zk: KafkaZkClient, names: readonly PartitionName[]): Task<void> {
  const data = paths.encodeIsrChangeNotification(names.map(parsePartitionName));
  const result = yield* wait(zk.create(paths.ISR_CHANGE_NOTIFICATION_PREFIX, data, 'persistent-sequential'));
  if (result.err !== 'OK') throw zkError(result.err, 'create', paths.ISR_CHANGE_NOTIFICATION_PREFIX);
}

/** A leader's own version-checked ISR write (Partition.updateIsr before AlterIsr): the new zkVersion, or null on BADVERSION. */
export function* conditionalUpdatePartitionState(
  zk: KafkaZkClient,
  name: PartitionName,
  state: LeaderAndIsr,
  controllerEpoch: number,
): Task<number | null> {
  const path = partitionStatePath(name);
  const result = yield* wait(zk.setData(path, encodeState(state, controllerEpoch), state.zkVersion));
  if (result.err === 'BADVERSION') return null;
  if (result.err !== 'OK' || result.stat === null) throw zkError(result.err, 'setData', path);
  return result.stat.version;
}

/** ConfigEntityZNode JSON for a topic's overrides. */
export function encodeTopicConfig(config: KafkaTopicConfig): string {
  return JSON.stringify({ version: 1, config });
}
