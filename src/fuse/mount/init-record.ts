import type { NegotiatedInit } from './init.js';

/** A NegotiatedInit field that a handed-off or persisted record lacks or has of the wrong type. */
export class InitRecordError extends Error {
  readonly code = 'EINITRECORD';
  constructor(field: string, expected: string) {
    super(`negotiated INIT: ${field} must be ${expected}`);
    this.name = 'InitRecordError';
  }
}

type InitRecord = Readonly<Record<string, unknown>>;

const integer = (r: InitRecord, field: keyof NegotiatedInit): number => {
  const v = r[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw new InitRecordError(field, 'an integer >= 0');
  return v;
};

const boolean = (r: InitRecord, field: keyof NegotiatedInit): boolean => {
  const v = r[field];
  if (typeof v !== 'boolean') throw new InitRecordError(field, 'true or false');
  return v;
};

/**
 * The INIT the CSI driver negotiated, from the JSON record it hands the sidecar with the fds,
 * checked field by field: the session sizes its buffers and picks its features from it.
 */
export function negotiatedInitFrom(r: InitRecord): NegotiatedInit {
  const flags = r.flags;
  if (typeof flags !== 'string' || !/^[0-9a-f]+$/.test(flags))
    throw new InitRecordError('flags', 'a hex string');
  return {
    major: integer(r, 'major'),
    minor: integer(r, 'minor'),
    flags,
    maxReadahead: integer(r, 'maxReadahead'),
    maxWrite: integer(r, 'maxWrite'),
    maxPages: integer(r, 'maxPages'),
    maxBackground: integer(r, 'maxBackground'),
    passthrough: boolean(r, 'passthrough'),
    writebackCache: boolean(r, 'writebackCache'),
  };
}
