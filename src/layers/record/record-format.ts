import { decodeName, displayName, encodeName, isTextName } from '../../vfs/names.js';

/**
 * One line of a recorded run (JSON lines), shared by the record layer and `fs-interposer report`.
 * Short keys because a busy volume writes millions of them; absent fields are left out.
 */
export interface RecordLine {
  /** Start time, epoch milliseconds (3 decimals). */
  t: number;
  op: string;
  /** For people: a name that is not UTF-8 shows each invalid byte as `\xNN` (docs/adr/0075). */
  path: string;
  /** The exact bytes of `path` (base64), only when it is not valid UTF-8: `recordedPath` reads it. */
  pathBytes?: string;
  /** rename/link/copy_file_range target, shown like `path`. */
  to?: string;
  /** The exact bytes of `to` (base64), only when it is not valid UTF-8. */
  toBytes?: string;
  /** File offset of read/write/fallocate/copy_file_range. */
  off?: number;
  /** Requested length (read buffer, write buffer, copy length). */
  len?: number;
  /** Bytes actually moved (read/write/copy_file_range result). */
  bytes?: number;
  /** Duration in microseconds. */
  us: number;
  /** 'ok' or the errno name. */
  res: string;
  /** True when a disturbing layer below injected the error. */
  inj?: true;
  /** The instance name of the layer that injected it (`fault`, `fault.2`), with `inj`. */
  by?: string;
  pid: number;
  uid: number;
}

/** First line of every file: what produced it (the report skips lines it does not know). */
export interface RecordHeader {
  kind: 'fs-interposer-record';
  v: 1;
  volume: string;
  started: number;
  /** Rotation sequence: 0 for the first file of a run. */
  part: number;
}

/**
 * A volume path as record fields: the display form, plus its bytes when the display form would
 * lose them. A string that stands for no byte string (never one from the FUSE engine) keeps only
 * its display form: recording must never fail an op.
 */
export function pathFields(path: string): { text: string; bytes?: string } {
  if (isTextName(path)) return { text: path };
  const text = displayName(path);
  try {
    return { text, bytes: encodeName(path).toString('base64') };
  } catch {
    return { text };
  }
}

/** The exact volume path of a record field pair (lossless where `bytes` is present). */
export const recordedPath = (text: string, bytes: string | undefined): string =>
  bytes === undefined ? text : decodeName(Buffer.from(bytes, 'base64'));

export function isRecordLine(v: unknown): v is RecordLine {
  const r = v as Partial<RecordLine> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.t === 'number' &&
    typeof r.op === 'string' &&
    typeof r.path === 'string' &&
    typeof r.res === 'string'
  );
}
