// The SocketServer hand-offs around each request (profiles.ts requestHandOffUs, kafka-apis.ts):
// a request is answered that much later, and the time is spent holding a request-handler thread.

import { describe, it, expect } from 'vitest';
import { ClusterWorld } from './cluster-builder.ts';
import { brokerNodeId } from '../../sim/kafka/broker-config.ts';
import { resolveHardwareProfile } from '../../sim/hw/profiles.ts';

const METADATA_TYPE = 'metadata-response';

/** When each of `count` Metadata requests sent at once to broker 1 is answered (µs after sending). */
function metadataAnswerTimesUs(requestHandOffUs: number, count: number, ioThreads = 8): number[] {
  const hardware = resolveHardwareProfile('ssd-10g', { requestHandOffUs, latencyJitterUs: 0 });
  const world = ClusterWorld.build({ brokers: 1, hardware, config: { 'num.io.threads': ioThreads } });
  world.runFor('3s');
  const client = world.probe('client');
  const sentUs = world.nowUs;
  for (let i = 0; i < count; i++) client.send(brokerNodeId(1), { type: 'metadata', correlationId: 100 + i, topics: null });
  world.runFor('100ms');
  const answers = client.received.filter((entry) => (entry.message as { type?: string }).type === METADATA_TYPE);
  expect(answers).toHaveLength(count);
  return answers.map((entry) => entry.atUs - sentUs);
}

describe('request hand-offs between network threads and request handlers (RequestQueueTimeMs, ResponseQueueTimeMs)', () => {
  it('answers a request requestHandOffUs later than a broker without hand-offs', () => {
    const [without] = metadataAnswerTimesUs(0, 1);
    const [withHandOff] = metadataAnswerTimesUs(800, 1);
    expect(withHandOff! - without!).toBeGreaterThanOrEqual(790);
    expect(withHandOff! - without!).toBeLessThanOrEqual(810);
  });

  it('holds a request-handler thread through the hand-off, so with num.io.threads=1 the second request waits for the first', () => {
    const [first, second] = metadataAnswerTimesUs(800, 2, 1);
    expect(second! - first!).toBeGreaterThanOrEqual(800);
    const [firstFree, secondFree] = metadataAnswerTimesUs(0, 2, 1);
    expect(secondFree! - firstFree!).toBeLessThan(100);
  });
});
