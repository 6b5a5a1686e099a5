import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { keyedPartition, murmur2, RecordPartitioner, StickyPartitioner, toPositive, utf8 } from '../../sim/clients/partitioner.ts';
import { keyName, type LoadSpec } from '../../sim/clients/load.ts';
import type { TopicMetadata } from '../../sim/clients/producer-metadata.ts';
import { createRng } from '../../sim/core/rng.ts';

describe('murmur2', () => {
  // The vectors of Kafka's UtilsTest.testMurmur2, covering every tail length (0–3 bytes left over).
  const vectors: ReadonlyArray<readonly [string, number]> = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['abc', 479470107],
  ];
  for (const [key, hash] of vectors) {
    it(`hashes "${key}" to ${hash} as Utils.murmur2 does`, () => {
      expect(murmur2(utf8(key))).toBe(hash);
    });
  }

  it('returns a signed 32-bit integer for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const hash = murmur2(bytes);
        expect(Number.isInteger(hash)).toBe(true);
        expect(hash).toBe(hash | 0);
      }),
    );
  });
});

describe('utf8', () => {
  it('encodes one- to four-byte characters as Java String.getBytes(UTF_8)', () => {
    expect([...utf8('a')]).toEqual([0x61]);
    expect([...utf8('é')]).toEqual([0xc3, 0xa9]);
    expect([...utf8('€')]).toEqual([0xe2, 0x82, 0xac]);
    expect([...utf8('😀')]).toEqual([0xf0, 0x9f, 0x98, 0x80]);
  });

  it('matches TextEncoder on well-formed strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 20 }), (text) => {
        expect([...utf8(text)]).toEqual([...new TextEncoder().encode(text)]);
      }),
    );
  });

  it('writes a lone surrogate as "?" like Java, not U+FFFD like TextEncoder', () => {
    expect([...utf8('a\ud800b')]).toEqual([0x61, 0x3f, 0x62]);
    expect([...utf8('\udc00')]).toEqual([0x3f]);
  });
});

describe('keyedPartition', () => {
  it('puts "foobar" in partition 0 of 6 and 6 of 10', () => {
    expect(keyedPartition('foobar', 6)).toBe(0);
    expect(keyedPartition('foobar', 10)).toBe(6);
  });

  it('puts "abc" in partition 3 of 6 and 7 of 10', () => {
    expect(keyedPartition('abc', 6)).toBe(3);
    expect(keyedPartition('abc', 10)).toBe(7);
  });

  it('is toPositive(murmur2(key)) % n and always lies in [0, n)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.integer({ min: 1, max: 1000 }), (key, numPartitions) => {
        const partition = keyedPartition(key, numPartitions);
        expect(partition).toBe(toPositive(murmur2(utf8(key))) % numPartitions);
        expect(partition).toBeGreaterThanOrEqual(0);
        expect(partition).toBeLessThan(numPartitions);
      }),
    );
  });

  it('clears only the sign bit in toPositive, so Integer.MIN_VALUE maps to 0', () => {
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(12345)).toBe(12345);
  });

  it('rejects a partition count that is not a positive integer', () => {
    expect(() => keyedPartition('k', 0)).toThrow(/numPartitions must be a positive integer, got 0/);
  });
});

describe('StickyPartitioner', () => {
  it('keeps returning one partition until a new batch is opened on it, then changes', () => {
    const partitioner = new StickyPartitioner(createRng('sticky-basic'));
    const available = [0, 1, 2, 3, 4, 5];
    const first = partitioner.partition('t', available, 6);
    for (let i = 0; i < 50; i++) expect(partitioner.partition('t', available, 6)).toBe(first);
    const next = partitioner.onNewBatch('t', first, available, 6);
    expect(next).not.toBe(first);
    expect(partitioner.partition('t', available, 6)).toBe(next);
  });

  it('always moves to a different available partition when more than one is available', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 1, max: 30 }),
        (numPartitions, seed, batches) => {
          const partitioner = new StickyPartitioner(createRng(seed));
          const available = Array.from({ length: numPartitions }, (_, p) => p).filter((p) => p % 3 !== 1);
          const usable = available.length >= 2 ? available : [0, numPartitions - 1];
          let current = partitioner.partition('t', usable, numPartitions);
          for (let i = 0; i < batches; i++) {
            const next = partitioner.onNewBatch('t', current, usable, numPartitions);
            expect(next).not.toBe(current);
            expect(usable).toContain(next);
            current = next;
          }
        },
      ),
    );
  });

  it('ignores a new batch on a partition that is no longer the sticky one', () => {
    const partitioner = new StickyPartitioner(createRng('sticky-stale'));
    const available = [0, 1, 2];
    const sticky = partitioner.partition('t', available, 3);
    const stale = (sticky + 1) % 3;
    expect(partitioner.onNewBatch('t', stale, available, 3)).toBe(sticky);
    expect(partitioner.partition('t', available, 3)).toBe(sticky);
  });

  it('keeps one sticky partition per topic', () => {
    const partitioner = new StickyPartitioner(createRng('sticky-topics'));
    const a = partitioner.partition('a', [0, 1, 2, 3], 4);
    const b = partitioner.partition('b', [7], 8);
    partitioner.onNewBatch('a', a, [0, 1, 2, 3], 4);
    expect(partitioner.partition('b', [7], 8)).toBe(b);
    expect(b).toBe(7);
  });

  it('stays on the only available partition', () => {
    const partitioner = new StickyPartitioner(createRng('sticky-one'));
    expect(partitioner.partition('t', [4], 6)).toBe(4);
    expect(partitioner.onNewBatch('t', 4, [4], 6)).toBe(4);
  });

  it('picks among all partitions when none is available', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 20 }), (seed, numPartitions) => {
        const partitioner = new StickyPartitioner(createRng(seed));
        const partition = partitioner.partition('t', [], numPartitions);
        expect(partition).toBeGreaterThanOrEqual(0);
        expect(partition).toBeLessThan(numPartitions);
      }),
    );
  });

  it('spreads successive batches over every available partition', () => {
    const partitioner = new StickyPartitioner(createRng('sticky-spread'));
    const available = [0, 1, 2, 3, 4];
    const seen = new Set<number>();
    let current = partitioner.partition('t', available, 5);
    for (let i = 0; i < 200; i++) {
      seen.add(current);
      current = partitioner.onNewBatch('t', current, available, 5);
    }
    expect([...seen].sort((a, b) => a - b)).toEqual(available);
  });

  it('makes the same choices for the same seed', () => {
    const run = (): number[] => {
      const partitioner = new StickyPartitioner(createRng(42));
      const picks = [partitioner.partition('t', [0, 1, 2, 3], 4)];
      for (let i = 0; i < 20; i++) picks.push(partitioner.onNewBatch('t', picks[i] as number, [0, 1, 2, 3], 4));
      return picks;
    };
    expect(run()).toEqual(run());
  });
});

