// The historical anomaly scenarios (FIDELITY A1, A3-A6) tell their own story: each failing run's
// checker explanation and `sim run` story name the events that caused the anomaly, in the order
// they happened. test/scenarios.test.ts checks their figures (loss, divergence) against their
// `expect:` blocks; this file checks that a student reading the output is told why. Figures that
// shift with engine timing (offsets, record counts, times) are matched by pattern, never pinned.

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario } from '../sim/scenario/load.ts';
import { runScenario, type RunResult } from '../sim/scenario/run.ts';
import type { Anomaly } from '../sim/check/verdict.ts';

const DIR = new URL('../scenarios/', import.meta.url).pathname;

function run(file: string): RunResult {
  const loaded = loadScenario(readFileSync(join(DIR, file), 'utf8'), file);
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
  return runScenario(loaded.spec);
}

function anomaly(result: RunResult, kind: Anomaly['kind']): Anomaly {
  const found = result.check.anomalyList.find((a) => a.kind === kind);
  if (found === undefined) throw new Error(`no ${kind} anomaly; found ${result.check.anomalyList.map((a) => a.kind).join(', ') || 'none'}`);
  return found;
}

/** Asserts that every pattern matches `text`, each after the previous one's match. */
function expectInOrder(text: string, patterns: readonly RegExp[]): void {
  let from = 0;
  for (const pattern of patterns) {
    const match = pattern.exec(text.slice(from));
    expect(match, `${pattern} after position ${from} of:\n${text}`).not.toBeNull();
    from += match!.index + match![0].length;
  }
}

/** The story as one text, a line per event, for expectInOrder. */
const storyText = (result: RunResult): string => result.story.join('\n');

