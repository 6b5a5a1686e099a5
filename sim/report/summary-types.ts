// The JSON summary of a run (DESIGN §12, a contract): what `sim run --json` prints, what the
// trace's last line carries, and what `expect:` checks by dotted path. Fields may be added; the
// existing ones keep their names and meanings.

export interface PartitionFigures {
  partition: string;
  leaderChanges: number;
  /** Total time without a leader. */
  offlineMs: number;
  /** The longest single window without a leader. */
  maxUnavailableMs: number;
  /** The log start offset of the leader's log at the end (of a replica's while offline): retention deleted what lies below. */
  logStartOffset: number;
  /** The end of that log: with logStartOffset, how many offsets it still holds. */
  logEndOffset: number;
  /** Age at the end of the oldest batch still in that log (its newest record's timestamp); 0 when empty. */
  oldestRecordAgeMs: number;
}

/**
 * One producer's outcome. What "written" means depends on `acks`: with acks=1 or all the broker
 * acknowledges a send with its offset (`acked`); with acks=0 no answer ever comes, and
 * KafkaProducer completes the send as soon as it is written to the socket (offset −1), so the
 * application *assumes* it was written (`assumed`). Losses are counted against each promise.
 */
export interface ProducerFigures {
  producer: string;
  /** The producer's acks setting at the end of the run: "0", "1" or "all". */
  acks: string;
  /** enable.idempotence as in effect (KafkaProducer turns a default one off for acks ≠ all). */
  idempotent: boolean;
  sent: number;
  /** Records a broker acknowledged with an offset. */
  acked: number;
  /** Records completed without an offset: every acks=0 send, and duplicates the broker recognised. */
  assumed: number;
  failed: number;
  unknown: number;
  /** Acknowledged records not in the committed log. */
  lostAckedWrites: number;
  /** Assumed records not in the committed log although a later record of the producer is. */
  lostAssumedWrites: number;
  duplicates: number;
  reordered: number;
  /** Send-to-completion latency of its completed records (acks=0: until written to the socket). */
  latencyMs: { p50: number; p99: number; max: number };
}

export interface GroupFigures {
  group: string;
  members: number;
  idleMembers: number;
  rebalances: number;
  processed: number;
  duplicates: number;
  lost: number;
  /** The most of the group's partitions at once that no live member owned (after it first owned them all). */
  maxPausedPartitions: number;
  /** Total time no live member owned any of the group's partitions (after it first owned them all). */
  stoppedMs: number;
}

export interface ExpectationResult {
  name: string;
  ok: boolean;
  detail: string;
}

export interface RunSummary {
  scenario: string;
  seed: number;
  traceHash: string;
  simulatedMs: number;
  wallMs: number;
  events: number;
  produced: { sent: number; acked: number; failed: number; unknown: number };
  consumed: { records: number; duplicates: number };
  anomalies: {
    lostAckedWrites: number;
    duplicates: number;
    reordered: number;
    divergentReplicas: number;
    invariantViolations: number;
  };
  partitions: PartitionFigures[];
  latencyMs: { p50: number; p99: number; max: number };
  /**
   * send() to the poll() that returned the record, over every record consumers returned
   * (sim/report/end-to-end.ts); all zero without consumers.
   */
  endToEndLatencyMs: { records: number; p50: number; p99: number; p999: number; max: number };
  throughput: { producedRecordsPerSec: number; producedBytesPerSec: number; consumedRecordsPerSec: number };
  leaderElections: number;
  uncleanElections: number;
  controllerChanges: number;
  isrShrinks: number;
  isrExpands: number;
  groups: GroupFigures[];
  producers: ProducerFigures[];
  expectations: ExpectationResult[];
  ok: boolean;
}
