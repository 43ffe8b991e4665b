import { parseSizeText } from './quantity.js';

/**
 * Units of the configuration: sizes (`MB` = 10^6, `MiB` = 2^20, as ARCHITECTURE.md section 4
 * fixes, and the Kubernetes quantity suffixes `Mi`, `Gi`, `k`, `M` ...; see quantity.ts) and
 * durations (`us`, `ms`, `s`). Numbers in a config are already in the base unit
 * (bytes, milliseconds); strings carry a unit. One parser serves the compact grammar and the file
 * form so that `5MB` means the same thing in both.
 */

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { us: 1e-3, ms: 1, s: 1e3 };

export const DURATION_PATTERN = '^[0-9]+(\\.[0-9]+)?(us|ms|s)$';

const DURATION_RE = new RegExp(DURATION_PATTERN);

/** Bytes for `5MB`, `1.5GiB`, `10Gi`, `4096`; undefined when the text is not a size. */
export function parseSize(text: string): number | undefined {
  const r = parseSizeText(text);
  return r.ok ? r.bytes : undefined;
}

/** Milliseconds for `10ms`, `250us`, `1.5s`; undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION_RE.exec(text.trim());
  if (m === null) return undefined;
  const unit = DURATION_UNITS_MS[m[2] ?? ''];
  if (unit === undefined) return undefined;
  return Number.parseFloat(text) * unit;
}
