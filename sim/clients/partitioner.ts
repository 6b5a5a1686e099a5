// How the producer chooses a partition for a record: Kafka's DefaultPartitioner as of 2.4–3.2
// (org.apache.kafka.clients.producer.internals.DefaultPartitioner with StickyPartitionCache, KIP-480).
//
// A keyed record goes to `toPositive(murmur2(keyBytes)) % numPartitions`, over all partitions of
// the topic whether or not they currently have a leader, so a key never moves while its partition
// is offline (the record waits or fails instead). murmur2 is a bit-exact port of
// org.apache.kafka.common.utils.Utils.murmur2, and keys are serialised as Java's
// String.getBytes(UTF_8) does (StringSerializer), so the simulator puts every key in the same
// partition a real Kafka producer would.
//
// An unkeyed record goes to the topic's sticky partition: one available partition (one with a
// leader) is used until the accumulator opens a new batch for it, then another is picked at random.
//
// With partitioner.class=RoundRobinPartitioner (Kafka 2.4+, and what the DefaultPartitioner did for
// unkeyed records before 2.4) every record, keyed or not, goes to the topic's next available
// partition in turn (all partitions when none is available).
//
// A record the load gives a partition of its own keeps it, bypassing the partitioner.
// RecordPartitioner combines these rules for one producer's load, as KafkaProducer.partition does:
// it is the one place that decides which partition a record goes to, and which records may abort
// an append to move the sticky partition on (abortOnNewBatch, KIP-480).
//
// Simplified: randomness comes from an injected Rng instead of ThreadLocalRandom, and the choice of
// the next sticky partition is drawn directly among the other available partitions; Kafka draws
// among all available ones and redraws while it hits the old one, which yields the same uniform
// distribution but needs an unbounded loop. The adaptive BuiltInPartitioner of Kafka 3.3 (KIP-794)
// is not modelled, nor the skipped partitions of RoundRobinPartitioner in 2.4–3.3 (KAFKA-9965:
// the producer asked it twice when a record opened a new batch).

import type { Rng } from '../core/rng.ts';
import { partitionName } from '../kafka/protocol.ts';
import { keyName, type LoadSpec } from './load.ts';
import type { ProducerSettings } from './producer-config.ts';
import type { PartitionRef, TopicMetadata } from './producer-metadata.ts';

const MURMUR2_SEED = 0x9747b28c;
const MURMUR2_M = 0x5bd1e995;
const MURMUR2_R = 24;

/**
 * Java's String.getBytes(UTF_8): UTF-16 code units to UTF-8 bytes. A lone surrogate becomes '?'
 * (0x3F) as in Java, where TextEncoder would write U+FFFD instead.
 */
export function utf8(text: string): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) {
      bytes.push(unit);
    } else if (unit < 0x800) {
      bytes.push(0xc0 | (unit >> 6), 0x80 | (unit & 0x3f));
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      const low = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (unit <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
        const codePoint = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
        bytes.push(
          0xf0 | (codePoint >> 18),
          0x80 | ((codePoint >> 12) & 0x3f),
          0x80 | ((codePoint >> 6) & 0x3f),
          0x80 | (codePoint & 0x3f),
        );
        i++;
      } else {
        bytes.push(0x3f);
      }
    } else {
      bytes.push(0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f));
    }
  }
  return Uint8Array.from(bytes);
}

