import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { coordinatorPartition, javaStringHashCode, kafkaAbs } from '../../sim/kafka/coordinator-key.ts';

/** Java's formula spelled out with BigInt: s[0]*31^(n-1) + … + s[n-1], reduced to a signed 32-bit int. */
function referenceHashCode(text: string): number {
  let hash = 0n;
  for (let i = 0; i < text.length; i++) hash = hash * 31n + BigInt(text.charCodeAt(i));
  return Number(BigInt.asIntN(32, hash));
}

describe('javaStringHashCode', () => {
  it('matches known String.hashCode values', () => {
    expect(javaStringHashCode('hello')).toBe(99162322);
    expect(javaStringHashCode('')).toBe(0);
    expect(javaStringHashCode('a')).toBe(97);
    expect(javaStringHashCode('abc')).toBe(96354);
    expect(javaStringHashCode('Hello, World!')).toBe(1498789909);
    expect(javaStringHashCode('polygenelubricants')).toBe(-2147483648);
  });

  it('equals the polynomial over UTF-16 code units in 32-bit arithmetic', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
        expect(javaStringHashCode(text)).toBe(referenceHashCode(text));
      }),
    );
  });

  it('hashes a surrogate pair as its two code units', () => {
    expect(javaStringHashCode('😀')).toBe(0xd83d * 31 + 0xde00);
  });
});

describe('coordinatorPartition', () => {
  it('is abs(hashCode) % 50 by default', () => {
    expect(coordinatorPartition('hello')).toBe(22);
    expect(coordinatorPartition('my-group')).toBe(12);
    expect(coordinatorPartition('group-1')).toBe(49);
  });

  it('maps a group whose hash is Integer.MIN_VALUE to partition 0, as Utils.abs does', () => {
    expect(kafkaAbs(-2147483648)).toBe(0);
    expect(coordinatorPartition('polygenelubricants')).toBe(0);
    expect(coordinatorPartition('GydZG_', 7)).toBe(0);
  });

  it('always lies in [0, numOffsetsPartitions)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.integer({ min: 1, max: 200 }), (groupId, n) => {
        const partition = coordinatorPartition(groupId, n);
        expect(partition).toBeGreaterThanOrEqual(0);
        expect(partition).toBeLessThan(n);
      }),
    );
  });

  it('rejects a partition count that is not a positive integer', () => {
    expect(() => coordinatorPartition('g', 0)).toThrow(/numOffsetsPartitions must be a positive integer, got 0/);
  });
});
