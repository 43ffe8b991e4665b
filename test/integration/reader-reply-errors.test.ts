import { afterAll, describe, expect, it } from '@jest/globals';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, tempDir } from '../helpers/mount.js';
import { sh } from '../helpers/sh.js';

type Message = number | { type: string; code: string; replyErrors?: number };

const dir = tempDir('reply-errors');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A real reader thread (the compiled worker, in a child process) reads K READ requests for a
 * handle in the direct I/O table from a file opened read-only: it serves each one itself, and
 * every reply write fails with EBADF. Such an error used to be swallowed like ENOENT (request
 * interrupted) and ENODEV (connection gone); a caller would wait for ever, unseen.
 */
async function run(k: number): Promise<Message[]> {
  const script = join(dir, `reader-${k}.mjs`);
  writeFileSync(
    script,
    `import { openSync, writeFileSync } from 'node:fs';
     import { Worker } from 'node:worker_threads';
     import { createDirectIoTable } from '${REPO}/dist/src/fuse/session/direct-io.js';
     const EPOCH = 77, SLOTS = 2, SLOT = 8192, OFF = 64, FH = EPOCH * 2 ** 32 + 5;
     writeFileSync('${dir}/data', 'hello');
     const table = createDirectIoTable(EPOCH);
     table.setEnabled(true);
     table.register(FH, openSync('${dir}/data', 'r'));
     // fuse_in_header + fuse_read_in, padded to a slot: one read(2) of the file is one request.
     const frame = Buffer.alloc(SLOT);
     frame.writeUInt32LE(80, 0);
     frame.writeUInt32LE(15, 4); // READ
     frame.writeBigUInt64LE(2n, 8);
     frame.writeBigUInt64LE(2n, 16);
     frame.writeBigUInt64LE(BigInt(FH), 40);
     frame.writeUInt32LE(5, 56);
     writeFileSync('${dir}/frames-${k}', Buffer.concat(Array(${k}).fill(frame)));
     const fd = openSync('${dir}/frames-${k}', 'r');
     const sab = new SharedArrayBuffer(OFF + SLOTS * SLOT);
     const w = new Worker('${REPO}/dist/src/fuse/session/reader-worker.js', {
       workerData: { fd, sab, slots: SLOTS, slotSize: SLOT, dataOffset: OFF, direct: table.sab },
     });
     const messages = [];
     w.on('message', (m) => {
       messages.push(m);
       if (typeof m === 'object' && m.type === 'end') {
         console.log(JSON.stringify(messages));
         process.exit(0);
       }
     });`,
  );
  const r = await sh(`node "${script}"`, { timeoutMs: 20_000 });
  if (r.code !== 0) throw new Error(`reader script failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Message[];
}

describe('reply write errors in the reader threads', () => {
  it('are reported and counted, not swallowed', async () => {
    expect(await run(1)).toEqual([
      { type: 'reply-error', code: 'EBADF', replyErrors: 1 },
      { type: 'end', code: 'EOF', replyErrors: 1 },
    ]);
  });

  it('are reported at a bounded rate, with an exact count', async () => {
    const k = 200;
    const messages = await run(k);
    const reports = messages.filter((m) => typeof m === 'object' && m.type === 'reply-error');
    expect(reports.length).toBeGreaterThanOrEqual(1);
    expect(reports.length).toBeLessThan(k);
    expect(messages.at(-1)).toEqual({ type: 'end', code: 'EOF', replyErrors: k });
  });
});