describe('RecordPartitioner', () => {
  const topicOf = (available: number[], partitionCount: number): TopicMetadata => ({
    partitionCount,
    leaderIds: Array.from({ length: partitionCount }, (_, p) => (available.includes(p) ? 1 : -1)),
    leaderEpochs: new Array<number>(partitionCount).fill(0),
    available,
  });
  const loadOf = (partition: number | null, keyCount: number): LoadSpec => ({
    topic: 't',
    rate: { kind: 'max' },
    messageBytes: 100,
    keys: keyCount > 0 ? { count: keyCount, distribution: 'uniform' } : null,
    partition,
    startUs: 0,
    stopUs: 1_000_000,
  });
  const all6 = topicOf([0, 1, 2, 3, 4, 5], 6);

  it("sends every record to the load's own partition, keyed or not, and never aborts an append", () => {
    const partitioner = new RecordPartitioner(loadOf(4, 10), { roundRobin: true }, createRng('own'));
    for (const keyIndex of [-1, 0, 7]) {
      expect(partitioner.partition(keyIndex, all6)).toBe(4);
      expect(partitioner.quietPartition(keyIndex, all6)).toBe(4);
      expect(partitioner.abortsOnNewBatch(keyIndex)).toBe(false);
    }
  });

  it('puts a keyed record where keyedPartition puts its key, and follows a change of partition count', () => {
    const partitioner = new RecordPartitioner(loadOf(null, 50), { roundRobin: false }, createRng('keyed'));
    for (let keyIndex = 0; keyIndex < 50; keyIndex++) {
      expect(partitioner.partition(keyIndex, all6)).toBe(keyedPartition(keyName(keyIndex), 6));
      expect(partitioner.partition(keyIndex, topicOf([], 10))).toBe(keyedPartition(keyName(keyIndex), 10));
      expect(partitioner.abortsOnNewBatch(keyIndex)).toBe(false);
    }
  });

  it('keeps unkeyed records on the sticky partition until a new batch moves it', () => {
    const partitioner = new RecordPartitioner(loadOf(null, 0), { roundRobin: false }, createRng('sticky'));
    expect(partitioner.quietPartition(-1, all6)).toBe(-1);
    const first = partitioner.partition(-1, all6);
    expect(partitioner.quietPartition(-1, all6)).toBe(first);
    expect(partitioner.partition(-1, all6)).toBe(first);
    expect(partitioner.abortsOnNewBatch(-1)).toBe(true);
    const next = partitioner.onNewBatch(first, all6);
    expect(next).not.toBe(first);
    expect(partitioner.partition(-1, all6)).toBe(next);
  });

  it('takes turns over the available partitions with round-robin, read from the live settings', () => {
    const settings = { roundRobin: false };
    const partitioner = new RecordPartitioner(loadOf(null, 10), settings, createRng('round-robin'));
    settings.roundRobin = true;
    const turns = [0, 1, 2, 3, 4, 5].map((i) => partitioner.partition(i % 2 === 0 ? -1 : i, topicOf([1, 3, 5], 6)));
    expect(turns).toEqual([1, 3, 5, 1, 3, 5]);
    expect(partitioner.quietPartition(-1, all6)).toBe(-1);
    expect(partitioner.quietPartition(3, all6)).toBe(-1);
    expect(partitioner.abortsOnNewBatch(-1)).toBe(false);
  });

  it('asks nothing of the random stream when it only looks (quietPartition)', () => {
    const looked = new RecordPartitioner(loadOf(null, 5), { roundRobin: false }, createRng(7));
    const untouched = new RecordPartitioner(loadOf(null, 5), { roundRobin: false }, createRng(7));
    for (let keyIndex = -1; keyIndex < 5; keyIndex++) looked.quietPartition(keyIndex, all6);
    expect(looked.partition(-1, all6)).toBe(untouched.partition(-1, all6));
    expect(looked.onNewBatch(looked.partition(-1, all6), all6)).toBe(untouched.onNewBatch(untouched.partition(-1, all6), all6));
  });

  it('hands out one PartitionRef per partition, named topic/partition', () => {
    const partitioner = new RecordPartitioner(loadOf(null, 0), { roundRobin: false }, createRng('refs'));
    const ref = partitioner.ref(2);
    expect(ref).toEqual({ name: 't/2', topic: 't', partition: 2 });
    expect(partitioner.ref(2)).toBe(ref);
  });
});
