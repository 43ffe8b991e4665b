import { describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, tempDir } from '../helpers/mount.js';
import { sh } from '../helpers/sh.js';

/** The compiled engine in a child process (reader threads need the built worker file). */
describe('reader threads', () => {
  it('stop at end of file on an fd that is not /dev/fuse instead of spinning', async () => {
    const dir = tempDir('eof');
    const script = join(dir, 'eof.mjs');
    writeFileSync(join(dir, 'empty'), '');
    writeFileSync(
      script,
      `import { openSync } from 'node:fs';
       import { createSession } from '${REPO}/dist/src/fuse/session/session.js';
       import { createSilentLogger } from '${REPO}/dist/src/log/logger.js';
       const init = { major: 7, minor: 45, flags: '0', maxReadahead: 0, maxWrite: 4096, maxPages: 1, maxBackground: 1, passthrough: false, writebackCache: false };
       const s = createSession({ fds: [openSync('${dir}/empty', 'r')], init, stack: { run: () => { throw new Error('unused'); }, plan: () => ({ needsData: false, readerData: true }), inFlight: () => 0 }, logger: createSilentLogger() });
       await s.done;
       console.log('ended');
       process.exit(0);`,
    );
    const r = await sh(`node "${script}"`, { timeoutMs: 10_000 });
    expect(r.stdout.trim()).toBe('ended');
    expect(r.code).toBe(0);
  });
});
