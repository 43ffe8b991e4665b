/** Human units for the report (binary prefixes for bytes, like ls -h and the dashboard). */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

export function formatMicros(us: number): string {
  if (!Number.isFinite(us)) return '> 10 s';
  if (us < 1_000) return `${Math.round(us)} µs`;
  if (us < 1_000_000) return `${+(us / 1_000).toPrecision(3)} ms`;
  return `${+(us / 1_000_000).toPrecision(3)} s`;
}

/** Seconds since the start of the run. */
export const formatOffsetSeconds = (ms: number): string => `${+(ms / 1000).toFixed(1)} s`;

export const formatCount = (n: number): string => Math.round(n).toLocaleString('en-US');
