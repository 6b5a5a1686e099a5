// How the viewer writes times, counts and rates. Simulated time is integer microseconds
// (sim/core/time.ts); the viewer shows seconds with milliseconds, which is the grain at which
// Kafka's timeouts and a teacher's story work, and switches to m:ss / h:mm:ss for long runs.

const US_PER_SECOND = 1_000_000;

/** "20.000 s", "1:05.250", "1:02:03.5". */
export function formatTime(us: number): string {
  const totalSeconds = us / US_PER_SECOND;
  if (totalSeconds < 60) return `${totalSeconds.toFixed(3)} s`;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours === 0) return `${minutes}:${seconds.toFixed(3).padStart(6, '0')}`;
  return `${hours}:${String(minutes).padStart(2, '0')}:${seconds.toFixed(1).padStart(4, '0')}`;
}

/** A compact time for axis ticks and chips: "20s", "1m05s", "250ms". */
export function formatTimeCompact(us: number): string {
  if (us < US_PER_SECOND) return `${Math.round(us / 1000)}ms`;
  const totalSeconds = us / US_PER_SECOND;
  if (totalSeconds < 60) return `${Number(totalSeconds.toFixed(3))}s`;
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = Math.round(totalSeconds % 60);
  if (minutes < 60) return `${minutes}m${String(seconds).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** A duration between two moments in words: "18.0 s", "350 ms". */
export function formatSpan(us: number): string {
  if (us < US_PER_SECOND) return `${Math.round(us / 1000)} ms`;
  return `${(us / US_PER_SECOND).toFixed(1)} s`;
}

const counts = new Intl.NumberFormat('en-US');

export function formatCount(value: number): string {
  return counts.format(value);
}

/** 4980 → "4.98k", 1250000 → "1.25M". */
export function formatRate(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${Number((value / 1e6).toFixed(2))}M`;
  if (abs >= 1e3) return `${Number((value / 1e3).toFixed(2))}k`;
  return String(Number(value.toFixed(abs < 10 ? 2 : 0)));
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  return `${(bytes / (1024 * 1024 * 1024)).toFixed(2)} GiB`;
}

/** "[1, 2, 3]" as Kafka tools print replica lists. */
export function formatList(values: readonly number[]): string {
  return `[${values.join(', ')}]`;
}
