/** One configuration error: what is wrong, where, and what would have been accepted there. */
export interface ConfigError {
  message: string;
  /** Compact form: token index and column; file form: JSON pointer and line. */
  position?: string;
  accepted?: string[];
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; errors: ConfigError[] };
