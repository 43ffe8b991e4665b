import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  closeSync,
  fstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants as fsc } from 'node:fs';
import {
  ensureDirBeneath,
  openBeneath,
  openRootDir,
  readFileBeneath,
  writeFileBeneath,
} from '../../../src/handoff/safe-path.js';

describe('safe paths beneath a pod-writable directory', () => {
  let base: string;
  let root: string;
  let dirFd: number;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'safe-path-'));
    root = join(base, 'emptydir');
    mkdirSync(root);
    writeFileSync(join(base, 'secret'), 'host secret');
    dirFd = openRootDir(root);
  });
  afterEach(() => {
    closeSync(dirFd);
    rmSync(base, { recursive: true, force: true });
  });

  it('opens a plain file beneath the root', () => {
    writeFileSync(join(root, 'f'), 'ok');
    expect(readFileBeneath(dirFd, 'f')).toBe('ok');
  });

  it.each([
    [
      'a symlink to a host file',
      () => symlinkSync(join(base, 'secret'), join(root, 'link')),
      () => 'link',
    ],
    ['a relative symlink out', () => symlinkSync('../secret', join(root, 'link')), () => 'link'],
    ['a symlinked directory', () => symlinkSync(base, join(root, 'dir')), () => 'dir/secret'],
    ['dot-dot', () => undefined, () => '../secret'],
    ['an absolute path', () => undefined, () => join(base, 'secret')],
  ])('refuses %s', (_name, plant, rel) => {
    plant();
    expect(() => openBeneath(dirFd, rel(), fsc.O_RDONLY)).toThrow(
      expect.objectContaining({ code: 'PATH_ESCAPE' }) as unknown as Error,
    );
  });

  it('does not write through a planted symlink', () => {
    symlinkSync(join(base, 'secret'), join(root, 'error'));
    expect(() => writeFileBeneath(dirFd, 'error', 'pwned')).toThrow();
    expect(readFileSync(join(base, 'secret'), 'utf8')).toBe('host secret');
  });

  it('creates and reopens a directory, idempotently', () => {
    const a = ensureDirBeneath(dirFd, 'run');
    const b = ensureDirBeneath(dirFd, 'run');
    expect(fstatSync(a).ino).toBe(fstatSync(b).ino);
    closeSync(a);
    closeSync(b);
  });

  it('reads a missing file as undefined', () => {
    expect(readFileBeneath(dirFd, 'missing')).toBeUndefined();
  });
});
