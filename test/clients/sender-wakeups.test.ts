// The Sender leaves out the wake-ups that could change nothing (Sender.batchOpened,
// Sender.queuedBehindFull): KafkaProducer wakes it for every new or full batch, and a run that does
// exactly that must give the same trace, event for event, through leader crashes, offline
// partitions, NOT_ENOUGH_REPLICAS retries and idempotent epoch bumps. Only the event count drops.

import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sender } from '../../sim/clients/sender.ts';
import { loadScenario } from '../../sim/scenario/load.ts';
import { runScenario } from '../../sim/scenario/run.ts';

const DIR = new URL('../../scenarios/', import.meta.url).pathname;
const TIMEOUT_MS = 120_000;

type WakeMethod = (this: Sender, ...args: never[]) => void;
const proto = Sender.prototype as unknown as Record<'batchOpened' | 'queuedBehindFull' | 'wakeup', WakeMethod>;
const skipping = { batchOpened: proto.batchOpened, queuedBehindFull: proto.queuedBehindFull };

/** As the Java client: every new or full batch wakes the Sender. */
function wakeOnEveryBatch(): void {
  proto.batchOpened = proto.queuedBehindFull = function (this: Sender) {
    this.wakeup();
  };
}

afterEach(() => {
  proto.batchOpened = skipping.batchOpened;
  proto.queuedBehindFull = skipping.queuedBehindFull;
});

function run(file: string, duration: string): { traceHash: string; events: number } {
  const loaded = loadScenario(readFileSync(join(DIR, file), 'utf8'), file, [`duration=${duration}`]);
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
  const { summary } = runScenario(loaded.spec, { detail: 'full' });
  return { traceHash: summary.traceHash, events: summary.events };
}

describe('Sender wake-ups', () => {
  it.each([
    ['min-insync-replicas.yaml', '30s'],
    ['jepsen-2013-fixed.yaml', '35s'],
    ['leader-failover.yaml', '30s'],
  ])(
    '%s: skipping the wake-ups that change nothing gives the trace of waking on every batch, with fewer events',
    (file, duration) => {
      const skipped = run(file, duration);
      wakeOnEveryBatch();
      const everyBatch = run(file, duration);
      expect(skipped.traceHash).toBe(everyBatch.traceHash);
      expect(skipped.events).toBeLessThan(everyBatch.events);
    },
    TIMEOUT_MS,
  );
});
