// Dynamic topic configuration through ZooKeeper (Kafka 2.8, ZooKeeper mode): AdminZkClient
// .changeTopicConfig on the admin side, DynamicConfigManager with ZkNodeChangeNotificationListener
// and TopicConfigHandler on every broker.
//
// The admin merges the new keys into /config/topics/T, then creates a persistent sequential
// /config/changes/config_change_NNNNNNNNNN naming the entity ("topics/T"). Every broker watches
// /config/changes; on a change it reads the notifications newer than the last one it handled,
// reads each named topic's config again, and applies it to that topic's logs and replicas
// (retention, segment size, min.insync.replicas, ...). The controller reads
// unclean.leader.election.enable from /config/topics/T at each election, so it needs no
// notification. A broker ignores notifications older than its start (it reads a topic's config
// when it creates the topic's partitions). Simplified: no purge of old notifications, and only
// topic entities.

import * as paths from '../zk/paths.ts';
import type { WatchedEvent } from '../zk/client-results.ts';
import type { KafkaTopicConfig } from './broker-config.ts';
import { zkError, type KafkaZkClient } from './kafka-zk-client.ts';
import { encodeTopicConfig, getTopicConfig } from './kafka-zk-ops.ts';
import { runTask, wait, type Task } from './task.ts';

const CHANGE_PREFIX = 'config_change_';
const TOPIC_ENTITY = 'topics/';

/** Merges `changes` into the topic's overrides and notifies the brokers (changeTopicConfig). */
export function* changeTopicConfig(zk: KafkaZkClient, topic: string, changes: KafkaTopicConfig): Task<KafkaTopicConfig> {
  const merged = { ...(yield* getTopicConfig(zk, topic)), ...changes };
  const path = paths.topicConfigPath(topic);
  const set = yield* wait(zk.setData(path, encodeTopicConfig(merged), -1));
  if (set.err === 'NONODE') {
    const created = yield* wait(zk.create(path, encodeTopicConfig(merged), 'persistent'));
    if (created.err !== 'OK') throw zkError(created.err, 'create', path);
  } else if (set.err !== 'OK') {
    throw zkError(set.err, 'setData', path);
  }
  const notification = JSON.stringify({ version: 2, entity_path: `${TOPIC_ENTITY}${topic}` });
  const prefix = `${paths.CONFIG_CHANGES_PATH}/${CHANGE_PREFIX}`;
  const created = yield* wait(zk.create(prefix, notification, 'persistent-sequential'));
  if (created.err !== 'OK') throw zkError(created.err, 'create', prefix);
  return merged;
}

/** A broker's DynamicConfigManager for topic configs. */
export class ConfigChangeListener {
  private lastSequence = -1;
  private initialized = false;
  private running = false;
  private pending = false;

  constructor(
    private readonly zk: KafkaZkClient,
    private readonly applyTopicConfig: (topic: string, config: KafkaTopicConfig) => void,
    private readonly alive: () => boolean,
  ) {}

  /** A new session: (re)register the watch; the first time, skip notifications already there. */
  onNewSession(): void {
    this.schedule();
  }

  onWatch(event: WatchedEvent): boolean {
    if (event.path !== paths.CONFIG_CHANGES_PATH) return false;
    this.schedule();
    return true;
  }

  /** One pass at a time; a change seen during a pass makes one more pass. */
  private schedule(): void {
    if (this.running) {
      this.pending = true;
      return;
    }
    this.running = true;
    const finish = (): void => {
      this.running = false;
      if (!this.pending) return;
      this.pending = false;
      this.schedule();
    };
    runTask(this.processChanges(), finish, this.alive, finish);
  }

  private *processChanges(): Task<void> {
    const children = yield* wait(this.zk.getChildren(paths.CONFIG_CHANGES_PATH, true));
    if (children.err !== 'OK') throw zkError(children.err, 'getChildren', paths.CONFIG_CHANGES_PATH);
    const sequences = children.children
      .filter((child) => child.startsWith(CHANGE_PREFIX))
      .map((child) => Number(child.slice(CHANGE_PREFIX.length)))
      .sort((a, b) => a - b);
    if (!this.initialized) {
      this.initialized = true;
      this.lastSequence = sequences.at(-1) ?? -1;
      return;
    }
    for (const sequence of sequences) {
      if (sequence <= this.lastSequence) continue;
      const path = `${paths.CONFIG_CHANGES_PATH}/${CHANGE_PREFIX}${String(sequence).padStart(10, '0')}`;
      const read = yield* wait(this.zk.getData(path));
      this.lastSequence = sequence;
      if (read.err !== 'OK' || read.data === null) continue;
      const entity = (JSON.parse(read.data) as { entity_path: string }).entity_path;
      if (!entity.startsWith(TOPIC_ENTITY)) continue;
      const topic = entity.slice(TOPIC_ENTITY.length);
      this.applyTopicConfig(topic, yield* getTopicConfig(this.zk, topic));
    }
  }
}
