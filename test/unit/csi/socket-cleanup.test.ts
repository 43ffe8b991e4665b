import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { closeSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareSocketPath } from '../../../src/csi/socket-cleanup.js';
import { openRootDir } from '../../../src/handoff/safe-path.js';
import { closeFd, listenBeneath } from '../../../src/handoff/unix-socket.js';

describe('stale gRPC socket cleanup', () => {
  let dir: string;
  let server: Server | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'csi-sock-'));
  });
  afterEach(() => {
    server?.close();
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('removes a socket left behind by a crashed driver', async () => {
    const dirFd = openRootDir(dir);
    closeFd(listenBeneath(dirFd, 'csi.sock')); // bound, then the process "died"
    closeSync(dirFd);
    expect(existsSync(join(dir, 'csi.sock'))).toBe(true);
    await prepareSocketPath(join(dir, 'csi.sock'));
    expect(existsSync(join(dir, 'csi.sock'))).toBe(false);
  });

  it('refuses the socket of a running instance', async () => {
    const path = join(dir, 'csi.sock');
    server = createServer();
    await new Promise<void>((r) => server!.listen(path, r));
    await expect(prepareSocketPath(path)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
    expect(existsSync(path)).toBe(true);
  });

  it('refuses to delete something that is not a socket, and creates missing directories', async () => {
    writeFileSync(join(dir, 'file'), 'x');
    await expect(prepareSocketPath(join(dir, 'file'))).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
    });
    await prepareSocketPath(join(dir, 'a', 'b', 'csi.sock'));
    expect(existsSync(join(dir, 'a', 'b'))).toBe(true);
  });
});