/** Utils.toPositive: clears the sign bit (not Math.abs, which would fail on Integer.MIN_VALUE). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** Utils.murmur2: MurmurHash2, 32-bit, returned as a signed 32-bit integer like Java's int. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (MURMUR2_SEED ^ length) | 0;
  const blocks = length >>> 2;
  for (let i = 0; i < blocks; i++) {
    const at = i * 4;
    let k =
      (data[at] as number) |
      ((data[at + 1] as number) << 8) |
      ((data[at + 2] as number) << 16) |
      ((data[at + 3] as number) << 24);
    k = Math.imul(k, MURMUR2_M);
    k ^= k >>> MURMUR2_R;
    k = Math.imul(k, MURMUR2_M);
    h = Math.imul(h, MURMUR2_M);
    h ^= k;
  }
  // Java's switch on length % 4 falls through from case 3 to case 1; the ifs below do the same.
  const tail = length & ~3;
  const remaining = length & 3;
  if (remaining >= 3) h ^= (data[tail + 2] as number) << 16;
  if (remaining >= 2) h ^= (data[tail + 1] as number) << 8;
  if (remaining >= 1) {
    h ^= data[tail] as number;
    h = Math.imul(h, MURMUR2_M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, MURMUR2_M);
  h ^= h >>> 15;
  return h | 0;
}

function checkPartitionCount(numPartitions: number, caller: string): void {
  if (!Number.isInteger(numPartitions) || numPartitions < 1) {
    throw new RangeError(`${caller}: numPartitions must be a positive integer, got ${numPartitions}`);
  }
}

/** DefaultPartitioner for a keyed record: the partition is a pure function of key and count. */
export function keyedPartition(key: string, numPartitions: number): number {
  checkPartitionCount(numPartitions, 'keyedPartition');
  return toPositive(murmur2(utf8(key))) % numPartitions;
}

/**
 * StickyPartitionCache (KIP-480): the partition unkeyed records of a topic go to, kept until the
 * producer opens a new batch on it. Holding one partition per topic fills batches faster than
 * round-robin, which is why linger.ms=0 producers got lower latency from 2.4 on.
 */
export class StickyPartitioner {
  private readonly stickyByTopic = new Map<string, number>();

  constructor(private readonly rng: Rng) {}

  /** The current sticky partition of `topic`, or −1 while none is chosen (changes nothing). */
  current(topic: string): number {
    return this.stickyByTopic.get(topic) ?? -1;
  }

  /** The current sticky partition of `topic`, choosing one first if there is none yet. */
  partition(topic: string, availablePartitions: readonly number[], numPartitions: number): number {
    const sticky = this.stickyByTopic.get(topic);
    if (sticky !== undefined) return sticky;
    return this.onNewBatch(topic, -1, availablePartitions, numPartitions);
  }

  /**
   * A new batch was created on `prevPartition`: if it is the sticky one, move to another partition.
   * A stale call (the sticky partition already moved on) changes nothing, as in Kafka, where
   * several threads may report the same full batch.
   */
  onNewBatch(
    topic: string,
    prevPartition: number,
    availablePartitions: readonly number[],
    numPartitions: number,
  ): number {
    checkPartitionCount(numPartitions, 'StickyPartitioner.onNewBatch');
    const oldPartition = this.stickyByTopic.get(topic);
    if (oldPartition !== undefined && oldPartition !== prevPartition) return oldPartition;
    const next = this.choose(oldPartition, availablePartitions, numPartitions);
    this.stickyByTopic.set(topic, next);
    return next;
  }

  private choose(
    oldPartition: number | undefined,
    availablePartitions: readonly number[],
    numPartitions: number,
  ): number {
    // With no partition available Kafka still picks one of all partitions; the batch then waits
    // for a leader (or expires after delivery.timeout.ms).
    if (availablePartitions.length === 0) return this.rng.int(numPartitions);
    if (availablePartitions.length === 1) return availablePartitions[0] as number;
    // A uniform pick among the others, drawn as rng.pick over the list without the old partition
    // would draw, without building that list (10,000 partitions, a new batch every few ms).
    const oldAt = oldPartition === undefined ? -1 : availablePartitions.indexOf(oldPartition);
    const drawn = this.rng.int(availablePartitions.length - (oldAt < 0 ? 0 : 1));
    return availablePartitions[oldAt >= 0 && drawn >= oldAt ? drawn + 1 : drawn] as number;
  }
}

