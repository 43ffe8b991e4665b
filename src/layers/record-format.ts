/**
 * One line of a recorded run (JSON lines), shared by the record layer and `fs-interposer report`.
 * Short keys because a busy volume writes millions of them; absent fields are left out.
 */
export interface RecordLine {
  /** Start time, epoch milliseconds (3 decimals). */
  t: number;
  op: string;
  path: string;
  /** rename/link/copy_file_range target. */
  to?: string;
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
