// Units of the scenario language other than durations (those live in sim/core/time.ts): byte
// sizes ("1MiB", "100KB", or a bare number of bytes), producer rates ("5000/s" or `max`) and
// network bandwidths ("10Mbps", "1Gbps", "100MB/s").
//
// Sizes follow the SI/IEC split Kafka users meet in tooling: KB = 1000 bytes, KiB = 1024 bytes.
// Bits are accepted only for bandwidth, where "Mbps" is the usual way to name a link; a size in
// bits ("10Mb") is rejected rather than guessed. Every parser throws `UnitError` with a message
// that says what was expected; the scenario loader turns it into a positioned error.
// Only multiplication by exact constants is used, so results are identical on every engine.

export class UnitError extends Error {
  override readonly name = 'UnitError';
}

/** A producer's offered load: a fixed rate, or `max` (closed loop, as fast as it can go). */
export type RecordRate = { kind: 'fixed'; recordsPerSecond: number } | { kind: 'max' };

/** The largest size we accept (1 PiB): far beyond any simulated log, still exact in a double. */
export const MAX_SIZE_BYTES = 1024 * 1024 * 1024 * 1024 * 1024;

/** The largest producer rate we accept, in records per second. */
export const MAX_RECORDS_PER_SECOND = 1_000_000_000;

const SIZE_UNIT_BYTES: Readonly<Record<string, number>> = {
  B: 1,
  KB: 1_000,
  kB: 1_000,
  KiB: 1_024,
  MB: 1_000_000,
  MiB: 1_048_576,
  GB: 1_000_000_000,
  GiB: 1_073_741_824,
  TB: 1_000_000_000_000,
  TiB: 1_099_511_627_776,
};

const RATE_UNIT_PER_SECOND: Readonly<Record<string, number>> = {
  us: 1_000_000,
  ms: 1_000,
  s: 1,
  m: 1 / 60,
  min: 1 / 60,
  h: 1 / 3600,
};

const BANDWIDTH_UNIT_BYTES_PER_SECOND: Readonly<Record<string, number>> = {
  bps: 1 / 8,
  Kbps: 1_000 / 8,
  kbps: 1_000 / 8,
  Mbps: 1_000_000 / 8,
  Gbps: 1_000_000_000 / 8,
  'B/s': 1,
  'KB/s': 1_000,
  'kB/s': 1_000,
  'KiB/s': 1_024,
  'MB/s': 1_000_000,
  'MiB/s': 1_048_576,
  'GB/s': 1_000_000_000,
  'GiB/s': 1_073_741_824,
};

const NUMBER_WITH_UNIT = /^(\d+(?:\.\d+)?)\s*(\S*)$/;

/** Parses a size into whole bytes: a non-negative integer, or a string such as "64KiB". */
export function parseSize(input: string | number): number {
  if (typeof input === 'number') return checkedBytes(input, String(input));
  if (typeof input !== 'string') throw new UnitError(`expected a size such as "1MiB", got ${typeof input}`);
  const match = NUMBER_WITH_UNIT.exec(input.trim());
  const unit = match ? (match[2] as string) : '';
  const unitBytes = unit === '' ? 1 : SIZE_UNIT_BYTES[unit];
  if (!match || unitBytes === undefined) {
    const bits = /b(ps)?$/.test(unit) && !unit.endsWith('B');
    throw new UnitError(
      `"${input}" is not a size: use a number of bytes or a number with a unit ` +
        `(B, KB, KiB, MB, MiB, GB, GiB, TB, TiB) such as "64KiB" or "1MB"` +
        (bits ? '; sizes are in bytes, so write B rather than b' : ''),
    );
  }
  return checkedBytes(Number(match[1]) * unitBytes, input);
}

function checkedBytes(bytes: number, input: string): number {
  if (!Number.isFinite(bytes) || bytes < 0) throw new UnitError(`"${input}" is not a size: it must be zero or positive`);
  const rounded = Math.round(bytes);
  if (Math.abs(rounded - bytes) > 1e-6) throw new UnitError(`"${input}" is not a whole number of bytes`);
  if (rounded > MAX_SIZE_BYTES) throw new UnitError(`"${input}" is larger than the 1 PiB limit of a size`);
  return rounded;
}

/**
 * Parses a producer rate: `max`, a number of records per second, or "N/unit" with unit us, ms,
 * s, m (or min) or h, e.g. "5000/s" or "30/m".
 */
export function parseRate(input: string | number): RecordRate {
  if (input === 'max') return { kind: 'max' };
  if (typeof input === 'number') return fixedRate(input, String(input));
  if (typeof input !== 'string') throw new UnitError(`expected a rate such as "5000/s" or max, got ${typeof input}`);
  const match = /^(\d+(?:\.\d+)?)\s*(?:\/\s*(\w+))?$/.exec(input.trim());
  const perSecond = match ? (match[2] === undefined ? 1 : RATE_UNIT_PER_SECOND[match[2]]) : undefined;
  if (!match || perSecond === undefined) {
    throw new UnitError(
      `"${input}" is not a rate: use records per time unit such as "5000/s", "300/m" or "2/ms", or max for as fast as possible`,
    );
  }
  return fixedRate(Number(match[1]) * perSecond, input);
}

function fixedRate(recordsPerSecond: number, input: string): RecordRate {
  if (!Number.isFinite(recordsPerSecond) || recordsPerSecond <= 0) {
    throw new UnitError(`"${input}" is not a rate: it must be greater than zero (omit the producer to send nothing)`);
  }
  if (recordsPerSecond > MAX_RECORDS_PER_SECOND) {
    throw new UnitError(`"${input}" is above the limit of ${MAX_RECORDS_PER_SECOND} records per second; use max instead`);
  }
  return { kind: 'fixed', recordsPerSecond };
}

/**
 * Parses a bandwidth into bytes per second: bits ("10Mbps", "1Gbps") or bytes ("100MB/s",
 * "64KiB/s"). A bare number is refused because nobody agrees whether it means bits or bytes.
 */
export function parseBandwidth(input: string | number): number {
  const match = typeof input === 'string' ? NUMBER_WITH_UNIT.exec(input.trim()) : null;
  const unitBytesPerSecond = match ? BANDWIDTH_UNIT_BYTES_PER_SECOND[match[2] as string] : undefined;
  if (!match || unitBytesPerSecond === undefined) {
    throw new UnitError(
      `${JSON.stringify(input)} is not a bandwidth: use bits per second ("10Mbps", "1Gbps") or bytes per second ("100MB/s", "64KiB/s")`,
    );
  }
  const bytesPerSecond = Number(match[1]) * unitBytesPerSecond;
  if (!(bytesPerSecond > 0) || bytesPerSecond > MAX_SIZE_BYTES) {
    throw new UnitError(`"${input}" is not a bandwidth: it must be greater than zero and at most 1 PiB/s`);
  }
  return bytesPerSecond;
}
