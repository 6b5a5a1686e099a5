// The consumer side of the history check: one pass over each group's operations in time order,
// feeding the per-member poll checks (consumer-polls.ts: read-above-hw, read-truncated,
// poll-skip, nonmonotonic-poll) and the group's processing tally (group-processing.ts:
// group-lost, group-duplicate). The operation vocabulary is defined in check-input.ts.

import type { PartitionName } from '../kafka/protocol.ts';
import type { ConsumerGroupHistory } from './check-input.ts';
import type { CommittedLog } from './committed-log.ts';
import { PollChecker } from './consumer-polls.ts';
import { GroupProcessing, type GroupTotals } from './group-processing.ts';
import type { Finding } from './verdict.ts';

export interface GroupsOutcome {
  readonly totals: readonly GroupTotals[];
  /** Whether any poll recorded its fetch response's HW (else read-above-hw did not run). */
  readonly sawHighWatermarks: boolean;
}

export function checkGroups(
  groups: readonly ConsumerGroupHistory[],
  logs: ReadonlyMap<PartitionName, CommittedLog>,
  emit: (finding: Finding) => void,
  listLimit: number,
): GroupsOutcome {
  let sawHighWatermarks = false;
  const totals = groups.map((history) => {
    const polls = new PollChecker(history.group, logs, emit);
    const processing = new GroupProcessing(history.group, logs);
    for (const op of history.ops) {
      switch (op.type) {
        case 'assign':
          polls.assign(op);
          break;
        case 'seek':
          polls.seek(op);
          break;
        case 'poll':
          polls.poll(op);
          for (const read of op.reads) {
            if (read.highWatermark !== undefined) sawHighWatermarks = true;
            for (const span of read.spans) processing.read(read.partition, span);
          }
          break;
        case 'process':
          processing.process(op);
          break;
        case 'commit':
          // Commits decide nothing here: they explain group findings (group-evidence.ts).
          break;
      }
    }
    return processing.finish(history.ops, emit, listLimit);
  });
  return { totals, sawHighWatermarks };
}
