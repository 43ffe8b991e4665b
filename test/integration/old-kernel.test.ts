import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { forceUnmount, startMount, tempDir } from '../helpers/mount.js';
import { shOk } from '../helpers/sh.js';

// A kernel before 6.9 (no FUSE passthrough, no NOTIFY_RESEND), played by this 6.18 kernel with
// FS_INTERPOSER_KERNEL_INIT_MASK taking those flags out of its INIT offer. The crash side (no
// RESEND) is in csi-handoff.test.ts, where the sidecar's custody is.
jest.setTimeout(120_000);

const undo: (() => void)[] = [];
afterEach(() => {
  while (undo.length) undo.pop()!();
});

async function readThrough(
  mask: string | undefined,
): Promise<{ sum: string; reads: number; logs: string }> {
  const src = tempDir('src');
  writeFileSync(join(src, 'f'), Buffer.alloc(300_000, 9));
  const sock = join(tempDir('sock'), 'metrics.sock');
  const m = await startMount({
    source: src,
    args: ['-o', 'passthrough', '--layers', 'metrics', '--metrics-socket', sock],
    env: mask === undefined ? {} : { FS_INTERPOSER_KERNEL_INIT_MASK: mask },
  });
  undo.push(() => {
    forceUnmount(m.mountpoint);
    m.child.kill('SIGKILL');
    rmSync(src, { recursive: true, force: true });
  });
  const sum = (await shOk(`sha256sum < "${m.mountpoint}/f"`)).split(' ')[0]!;
  const metrics = await shOk(`curl -sf --unix-socket "${sock}" http://x/metrics`);
  const reads = /^fs_interposer_ops_total\{[^}]*op="read",result="ok"\} (\d+)$/m.exec(metrics);
  return { sum, reads: Number(reads?.[1] ?? 0), logs: m.logs() };
}

describe('an older kernel (INIT flags masked)', () => {
  it('without FUSE passthrough, -o passthrough falls back to reads through the server, with a warning', async () => {
    const modern = await readThrough(undefined);
    // On this kernel passthrough works: the reads never reach the server's layers.
    expect(modern.logs).toMatch(/"passthrough":true/);
    expect(modern.reads).toBe(0);
    const old = await readThrough('passthrough,resend');
    expect(old.logs).toMatch(/"passthrough":false/);
    expect(old.logs).toMatch(/offers no FUSE passthrough/);
    expect(old.reads).toBeGreaterThan(0);
    expect(old.sum).toBe(modern.sum);
  });

  it('refuses an unknown flag name in the mask, naming the accepted ones', async () => {
    const src = tempDir('src');
    undo.push(() => rmSync(src, { recursive: true, force: true }));
    await expect(
      startMount({ source: src, env: { FS_INTERPOSER_KERNEL_INIT_MASK: 'resnd' } }),
    ).rejects.toThrow(/unknown INIT flag 'resnd'; accepted: resend, passthrough/);
  });
});
