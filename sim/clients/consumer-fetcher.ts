// The consumer's fetcher: org.apache.kafka.clients.consumer.internals.Fetcher (Kafka 3.x).
//
// - sendFetches: one FetchRequest in flight per leader broker not waiting out its reconnect
//   backoff (Fetcher.prepareFetchRequests skips a node that isUnavailable), for the assigned partitions that
//   have a position and no data already buffered, each from its position, with the leader epoch
//   of the metadata (KIP-320 fencing), fetch.min.bytes / fetch.max.wait.ms (the broker holds the
//   request in its purgatory until that much is readable or the wait is over), fetch.max.bytes and
//   max.partition.fetch.bytes. The leader serves consumers only below the high watermark.
// - A response is buffered per partition (a completed fetch) if the partition is still assigned at
//   the position it was fetched from, else dropped. Leadership errors ask for a metadata update;
//   OFFSET_OUT_OF_RANGE puts the partition up for auto.offset.reset.
// - fetchedRecords: up to max.poll.records records from the buffered fetches, in the order they
//   arrived, each partition's from its position (a batch that begins before it is trimmed), moving
//   the positions on. A partly returned fetch stays at the head for the next poll.
// - resetPositions: ListOffsets to the leader (EARLIEST or LATEST by auto.offset.reset); the
//   answer becomes the position (a seek in the history).
//
// Simplified: no fetch sessions (KIP-227), no position validation against the leader epoch after
// a leader change (the consumer's OffsetsForLeaderEpoch), no isolation.level=read_committed.

import type { ActorContext, NodeId } from '../hw/actor.ts';
import {
  EARLIEST_TIMESTAMP,
  ErrorCode,
  LATEST_TIMESTAMP,
  PARTITION_ENTRY_BYTES,
  REQUEST_HEADER_BYTES,
  groupMessageBytes,
  parsePartitionName,
  type FetchPartitionRequest,
  type FetchResponse,
  type ListOffsetsResponse,
  type PartitionName,
  type WireBatch,
} from '../kafka/protocol.ts';
import type { PartitionRead, ReadSpan } from '../check/check-input.ts';
import type { ConsumerClient } from './consumer-client.ts';
import type { ConsumerSettings } from './consumer-config.ts';
import type { SubscriptionState } from './consumer-subscription.ts';

/** A fetch response's data for one partition, waiting to be returned by poll(). */
interface CompletedFetch {
  readonly partition: PartitionName;
  readonly batches: readonly WireBatch[];
  readonly highWatermark: number;
  /** The position the remaining records start at. */
  nextOffset: number;
  batchIndex: number;
}

export interface FetcherParts {
  readonly ctx: ActorContext;
  readonly settings: ConsumerSettings;
  readonly client: ConsumerClient;
  readonly subscriptions: SubscriptionState;
  /** OFFSET_OUT_OF_RANGE with auto.offset.reset=none: the application gets an exception. */
  readonly noOffsetForPartition: (partition: PartitionName) => void;
}

export class Fetcher {
  private readonly completed: CompletedFetch[] = [];
  private readonly fetching = new Set<NodeId>();

  constructor(private readonly parts: FetcherParts) {}

  /** Records are buffered for `partition`. */
  hasBuffered(partition: PartitionName): boolean {
    return this.completed.some((fetch) => fetch.partition === partition);
  }

  sendFetches(): void {
    const { client, subscriptions, settings } = this.parts;
    const byNode = new Map<NodeId, FetchPartitionRequest[]>();
    for (const partition of subscriptions.fetchable()) {
      if (this.hasBuffered(partition)) continue;
      const node = this.leaderNode(partition);
      if (node === undefined || this.fetching.has(node) || client.isUnavailable(node)) continue;
      const { topic, partition: index } = parsePartitionName(partition);
      const currentLeaderEpoch = client.metadata.topic(topic)?.leaderEpochs[index] ?? -1;
      const position = subscriptions.state(partition)?.position as number;
      let entries = byNode.get(node);
      if (entries === undefined) byNode.set(node, (entries = []));
      entries.push({ partition, fetchOffset: position, currentLeaderEpoch, lastFetchedEpoch: -1, maxBytes: settings.maxPartitionFetchBytes });
    }
    for (const [node, partitions] of byNode) {
      this.fetching.add(node);
      const request = { type: 'fetch' as const, correlationId: client.correlationId(), replicaId: -1, maxWaitMs: settings.fetchMaxWaitMs, minBytes: settings.fetchMinBytes, maxBytes: settings.fetchMaxBytes, partitions };
      client.send<FetchResponse>(
        node,
        request,
        REQUEST_HEADER_BYTES + PARTITION_ENTRY_BYTES * partitions.length,
        settings.requestTimeoutMs,
        (response) => {
          this.fetching.delete(node);
          this.onFetchResponse(partitions, response);
        },
        () => this.fetching.delete(node),
      );
    }
  }

