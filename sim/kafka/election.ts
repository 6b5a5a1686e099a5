// Partition leader election as the ZooKeeper-era controller decides it: kafka.controller.Election
// and PartitionLeaderElectionAlgorithms (Kafka 2.8–3.x), plus the ISR removal of
// ReplicaStateMachine.doRemoveReplicasFromIsr. Pure functions of (assignment, ISR, live replicas): the controller
// supplies the live set from its context, and writes the results to ZooKeeper.
//
// - Offline (a leader died, or a new partition): the first replica in assignment order that is live
//   and in the ISR; the ISR keeps only its live members. With none, unclean election (when
//   `unclean.leader.election.enable`) takes the first live replica and the ISR becomes [leader],
//   which is how acknowledged writes get lost (FIDELITY A1).
// - Controlled shutdown: the first live ISR replica that is not shutting down; the ISR drops every
//   shutting-down broker.
// - Preferred: the head of the assignment, if it is live and in the ISR; the ISR is unchanged.
// - Removing a replica from the ISR (it died or stopped): leader becomes none (-1) if it was the
//   leader; the ISR never becomes empty — a last member stays (KIP-966's motivation, FIDELITY A8).
//
// Every change the controller makes bumps the leader epoch (LeaderAndIsr.newLeaderAndIsr), so
// followers truncate and stale leaders are fenced.

export const NO_LEADER = -1;

/** The leader/ISR a partition-state znode holds, with that znode's version for conditional writes. */
export interface LeaderAndIsr {
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  /** Version of /brokers/topics/T/partitions/P/state this value was read from or written as. */
  readonly zkVersion: number;
}

/** LeaderIsrAndControllerEpoch: the state and the epoch of the controller that wrote it. */
export interface PartitionState extends LeaderAndIsr {
  readonly controllerEpoch: number;
}

export type ElectionKind = 'clean' | 'unclean' | 'controlled' | 'preferred';

export interface ElectionResult {
  readonly leader: number;
  readonly isr: readonly number[];
  readonly kind: ElectionKind;
}

/** PartitionLeaderElectionAlgorithms.offlinePartitionLeaderElection and Election.leaderForOffline. */
export function electOfflineLeader(
  assignment: readonly number[],
  isr: readonly number[],
  isLive: (broker: number) => boolean,
  uncleanElectionEnabled: boolean,
): ElectionResult | null {
  const clean = assignment.find((id) => isLive(id) && isr.includes(id));
  if (clean !== undefined) return { leader: clean, isr: isr.filter(isLive), kind: 'clean' };
  if (!uncleanElectionEnabled) return null;
  const unclean = assignment.find(isLive);
  return unclean === undefined ? null : { leader: unclean, isr: [unclean], kind: 'unclean' };
}

/** Election.leaderForControlledShutdown (live here includes the brokers shutting down). */
export function electControlledShutdownLeader(
  assignment: readonly number[],
  isr: readonly number[],
  isLiveOrShuttingDown: (broker: number) => boolean,
  isShuttingDown: (broker: number) => boolean,
): ElectionResult | null {
  const leader = assignment.find((id) => isLiveOrShuttingDown(id) && isr.includes(id) && !isShuttingDown(id));
  if (leader === undefined) return null;
  return { leader, isr: isr.filter((id) => !isShuttingDown(id)), kind: 'controlled' };
}

/** Election.leaderForPreferredReplica. */
export function electPreferredLeader(
  assignment: readonly number[],
  isr: readonly number[],
  isLive: (broker: number) => boolean,
): ElectionResult | null {
  const preferred = assignment[0];
  if (preferred === undefined || !isLive(preferred) || !isr.includes(preferred)) return null;
  return { leader: preferred, isr: [...isr], kind: 'preferred' };
}

/** LeaderAndIsr.newLeaderAndIsr: a controller-made change, so the leader epoch goes up by one. */
export function withNewLeader(state: LeaderAndIsr, leader: number, isr: readonly number[]): LeaderAndIsr {
  return { leader, leaderEpoch: state.leaderEpoch + 1, isr: [...isr], zkVersion: state.zkVersion };
}

/**
 * ReplicaStateMachine.doRemoveReplicasFromIsr for one replica, or null when it is not in the ISR
 * (nothing to write). A last ISR member is kept, so the ISR still names who has the data.
 */
export function removeReplicaFromIsr(state: LeaderAndIsr, replica: number): LeaderAndIsr | null {
  if (!state.isr.includes(replica)) return null;
  const leader = state.leader === replica ? NO_LEADER : state.leader;
  const isr = state.isr.length === 1 ? state.isr : state.isr.filter((id) => id !== replica);
  return withNewLeader(state, leader, isr);
}
