import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import {
  chownSync,
  closeSync,
  linkSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDecisionLog } from '../../../src/layers/stack/decision-log.js';
import { openLogFile } from '../../../src/layers/record/record-open.js';

const dir = mkdtempSync(join(tmpdir(), 'fsi-record-open-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(dir, `f${++n}`);
const victim = (): string => {
  const p = fresh();
  writeFileSync(p, 'precious\n');
  return p;
};

describe('openLogFile', () => {
  it('creates a new file 0600 whatever the umask', () => {
    const path = fresh();
    const old = process.umask(0);
    try {
      closeSync(openLogFile(path));
    } finally {
      process.umask(old);
    }
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it.each([false, true])('never writes through a planted symlink (append %s)', (append) => {
    const target = victim();
    const path = fresh();
    symlinkSync(target, path);
    expect(() => openLogFile(path, { append, what: 'record file' })).toThrow(
      `record file ${path} is a symlink`,
    );
    expect(readFileSync(target, 'utf8')).toBe('precious\n');
  });

  it('refuses an existing file unless asked to append, and then appends', () => {
    const path = victim();
    expect(() => openLogFile(path)).toThrow(
      'already exists: remove it or choose a new path (or set append: true',
    );
    const fd = openLogFile(path, { append: true });
    writeSync(fd, 'more\n');
    closeSync(fd);
    expect(readFileSync(path, 'utf8')).toBe('precious\nmore\n');
  });

  it('reopens a file this process created, without append (a swap that keeps the path)', () => {
    const path = fresh();
    closeSync(openLogFile(path));
    expect(() => closeSync(openLogFile(path))).not.toThrow();
  });

  it('appends only to a regular file of ours with one link', () => {
    const hard = victim();
    const path = fresh();
    linkSync(hard, path);
    expect(() => openLogFile(path, { append: true })).toThrow('has 2 hard links');
    const theirs = victim();
    chownSync(theirs, 65534, 65534);
    expect(() => openLogFile(theirs, { append: true })).toThrow('is owned by uid 65534');
    const fifo = fresh();
    execFileSync('mkfifo', [fifo]);
    expect(() => openLogFile(fifo, { append: true })).toThrow('is not a regular file');
    expect(readFileSync(hard, 'utf8')).toBe('precious\n');
  });
});

describe('decision log file', () => {
  it('is never truncated or written through a planted symlink', () => {
    const target = victim();
    const path = fresh();
    symlinkSync(target, path);
    expect(() => createDecisionLog({ path })).toThrow(`decision log ${path} is a symlink`);
    expect(readFileSync(target, 'utf8')).toBe('precious\n');
  });

  it('is created 0600 and written line by line', () => {
    const path = fresh();
    const log = createDecisionLog({ path });
    log.append({
      t: 1,
      layer: 'fault',
      op: 'write',
      path: '/f',
      n: 0,
      decision: 'errno',
      value: 'EIO',
    });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ layer: 'fault', value: 'EIO' });
  });
});
