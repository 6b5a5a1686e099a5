// Adapters from a live run to the checker's plain-data input (check-input.ts): a producer's
// ProducerHistory (sim/clients/history.ts) read range by range without copying its columns, and
// one replica's PartitionLog (sim/kafka/log.ts) as its batches in offset order. The same input
// can be built from a trace read back from disk; nothing here is needed for that.

import { outcomeName, type ProducerHistory } from '../clients/history.ts';
import type { PartitionLog } from '../kafka/log.ts';
import type { ProducedRange, ProducerHistoryInput, ReplicaFinalLog } from './check-input.ts';

/** A producer's history as checker input; its ranges can be iterated more than once. */
export function producerHistoryInput(history: ProducerHistory): ProducerHistoryInput {
  return {
    producer: history.producer,
    ranges: {
      *[Symbol.iterator](): IterableIterator<ProducedRange> {
        for (const range of history.ranges()) {
          yield {
            partition: range.partition,
            firstRecord: range.firstRecord,
            count: range.count,
            outcome: outcomeName(range.outcome),
            baseOffset: range.baseOffset,
            leaderEpoch: range.leaderEpoch,
            sentUs: range.sentUs,
            completeUs: range.completeUs,
            attempts: range.attempts,
            error: range.error,
          };
        }
      },
    },
  };
}

/** One replica's final log: its batches are shared, not copied. */
export function replicaFinalLog(broker: number, log: PartitionLog<unknown>, highWatermark: number, inSync: boolean): ReplicaFinalLog {
  return { broker, highWatermark, logStartOffset: log.logStartOffset, inSync, batches: [...log.batches()] };
}
