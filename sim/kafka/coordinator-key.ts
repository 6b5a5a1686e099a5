// Which broker coordinates a consumer group: the leader of partition
// `Utils.abs(groupId.hashCode()) % offsets.topic.num.partitions` of __consumer_offsets
// (kafka.coordinator.group.GroupMetadataManager.partitionFor; the transaction coordinator uses the
// same rule over __transaction_state). The hash is Java's String.hashCode, reproduced bit for bit
// so a group lands on the same offsets partition as in a real cluster.

/** Default of offsets.topic.num.partitions. */
export const DEFAULT_OFFSETS_TOPIC_PARTITIONS = 50;

/** java.lang.String.hashCode: s[0]*31^(n-1) + … + s[n-1] over UTF-16 code units, in 32-bit int arithmetic. */
export function javaStringHashCode(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) {
    hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  }
  return hash;
}

/**
 * org.apache.kafka.common.utils.Utils.abs: Math.abs, except that Integer.MIN_VALUE (whose Java
 * Math.abs is still negative) maps to 0, so the modulo below is never negative.
 */
export function kafkaAbs(n: number): number {
  return n === -2147483648 ? 0 : Math.abs(n);
}

/** The __consumer_offsets partition whose leader is the group coordinator for `groupId`. */
export function coordinatorPartition(
  groupId: string,
  numOffsetsPartitions = DEFAULT_OFFSETS_TOPIC_PARTITIONS,
): number {
  if (!Number.isInteger(numOffsetsPartitions) || numOffsetsPartitions < 1) {
    throw new RangeError(
      `coordinatorPartition: numOffsetsPartitions must be a positive integer, got ${numOffsetsPartitions}`,
    );
  }
  return kafkaAbs(javaStringHashCode(groupId)) % numOffsetsPartitions;
}