describe('jepsen-2013 (A1)', () => {
  const result = run('jepsen-2013.yaml');

  it('explains the loss: ISR shrink to the leader, the leader crash, the unclean election, then the old leader truncating the acked records', () => {
    const lost = anomaly(result, 'lost-acked-write');
    expect(lost.verdict).toBe('invalid');
    expect(lost.records!.count).toBeGreaterThanOrEqual(100);
    expectInOrder(lost.explanation.text, [
      /acknowledged at [\d.]+ s at offsets (\d+)–\d+ by broker 1, leader in epoch 0, while the ISR was \[1\]/,
      /the ISR of jepsen\/0 shrank from \[1, 2, 3\] to \[1\]/,
      /broker-1 went down \(crash\)/,
      /the ZooKeeper session of broker-1 expired/,
      /elected broker [23] leader of jepsen\/0 in epoch 1 by an unclean election, from outside the ISR \[1\]/,
      /broker 1 truncated jepsen\/0 from offset \d+ to (\d+)/,
    ]);
    const truncatedTo = Number(/broker 1 truncated jepsen\/0 from offset \d+ to (\d+)/.exec(lost.explanation.text)![1]);
    expect(truncatedTo).toBeLessThanOrEqual(lost.offsets[0]!);
  });

  it('tells the same order in the story', () => {
    expectInOrder(storyText(result), [
      /ISR of jepsen\/0 shrank \[1,2,3\] → \[1\]/,
      /fault: crash the leader of jepsen\/0 \(broker 1\)/,
      /elected broker [23] leader of jepsen\/0 \(epoch 1\) from ISR \[1\] \(unclean/,
      /broker 1 truncated jepsen\/0 from offset \d+ to \d+, removing \d+ records/,
    ]);
  });
});

describe('kip-101-hw-truncation (A3)', () => {
  const result = run('kip-101-hw-truncation.yaml');

  it('blames the restarted follower\'s truncation to its high watermark, before that follower was elected', () => {
    const lost = anomaly(result, 'lost-acked-write');
    expect(lost.verdict).toBe('invalid');
    const text = lost.explanation.text;
    expectInOrder(text, [
      /acknowledged at [\d.]+ s at offsets \d+–\d+ by broker 1, leader in epoch 0, while the ISR was \[1, 2\]/,
      /broker-1 went down \(crash\)/,
      /broker 2 truncated events\/0 from offset \d+ to (\d+) \(\d+ records removed; high-watermark, hw-truncation\)/,
      /elected broker 2 leader of events\/0 in epoch \d+ by an unclean election/,
      /Broker 2 had lost the acknowledged records to its truncation at [\d.]+ s, before it was elected leader at [\d.]+ s\.$/,
    ]);
    const truncatedTo = Number(/broker 2 truncated events\/0 from offset \d+ to (\d+)/.exec(text)![1]);
    expect(truncatedTo).toBeLessThanOrEqual(lost.offsets[0]!);
  });

  it('tells the restart, the truncation and the election in order in the story', () => {
    expectInOrder(storyText(result), [
      /fault: crash broker 1/,
      /broker 2 is running again/,
      /broker 2 truncated events\/0 from offset \d+ to \d+, removing \d+ records \(high-watermark, hw-truncation\)/,
      /ZooKeeper expired the session of broker 1/,
      /elected broker 2 leader of events\/0 \(epoch \d+\) from ISR \[1\] \(unclean/,
    ]);
  });
});

describe('kip-101-divergence (A4)', () => {
  const result = run('kip-101-divergence.yaml');

  it('explains the divergence: power loss, the forgetful replica elected, the other truncating only to its HW and rejoining the ISR', () => {
    const divergent = anomaly(result, 'divergent-replica');
    expect(divergent).toMatchObject({ verdict: 'invalid', broker: 1, leaderEpoch: 0 });
    expectInOrder(divergent.explanation.text, [
      /at offset (\d+) broker 1 holds p1#\d+ \(epoch 0\) where broker 2 holds p1#\d+ \(epoch \d+\)/,
      /broker-1 went down \(power-loss\)/,
      /elected broker 2 leader of events\/0 in epoch \d+ from the ISR \[2\]/,
      /broker 1 truncated events\/0 from offset \d+ to \d+ \(\d+ records removed; high-watermark, hw-truncation\)/,
      /the ISR of events\/0 grew from \[2\] to \[2, 1\]/,
      /When broker 1 followed broker 2 in epoch \d+ it truncated only to offset \d+, keeping its epoch 0 record/,
    ]);
  });

  it('reports StrongIsr broken when the diverged replica rejoins the ISR', () => {
    const violation = anomaly(result, 'invariant-violation');
    expect(violation.detail).toMatch(/^StrongIsr broke at [\d.]+ s: ISR member 1 has \[\d+\.\.\d+\] epoch 0 p1#\d+ where leader 2 has/);
  });

  it('tells the power loss, the recovery to a shorter log, the election and the shallow truncation in order', () => {
    expectInOrder(storyText(result), [
      /fault: config log\.flush\.interval\.messages=1 on broker 1/,
      /broker 2 went down \(power loss\)/,
      /broker 2 recovered events\/0 to offset \d+: \d+ unflushed records lost with the power/,
      /elected broker 2 leader of events\/0/,
      /broker 1 truncated events\/0 from offset \d+ to \d+, removing \d+ records \(high-watermark, hw-truncation\)/,
      /ISR of events\/0 expanded \[2\] → \[2,1\]/,
    ]);
  });
});

describe('kip-279-fast-elections (A5)', () => {
  const result = run('kip-279-fast-elections.yaml');

  it('explains the divergence: two unclean elections, the leader never saw epoch 1, the follower truncated nothing', () => {
    const divergent = anomaly(result, 'divergent-replica');
    expect(divergent).toMatchObject({ verdict: 'invalid', broker: 2, leaderEpoch: 1, otherLeaderEpoch: 0 });
    expectInOrder(divergent.explanation.text, [
      /at offset \d+ broker 2 holds p1#\d+ \(epoch 1\) where broker 1 holds p1#\d+ \(epoch 0\)/,
      /elected broker 2 leader of events\/0 in epoch 1 by an unclean election/,
      /broker-2 went down \(crash\)/,
      /elected broker 1 leader of events\/0 in epoch 2 by an unclean election/,
      /the ISR of events\/0 grew from \[1\] to \[1, 2\]/,
      /When broker 2 followed broker 1 in epoch 2 it truncated nothing, keeping its epoch 1 record/,
    ]);
    expect(result.story.some((line) => /broker 2 truncated events\/0/.test(line))).toBe(false);
    expect(anomaly(result, 'invariant-violation').detail).toMatch(/^StrongIsr broke at [\d.]+ s: ISR member 2 has \[\d+\.\.\d+\] epoch 1 p1#\d+ where leader 1 has \[\d+\.\.\d+\] epoch 0/);
  });
});

describe('kafka-7164 (A6)', () => {
  const result = run('kafka-7164.yaml');

  it('explains the divergence: the follower paused through epoch 1 and followed the same leader in epoch 2 without truncating', () => {
    const divergent = anomaly(result, 'divergent-replica');
    expect(divergent).toMatchObject({ verdict: 'invalid', broker: 4, leaderEpoch: 0, otherLeaderEpoch: 1 });
    expectInOrder(divergent.explanation.text, [
      /at offset \d+ broker 4 holds p1#\d+ \(epoch 0\) where broker 1 holds p1#\d+ \(epoch 1\)/,
      /fault #\d+ \(pause\) hit broker 4/,
      /the ZooKeeper session of broker-4 expired/,
      /elected broker 2 leader of events\/0 in epoch 1/,
      /elected broker 1 leader of events\/0 in epoch 2/,
      /the ISR of events\/0 grew from \[1\] to \[1, 4\]/,
      /When broker 4 followed broker 1 in epoch 2 it truncated nothing, keeping its epoch 0 record/,
    ]);
    expect(anomaly(result, 'invariant-violation').detail).toMatch(/^StrongIsr broke at [\d.]+ s: ISR member 4 has \[\d+\.\.\d+\] epoch 0 p1#\d+ where leader 1 has \[\d+\.\.\d+\] epoch 1/);
  });

  it('tells that the paused broker came back with a new session after the epoch-2 election', () => {
    expectInOrder(storyText(result), [
      /broker 4 paused/,
      /ZooKeeper expired the session of broker 4/,
      /elected broker 2 leader of events\/0 \(epoch 1\)/,
      /elected broker 1 leader of events\/0 \(epoch 2\)/,
      /broker 4 resumed/,
      /broker 4 registered in ZooKeeper again, with a new session/,
      /ISR of events\/0 expanded \[1\] → \[1,4\]/,
    ]);
    expect(result.story.some((line) => /broker 4 truncated/.test(line))).toBe(false);
  });
});
