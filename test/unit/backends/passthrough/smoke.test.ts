import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPassthroughBackend } from '../../../../src/backends/passthrough/backend.js';
import type { PassthroughBackend } from '../../../../src/backends/passthrough/backend.js';
import { createStack } from '../../../../src/vfs/stack.js';
import type { FsOp, OpArgsMap, OpResultMap } from '../../../../src/vfs/types.js';

const caller = { pid: process.pid, uid: 0, gid: 0 };

describe('passthrough smoke', () => {
  let dir: string;
  let backend: PassthroughBackend;
  const run = <O extends FsOp>(op: O, args: OpArgsMap[O]): Promise<OpResultMap[O]> =>
    createStack([], backend).run({
      op,
      path: args.path,
      args,
      caller,
      signal: new AbortController().signal,
    });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-'));
    backend = createPassthroughBackend({ root: dir });
  });
  afterEach(async () => {
    await backend.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates, writes, reads back and lists', async () => {
    await run('mkdir', { path: '/d', mode: 0o755, umask: 0 });
    const c = await run('create', {
      path: '/d/f',
      flags: fs.constants.O_RDWR,
      mode: 0o644,
      umask: 0,
    });
    expect(
      await run('write', {
        path: '/d/f',
        fh: c.fh,
        buffer: Buffer.from('hello'),
        offset: 0,
        flags: 0,
      }),
    ).toBe(5);
    const buf = Buffer.alloc(10);
    expect(await run('read', { path: '/d/f', fh: c.fh, buffer: buf, offset: 1, flags: 0 })).toBe(4);
    expect(buf.subarray(0, 4).toString()).toBe('ello');
    await run('release', { path: '/d/f', fh: c.fh, flags: 0 });
    const d = await run('opendir', { path: '/d', flags: 0 });
    const entries = await run('readdir', { path: '/d', fh: d.fh });
    expect(entries.map((e) => [e.name, e.type])).toEqual([['f', fs.constants.S_IFREG]]);
    await run('releasedir', { path: '/d', fh: d.fh });
    expect(fs.readFileSync(path.join(dir, 'd/f'), 'utf8')).toBe('hello');
    expect(backend.openHandles).toBe(0);
  });
});
