// Simulated time: integer microseconds held in a plain `number` (exact up to 2^53 µs, about
// 285 years). Kafka configs stay in their native units (`*.ms`) and are converted here, at the
// boundary, so nothing inside the simulator mixes units.
//
// Durations in scenarios are strings with a unit ("250us", "250ms", "30s", "2m", "1h", and
// compounds such as "1m30s") or bare numbers, which mean milliseconds as Kafka's `*.ms` keys do.
// Anything else is rejected with a message that says what was expected.

export const US_PER_MS = 1_000;
export const US_PER_SECOND = 1_000_000;
export const US_PER_MINUTE = 60 * US_PER_SECOND;
export const US_PER_HOUR = 60 * US_PER_MINUTE;

/** The largest duration we accept: 100 years, far beyond any run yet still exact in a double. */
export const MAX_DURATION_US = 100 * 365 * 24 * US_PER_HOUR;

const UNIT_US: Readonly<Record<string, number>> = {
  us: 1,
  µs: 1,
  ms: US_PER_MS,
  s: US_PER_SECOND,
  m: US_PER_MINUTE,
  h: US_PER_HOUR,
};

export class DurationError extends Error {
  override readonly name = 'DurationError';
}

export function msToUs(ms: number): number {
  return Math.round(ms * US_PER_MS);
}

export function usToMs(us: number): number {
  return us / US_PER_MS;
}

export function secondsToUs(seconds: number): number {
  return Math.round(seconds * US_PER_SECOND);
}

const TERM = /(\d+(?:\.\d+)?)\s*(us|µs|ms|s|m|h)/y;

/**
 * Parses a duration into integer microseconds. Numbers are milliseconds (as Kafka's `*.ms`
 * settings); strings need a unit. Fractions are allowed when they land on a whole microsecond.
 */
export function parseDuration(input: string | number): number {
  if (typeof input === 'number') return checkedUs(input * US_PER_MS, String(input));
  if (typeof input !== 'string') {
    throw new DurationError(`expected a duration such as "250ms" or "30s", got ${typeof input}`);
  }
  const text = input.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return checkedUs(Number(text) * US_PER_MS, input);
  let totalUs = 0;
  let position = 0;
  let terms = 0;
  while (position < text.length) {
    TERM.lastIndex = position;
    const match = TERM.exec(text);
    if (!match) throw garbage(input);
    const unit = UNIT_US[match[2] as string] as number;
    totalUs += Number(match[1]) * unit;
    position = TERM.lastIndex;
    while (text[position] === ' ') position++;
    terms++;
  }
  if (terms === 0) throw garbage(input);
  return checkedUs(totalUs, input);
}

function garbage(input: string): DurationError {
  return new DurationError(
    `"${input}" is not a duration: use a number with a unit (us, ms, s, m, h) such as "250ms", "30s" or "1m30s", or a bare number of milliseconds`,
  );
}

function checkedUs(valueUs: number, input: string): number {
  if (!Number.isFinite(valueUs) || valueUs < 0) {
    throw new DurationError(`"${input}" is not a duration: it must be zero or positive`);
  }
  const rounded = Math.round(valueUs);
  if (Math.abs(rounded - valueUs) > 1e-9 * Math.max(1, valueUs)) {
    throw new DurationError(`"${input}" is finer than the simulator's resolution of 1 microsecond`);
  }
  if (rounded > MAX_DURATION_US) {
    throw new DurationError(`"${input}" is longer than the 100-year limit of a simulated duration`);
  }
  return rounded;
}

/**
 * Formats microseconds in the largest units that keep it exact, e.g. 90 s → "1m30s",
 * 1500 µs → "1ms500us". `parseDuration(formatDuration(x)) === x` for every valid x.
 */
export function formatDuration(us: number): string {
  if (!Number.isInteger(us) || us < 0) throw new DurationError(`cannot format ${us} µs as a duration`);
  if (us === 0) return '0ms';
  const parts: string[] = [];
  let rest = us;
  for (const [unit, size] of FORMAT_UNITS) {
    if (rest >= size) {
      const count = Math.floor(rest / size);
      parts.push(`${count}${unit}`);
      rest -= count * size;
    }
  }
  return parts.join('');
}

const FORMAT_UNITS: ReadonlyArray<readonly [string, number]> = [
  ['h', US_PER_HOUR],
  ['m', US_PER_MINUTE],
  ['s', US_PER_SECOND],
  ['ms', US_PER_MS],
  ['us', 1],
];

/** A short human reading of a time, for logs: "12.345s", "250ms", "40us". */
export function formatTimeShort(us: number): string {
  if (us >= US_PER_SECOND) return `${trimFixed(us / US_PER_SECOND, 3)}s`;
  if (us >= US_PER_MS) return `${trimFixed(us / US_PER_MS, 3)}ms`;
  return `${us}us`;
}

function trimFixed(value: number, digits: number): string {
  return value.toFixed(digits).replace(/\.?0+$/, '');
}
