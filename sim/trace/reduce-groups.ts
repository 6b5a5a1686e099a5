// How consumer groups move the picture (Kafka's GroupCoordinator and ConsumerCoordinator as the
// simulator traces them): the coordinator's state machine and generation (group-state), each
// member's partitions from the assignment it received (group-assignment) until it loses or gives
// them back (consumer-partitions-lost / -revoked, consumer-leave, consumer-stop), and the offsets
// the group committed successfully (consumer-commit with outcome ok), from which the viewer reads
// consumer lag against each partition's high watermark.
//
// A rebalance is counted each time the coordinator moves the group into PreparingRebalance.

import type { EventOf } from './format.ts';
import type { Working } from './fold.ts';
import type { GroupState, MemberAssignment } from './state.ts';

export function groupState(working: Working, event: EventOf<'group-state'>): void {
  const group = working.group(event.group);
  const rebalancing = event.state === 'PreparingRebalance' && group.state !== 'PreparingRebalance';
  working.groups.set(event.group, {
    ...group,
    state: event.state,
    generation: event.generation,
    coordinator: typeof event.coordinator === 'number' ? event.coordinator : group.coordinator,
    rebalances: group.rebalances + (rebalancing ? 1 : 0),
  });
}

export function groupAssignment(working: Working, event: EventOf<'group-assignment'>): void {
  setAssignment(working, event.group, { member: event.member, generation: event.generation, partitions: event.partitions });
}

/** Lost or revoked partitions: the member holds none of its assignment any more. */
export function partitionsGone(working: Working, event: EventOf<'consumer-partitions-lost'> | EventOf<'consumer-partitions-revoked'>): void {
  const group = working.group(event.group);
  const held = group.assignments.find((assignment) => assignment.member === event.member);
  if (held === undefined) return;
  const gone = new Set(event.partitions);
  setAssignment(working, event.group, { ...held, partitions: held.partitions.filter((partition) => !gone.has(partition)) });
}

/** A member that leaves the group or stops holds nothing. */
export function memberGone(working: Working, event: EventOf<'consumer-leave'> | EventOf<'consumer-stop'>): void {
  const group = working.group(event.group);
  if (!group.assignments.some((assignment) => assignment.member === event.member)) return;
  working.groups.set(event.group, { ...group, assignments: group.assignments.filter((assignment) => assignment.member !== event.member) });
}

export function committed(working: Working, event: EventOf<'consumer-commit'>): void {
  if (event.outcome !== 'ok') return;
  const group = working.group(event.group);
  const offsets = new Map(group.committed.map((entry) => [entry.partition, entry.offset]));
  for (const entry of event.offsets) {
    if (typeof entry.partition === 'string' && typeof entry.offset === 'number') offsets.set(entry.partition, entry.offset);
  }
  working.groups.set(event.group, { ...group, committed: [...offsets].map(([partition, offset]) => ({ partition, offset })) });
}

export function consumerStarted(working: Working, event: EventOf<'consumer-start'>): void {
  if (!working.groups.has(event.group)) working.groups.set(event.group, working.group(event.group));
}

function setAssignment(working: Working, name: string, assignment: MemberAssignment): void {
  const group: GroupState = working.group(name);
  const others = group.assignments.filter((each) => each.member !== assignment.member);
  const assignments = [...others, assignment].sort((a, b) => (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
  working.groups.set(name, { ...group, assignments });
}