/** RoundRobinPartitioner: a counter per topic over the available partitions. */
export class RoundRobinPartitioner {
  private readonly counterByTopic = new Map<string, number>();

  partition(topic: string, availablePartitions: readonly number[], numPartitions: number): number {
    checkPartitionCount(numPartitions, 'RoundRobinPartitioner.partition');
    const next = this.counterByTopic.get(topic) ?? 0;
    this.counterByTopic.set(topic, next + 1);
    if (availablePartitions.length === 0) return next % numPartitions;
    return availablePartitions[next % availablePartitions.length] as number;
  }
}

/**
 * Which partition each record of one producer's load goes to: the load's own partition, else the
 * next in turn with partitioner.class=RoundRobinPartitioner, else the key's, else the sticky one.
 * `settings` is read on every call, since a `config` fault changes partitioner.class in place.
 * It also hands out the PartitionRef the accumulator files a record under.
 */
export class RecordPartitioner {
  private readonly sticky: StickyPartitioner;
  private readonly roundRobin = new RoundRobinPartitioner();
  /** keyedPartition by key index at `keyPartitionsCount` partitions, −1 until computed: one murmur2 per key, not per record. */
  private keyPartitions = new Int32Array(0);
  private keyPartitionsCount = 0;
  private readonly refs: PartitionRef[] = [];

  constructor(
    private readonly load: LoadSpec,
    private readonly settings: Pick<ProducerSettings, 'roundRobin'>,
    stickyRng: Rng,
  ) {
    this.sticky = new StickyPartitioner(stickyRng);
  }

  /** The partition of a record with key `keyIndex` (−1: unkeyed); takes a round-robin turn or picks a first sticky partition. */
  partition(keyIndex: number, topic: TopicMetadata): number {
    const { load } = this;
    if (load.partition !== null) return load.partition;
    if (this.settings.roundRobin) return this.roundRobin.partition(load.topic, topic.available, topic.partitionCount);
    if (keyIndex < 0) return this.sticky.partition(load.topic, topic.available, topic.partitionCount);
    return this.keyed(keyIndex, topic.partitionCount);
  }

  /** The partition `partition()` would return without changing any state, or −1 when it would have to choose one. */
  quietPartition(keyIndex: number, topic: TopicMetadata): number {
    const { load } = this;
    if (load.partition !== null) return load.partition;
    if (this.settings.roundRobin) return -1;
    return keyIndex >= 0 ? this.keyed(keyIndex, topic.partitionCount) : this.sticky.current(load.topic);
  }

  /**
   * Whether the record's append gives way rather than open a new batch (abortOnNewBatch): only a
   * sticky record does, so that the new batch opens on the next sticky partition instead.
   */
  abortsOnNewBatch(keyIndex: number): boolean {
    return this.load.partition === null && keyIndex < 0 && !this.settings.roundRobin;
  }

  /** A sticky record would open a new batch on `partition`: the sticky partition moves on, and the record goes there. */
  onNewBatch(partition: number, topic: TopicMetadata): number {
    return this.sticky.onNewBatch(this.load.topic, partition, topic.available, topic.partitionCount);
  }

  /** The accumulator's reference to a partition of the load's topic, built once per partition. */
  ref(partition: number): PartitionRef {
    const topic = this.load.topic;
    return (this.refs[partition] ??= { name: partitionName(topic, partition), topic, partition });
  }

  private keyed(keyIndex: number, partitionCount: number): number {
    if (this.keyPartitionsCount !== partitionCount) {
      this.keyPartitions = new Int32Array(this.load.keys?.count ?? 0).fill(-1);
      this.keyPartitionsCount = partitionCount;
    }
    let partition = this.keyPartitions[keyIndex] as number;
    if (partition < 0) this.keyPartitions[keyIndex] = partition = keyedPartition(keyName(keyIndex), partitionCount);
    return partition;
  }
}
