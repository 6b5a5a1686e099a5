// A scenario's consumer group as actors (DESIGN §7, §11): `members` consumers of one group, each
// its own process on its own client machine, and the group's history for the checker.
//
//   const members = consumerGroup(spec, { bootstrap: brokers.map(brokerNodeId), exit: (node) => world.stop(node) });
//   for (const member of members) world.addMachine({ id: member.nodeId, rack, actor: member });
//   …
//   const history = consumerGroupHistory(spec.group, members);   // check-input.ts's ConsumerGroupHistory
//
// Member i is "GROUP/i" in the history and the trace, and runs on node "consumer-GROUP-i" (the
// fault target `consumer: GROUP/i`). Every member starts at the spec's start time and leaves
// gracefully at its stop time; scale up and down by starting another member's process or
// calling `leave()` on one.

import type { ConsumerGroupHistory } from '../check/check-input.ts';
import type { NodeId } from '../hw/actor.ts';
import type { ConsumerGroupSpec } from './consumer-config.ts';
import { groupHistory } from './consumer-history.ts';
import { Consumer } from './consumer.ts';

export interface ConsumerGroupOptions {
  /** bootstrap.servers: the brokers' node ids. */
  readonly bootstrap: readonly NodeId[];
  /** The node id of broker `brokerId` (default `broker-<id>`). */
  readonly brokerNodeId?: (brokerId: number) => NodeId;
  /** Ends a member's process once it has left the group (the world's clean stop of `node`). */
  readonly exit?: (node: NodeId) => void;
}

/** Upper bound on the members of one group. */
export const MAX_GROUP_MEMBERS = 1000;

/** The consumer actors of a group, member 0 first. */
export function consumerGroup(spec: ConsumerGroupSpec, options: ConsumerGroupOptions): Consumer[] {
  if (!Number.isInteger(spec.members) || spec.members < 1 || spec.members > MAX_GROUP_MEMBERS) {
    throw new RangeError(`consumerGroup: members must be an integer in 1..${MAX_GROUP_MEMBERS}, got ${spec.members}`);
  }
  return Array.from({ length: spec.members }, (_, index) => {
    const exit = options.exit;
    const consumer: Consumer = new Consumer({
      group: spec.group,
      index,
      topics: spec.topics,
      processingUs: spec.processingUs,
      commit: spec.commit,
      startUs: spec.startUs,
      stopUs: spec.stopUs,
      config: spec.config,
      bootstrap: options.bootstrap,
      ...(options.brokerNodeId === undefined ? {} : { brokerNodeId: options.brokerNodeId }),
      ...(exit === undefined ? {} : { exit: () => exit(consumer.nodeId) }),
    });
    return consumer;
  });
}

/** The group's history as the checker reads it: every member's operations in time order. */
export function consumerGroupHistory(group: string, members: readonly Consumer[]): ConsumerGroupHistory {
  return groupHistory(group, members.map((member) => member.history));
}
