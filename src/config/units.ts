/**
 * Units of the configuration: sizes (`MB` = 10^6, `MiB` = 2^20, as ARCHITECTURE.md section 4
 * fixes) and durations (`us`, `ms`, `s`). Numbers in a config are already in the base unit
 * (bytes, milliseconds); strings carry a unit. One parser serves the compact grammar and the file
 * form so that `5MB` means the same thing in both.
 */

const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
  TiB: 2 ** 40,
};

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { us: 1e-3, ms: 1, s: 1e3 };

export const SIZE_PATTERN = '^[0-9]+(\\.[0-9]+)?(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?$';
export const DURATION_PATTERN = '^[0-9]+(\\.[0-9]+)?(us|ms|s)$';
export const SIZE_UNIT_NAMES = Object.keys(SIZE_UNITS).filter((u) => u !== '');
export const DURATION_UNIT_NAMES = Object.keys(DURATION_UNITS_MS);

const SIZE_RE = new RegExp(SIZE_PATTERN);
const DURATION_RE = new RegExp(DURATION_PATTERN);

/** Bytes for `5MB`, `1.5GiB`, `4096`; undefined when the text is not a size. */
export function parseSize(text: string): number | undefined {
  const m = SIZE_RE.exec(text.trim());
  if (m === null) return undefined;
  const unit = SIZE_UNITS[m[2] ?? ''];
  if (unit === undefined) return undefined;
  return Math.round(Number.parseFloat(text) * unit);
}

/** Milliseconds for `10ms`, `250us`, `1.5s`; undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION_RE.exec(text.trim());
  if (m === null) return undefined;
  const unit = DURATION_UNITS_MS[m[2] ?? ''];
  if (unit === undefined) return undefined;
  return Number.parseFloat(text) * unit;
}
