/**
 * Kubernetes resource quantities (the apimachinery `resource.Quantity` syntax) and the sizes built
 * on them: one parser for the webhook's resource annotations and every size the configuration
 * takes, so that `512Mi` means the same thing in an annotation, a layer spec and a config file.
 * @kubernetes/client-node does not export its parser (and its float arithmetic fails on `1.5Gi`).
 */
const QUANTITY = /^[+]?(\d+(\.\d*)?|\.\d+)(([eE][+-]?\d+)|(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei))?$/;

const DECIMAL_EXP: Readonly<Record<string, number>> = {
  m: -3,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BINARY_EXP: Readonly<Record<string, number>> = {
  Ki: 10,
  Mi: 20,
  Gi: 30,
  Ti: 40,
  Pi: 50,
  Ei: 60,
};

export function isQuantity(value: string): boolean {
  return QUANTITY.test(value);
}

/** The quantity as a float (precise enough to compare a request with a limit). */
export function quantityValue(value: string): number {
  const m = QUANTITY.exec(value);
  if (!m) throw new RangeError(`not a quantity: ${value}`);
  const base = Number(m[1]);
  const exp = m[4];
  if (exp !== undefined) return base * 10 ** Number(exp.slice(1));
  const suffix = m[5];
  if (suffix === undefined) return base;
  const binary = BINARY_EXP[suffix];
  return binary === undefined ? base * 10 ** DECIMAL_EXP[suffix]! : base * 2 ** binary;
}

/**
 * The suffixes a size takes: the Kubernetes ones (no milli), and the byte-unit spellings of
 * ARCHITECTURE.md section 4 (`5MB` = 5*10^6, `5MiB` = 5*2^20), `B` for plain bytes.
 */
export const SIZE_SUFFIXES: readonly string[] = [
  ...['k', 'M', 'G', 'T', 'P', 'E', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'],
  ...['B', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'],
];

/** For JSON Schema consumers (Helm, editors); whole-byte results are checked by parseSizeText. */
export const SIZE_PATTERN = `^[+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+]?[0-9]+|${[...SIZE_SUFFIXES]
  .sort((a, b) => b.length - a.length)
  .join('|')})?$`;

const SIZE = /^[+]?(\d*)(?:\.(\d*))?(?:[eE][+]?(\d+)|([A-Za-z]+))?$/;

export type SizeResult = { ok: true; bytes: number } | { ok: false; reason: string };

/** [power of 2, power of 10] of each size suffix. */
const SIZE_SCALE: ReadonlyMap<string, readonly [number, number]> = new Map(
  SIZE_SUFFIXES.map((suffix) => {
    const unit = suffix.length > 1 && suffix.endsWith('B') ? suffix.slice(0, -1) : suffix;
    if (unit === 'B') return [suffix, [0, 0]];
    const binary = BINARY_EXP[unit];
    return [
      suffix,
      binary === undefined ? [0, DECIMAL_EXP[unit === 'K' ? 'k' : unit]!] : [binary, 0],
    ];
  }),
);

const notSize = (text: string): SizeResult => ({
  ok: false,
  reason: `'${text}' is not a size (bytes, or a number with one of ${SIZE_SUFFIXES.join(' ')})`,
});

const tooLarge = (text: string): SizeResult => ({
  ok: false,
  reason: `'${text}' is too large (at most ${Number.MAX_SAFE_INTEGER} bytes)`,
});

/** [power of 2, power of 10] of a matched size, or a reason it is none. */
function scaleOf(raw: string, m: RegExpExecArray): readonly [number, number] | SizeResult {
  const suffix = m[4] ?? '';
  if (suffix === 'm') {
    return {
      ok: false,
      reason: `'${raw}': the milli suffix m is not a size (M = 10^6, Mi = 2^20)`,
    };
  }
  if (m[3] !== undefined) {
    // Past 400 too large for any digits written before it (and costly as a BigInt).
    return Number(m[3]) > 400 ? tooLarge(raw) : [0, Number(m[3])];
  }
  return suffix === '' ? [0, 0] : (SIZE_SCALE.get(suffix) ?? notSize(raw));
}

/** digits * 2^p2 * 10^p10 / 10^fracDigits, exactly. */
function exactBytes(
  raw: string,
  digits: string,
  fracDigits: number,
  scale: readonly [number, number],
): SizeResult {
  let num = BigInt(digits || '0') * 2n ** BigInt(scale[0]);
  const exp10 = scale[1] - fracDigits;
  if (exp10 >= 0) num *= 10n ** BigInt(exp10);
  else {
    const div = 10n ** BigInt(-exp10);
    if (num % div !== 0n) return { ok: false, reason: `'${raw}' is not a whole number of bytes` };
    num /= div;
  }
  return num > BigInt(Number.MAX_SAFE_INTEGER) ? tooLarge(raw) : { ok: true, bytes: Number(num) };
}

/**
 * Bytes for `4096`, `5MB`, `5MiB`, `10Gi`, `1.5Gi`, `1e9`, computed exactly (no float rounding):
 * a result that is not a whole number of bytes is refused, and so is the milli suffix.
 */
export function parseSizeText(raw: string): SizeResult {
  const m = SIZE.exec(raw.trim());
  if (m === null || (m[1] === '' && (m[2] ?? '') === '')) return notSize(raw);
  const scale = scaleOf(raw, m);
  if (!Array.isArray(scale)) return scale as SizeResult;
  const frac = m[2] ?? '';
  return exactBytes(raw, `${m[1]}${frac}`, frac.length, scale as readonly [number, number]);
}
