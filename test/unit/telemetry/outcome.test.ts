import { describe, expect, it } from '@jest/globals';
import { FS_OPS } from '../../../src/config/ops.js';
import { EXPECTED_ERRNOS, classifyErrno, outcomeOfError } from '../../../src/telemetry/outcome.js';
import { FsError, isErrnoName } from '../../../src/vfs/errors.js';

describe('expected outcomes (docs/adr/0078)', () => {
  it.each([
    ['lookup', 'ENOENT', 'expected'],
    ['getxattr', 'ENODATA', 'expected'],
    ['getxattr', 'EOPNOTSUPP', 'expected'],
    ['getxattr', 'ERANGE', 'expected'],
    ['removexattr', 'ENODATA', 'expected'],
    ['mkdir', 'EEXIST', 'expected'],
    ['create', 'EEXIST', 'expected'],
    ['rmdir', 'ENOTEMPTY', 'expected'],
    ['setlk', 'EAGAIN', 'expected'],
    ['flock', 'EWOULDBLOCK', 'expected'],
    ['lseek', 'ENXIO', 'expected'],
    ['flush', 'ENOSYS', 'expected'],
    ['copyFileRange', 'EXDEV', 'expected'],
    // The same errno on an op that acts on a resolved node is a failure.
    ['getattr', 'ENOENT', 'error'],
    ['open', 'ENOENT', 'error'],
    ['unlink', 'ENOENT', 'error'],
    ['getxattr', 'EIO', 'error'],
    ['write', 'ENOSPC', 'error'],
    ['read', 'ENOSYS', 'error'],
    ['lookup', 'EACCES', 'error'],
  ])('%s answering %s is %s', (op, errno, outcome) => {
    expect(classifyErrno(op, errno, false)).toBe(outcome);
  });

  it('counts every injected errno as a failure, expected or not', () => {
    expect(classifyErrno('lookup', 'ENOENT', true)).toBe('error');
    const injected = new FsError('ENOENT', undefined, { injectedBy: 'fault.2' });
    expect(outcomeOfError('lookup', injected)).toEqual({ outcome: 'error', errno: 'ENOENT' });
    expect(outcomeOfError('lookup', new FsError('ENOENT'))).toEqual({
      outcome: 'expected',
      errno: 'ENOENT',
    });
    // A Node system error from a backend classifies by its code like an FsError.
    const sys = Object.assign(new Error('no data'), { code: 'ENODATA' });
    expect(outcomeOfError('getxattr', sys)).toEqual({ outcome: 'expected', errno: 'ENODATA' });
  });

  it('names only real ops and real errno names', () => {
    for (const [op, errnos] of Object.entries(EXPECTED_ERRNOS)) {
      expect((FS_OPS as readonly string[]).includes(op) ? op : `unknown op ${op}`).toBe(op);
      for (const e of errnos ?? []) expect(isErrnoName(e) ? e : `unknown errno ${e}`).toBe(e);
    }
  });
});