  /** Fetcher.fetchedRecords: at most `maxRecords`, advancing the positions. */
  fetchedRecords(maxRecords: number): PartitionRead[] {
    const reads = new Map<PartitionName, { partition: PartitionName; spans: ReadSpan[]; highWatermark: number }>();
    let remaining = maxRecords;
    while (remaining > 0 && this.completed.length > 0) {
      const fetch = this.completed[0] as CompletedFetch;
      const state = this.parts.subscriptions.state(fetch.partition);
      if (state === undefined || state.position !== fetch.nextOffset) {
        this.completed.shift();
        continue;
      }
      let read = reads.get(fetch.partition);
      if (read === undefined) reads.set(fetch.partition, (read = { partition: fetch.partition, spans: [], highWatermark: fetch.highWatermark }));
      remaining -= this.take(fetch, read.spans, remaining);
      state.position = fetch.nextOffset;
      if (fetch.batchIndex >= fetch.batches.length) this.completed.shift();
    }
    return [...reads.values()].filter((read) => read.spans.length > 0);
  }

  /** Drops buffered data of partitions no longer assigned. */
  dropUnassigned(): void {
    for (let i = this.completed.length - 1; i >= 0; i--) {
      if (!this.parts.subscriptions.has((this.completed[i] as CompletedFetch).partition)) this.completed.splice(i, 1);
    }
  }

  /** Fetcher.resetPositionsIfNeeded: ListOffsets for partitions awaiting auto.offset.reset. */
  resetPositions(): void {
    const { ctx, client, subscriptions, settings } = this.parts;
    const timestamp = settings.autoOffsetReset === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP;
    const byNode = new Map<NodeId, PartitionName[]>();
    for (const partition of subscriptions.needingReset()) {
      const state = subscriptions.state(partition)!;
      if (state.resetInFlight || ctx.now < state.resetRetryAtUs) continue;
      if (settings.autoOffsetReset === 'none') {
        this.parts.noOffsetForPartition(partition);
        return;
      }
      const node = this.leaderNode(partition);
      if (node === undefined) continue;
      state.resetInFlight = true;
      byNode.set(node, [...(byNode.get(node) ?? []), partition]);
    }
    for (const [node, partitions] of byNode) {
      const request = { type: 'list-offsets' as const, correlationId: client.correlationId(), replicaId: -1, partitions: partitions.map((partition) => ({ partition, currentLeaderEpoch: -1, timestamp })) };
      client.send<ListOffsetsResponse>(node, request, groupMessageBytes(partitions.length), settings.requestTimeoutMs, (response) => this.onListOffsets(response), () => this.retryResets(partitions));
    }
  }

  private onListOffsets(response: ListOffsetsResponse): void {
    const { ctx, subscriptions, settings } = this.parts;
    for (const entry of response.partitions) {
      const state = subscriptions.state(entry.partition);
      if (state === undefined || !state.resetPending) continue;
      if (entry.error === ErrorCode.NONE) {
        subscriptions.seek(ctx.now, entry.partition, entry.offset, `auto.offset.reset=${settings.autoOffsetReset}`);
      } else {
        this.parts.client.metadata.requestUpdate();
        this.retryResets([entry.partition]);
      }
    }
  }

  private retryResets(partitions: readonly PartitionName[]): void {
    for (const partition of partitions) {
      const state = this.parts.subscriptions.state(partition);
      if (state === undefined) continue;
      state.resetInFlight = false;
      state.resetRetryAtUs = this.parts.ctx.now + this.parts.settings.retryBackoffUs;
    }
  }

  private onFetchResponse(requested: readonly FetchPartitionRequest[], response: FetchResponse): void {
    const { subscriptions, client } = this.parts;
    for (const entry of response.partitions) {
      const fetchOffset = requested.find((request) => request.partition === entry.partition)?.fetchOffset;
      const state = subscriptions.state(entry.partition);
      if (state === undefined || state.position !== fetchOffset || fetchOffset === undefined) continue;
      if (entry.error === ErrorCode.NONE) {
        state.highWatermark = entry.highWatermark;
        if (entry.batches.some((batch) => batch.baseOffset + batch.recordCount > fetchOffset)) {
          this.completed.push({ partition: entry.partition, batches: entry.batches, highWatermark: entry.highWatermark, nextOffset: fetchOffset, batchIndex: 0 });
        }
      } else if (entry.error === ErrorCode.OFFSET_OUT_OF_RANGE) {
        subscriptions.requestReset(entry.partition);
      } else {
        client.metadata.requestUpdate();
      }
    }
  }

  /** Moves records from `fetch` into `spans`, at most `max`; returns how many. */
  private take(fetch: CompletedFetch, spans: ReadSpan[], max: number): number {
    let taken = 0;
    while (taken < max && fetch.batchIndex < fetch.batches.length) {
      const batch = fetch.batches[fetch.batchIndex] as WireBatch;
      const end = batch.baseOffset + batch.recordCount;
      const start = Math.max(batch.baseOffset, fetch.nextOffset);
      if (end <= start) {
        fetch.batchIndex++;
        continue;
      }
      const count = Math.min(end - start, max - taken);
      const payload = batch.payload;
      if (payload.kind === 'records') {
        spans.push({ offset: start, count, producer: payload.producer, firstRecord: payload.firstRecord + (start - batch.baseOffset) });
        taken += count;
      }
      fetch.nextOffset = start + count;
      if (fetch.nextOffset === end) fetch.batchIndex++;
    }
    return taken;
  }

  private leaderNode(partition: PartitionName): NodeId | undefined {
    const { metadata } = this.parts.client;
    const { topic, partition: index } = parsePartitionName(partition);
    const leader = metadata.leaderFor(topic, index);
    const node = leader >= 0 ? metadata.nodeOf(leader) : undefined;
    if (node === undefined) metadata.requestUpdate();
    return node;
  }
}
