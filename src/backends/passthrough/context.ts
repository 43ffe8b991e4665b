import type { Logger } from 'pino';
import type { Confinement } from './confine.js';
import type { HandleTable } from './handles.js';
import type { Ownership } from './ownership.js';
import type { LockTable } from './lock-table.js';
import type { MetaIoPolicy } from '../../sys/libc.js';

/** What every op module of the passthrough backend shares. */
export interface PassthroughContext {
  readonly confine: Confinement;
  readonly handles: HandleTable;
  readonly ownership: Ownership;
  readonly locks: LockTable;
  readonly log: Logger | undefined;
  /** Attach attributes to readdir entries (see dir-attrs.ts). */
  readonly readdirAttrs: boolean;
  /** The backing filesystem keeps POSIX ACLs (see acl.ts). */
  readonly posixAcl: boolean;
  /** Whether metadata system calls run inline or on the threadpool (PassthroughOptions.metaIo). */
  readonly io: MetaIoPolicy;
}
