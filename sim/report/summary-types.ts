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
  throughput: { producedRecordsPerSec: number; producedBytesPerSec: number; consumedRecordsPerSec: number };
  leaderElections: number;
  uncleanElections: number;
  controllerChanges: number;
  isrShrinks: number;
  isrExpands: number;
  groups: GroupFigures[];
  expectations: ExpectationResult[];
  ok: boolean;
}
