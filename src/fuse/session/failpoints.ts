/**
 * Fault injection into the engine itself, for its own tests: what the engine does when one of
 * its reader threads fails cannot be reached from outside (a reader allocates nothing per
 * request and its serving code catches every system call's error). Set in the environment of
 * the serving process:
 *
 *   FS_INTERPOSER_FAILPOINTS="reader-crash=N,reader-serve-throw=N"
 *
 * - `reader-crash=N`: the first reader thread dies right after reading its Nth request, with
 *   that request in flight (once: the reader that replaces it runs without failpoints).
 * - `reader-serve-throw=N`: in every reader thread (replacements too), serving its Nth request itself (READ, WRITE,
 *   FSYNC, FLUSH of a registered file) throws.
 *
 * Unset (production), the readers check one integer per request.
 */
export interface ReaderFailpoints {
  /** Request count (1-based) after whose read the reader dies; 0 never. */
  crashAt: number;
  /** Count (1-based) of the request served in the reader that throws; 0 never. */
  serveThrowAt: number;
}

export const FAILPOINTS_ENV = 'FS_INTERPOSER_FAILPOINTS';
export const NO_FAILPOINTS: ReaderFailpoints = { crashAt: 0, serveThrowAt: 0 };

const NAMES = { 'reader-crash': 'crashAt', 'reader-serve-throw': 'serveThrowAt' } as const;

/** Parse the variable; a malformed one is refused whole, naming what is accepted. */
export function parseFailpoints(spec: string | undefined): ReaderFailpoints {
  const fp = { ...NO_FAILPOINTS };
  if (spec === undefined || spec.trim() === '') return fp;
  const bad: string[] = [];
  for (const item of spec.split(',')) {
    const [name = '', value = ''] = item.trim().split('=');
    const key = NAMES[name as keyof typeof NAMES];
    const n = Number(value);
    if (key === undefined || !Number.isSafeInteger(n) || n < 1) bad.push(item.trim());
    else fp[key] = n;
  }
  if (bad.length > 0) {
    throw new Error(
      `${FAILPOINTS_ENV}: cannot use ${bad.map((b) => JSON.stringify(b)).join(', ')}; ` +
        `accepted: ${Object.keys(NAMES).map((k) => `${k}=N`).join(', ')} (N >= 1), comma-separated`,
    );
  }
  return fp;
}
