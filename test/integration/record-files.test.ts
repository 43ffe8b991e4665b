import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, forceUnmount, startMount, tempDir } from '../helpers/mount.js';
import type { MountHandle } from '../helpers/mount.js';
import { sh, shOk } from '../helpers/sh.js';

jest.setTimeout(60_000);

const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

interface Rig {
  src: string;
  mnt: string;
  work: string;
  /** A file the server must never touch, holding "precious". */
  victim: string;
}

function rig(): Rig {
  const r = { src: tempDir('recf-src'), mnt: tempDir('recf-mnt'), work: tempDir('recf-work') };
  writeFileSync(join(r.src, 'hello.txt'), 'hello\n');
  const victim = join(r.work, 'victim');
  writeFileSync(victim, 'precious\n');
  cleanup.push(() => {
    forceUnmount(r.mnt);
    for (const d of [r.src, r.mnt, r.work]) rmSync(d, { recursive: true, force: true });
  });
  return { ...r, victim };
}

const config = (extra: string, layers = '[{type: fault, rate: 0}]'): string =>
  `apiVersion: fs-interposer/v1\nkind: LayerStack\n${extra}\nlayers: ${layers}\n`;

/** `mount` that should be refused: hard timeout, and a mount that did come up is removed. */
async function mountRefused(r: Rig, args: string): Promise<{ code: number; stderr: string }> {
  const res = await sh(`exec node "${CLI}" mount ${args} "${r.src}" "${r.mnt}"`, {
    timeoutMs: 10_000,
  });
  if (res.code === 124) forceUnmount(r.mnt);
  return res;
}

async function serve(r: Rig, args: string[]): Promise<MountHandle> {
  const m = await startMount({ source: r.src, mountpoint: r.mnt, args });
  cleanup.push(() => m.child.kill('SIGKILL'));
  return m;
}

const ctl = (
  m: MountHandle,
  ...words: string[]
): Promise<{ code: number; stdout: string; stderr: string }> =>
  sh(`node "${CLI}" ctl "${m.mountpoint}" ${words.map((w) => `'${w}'`).join(' ')}`, {
    timeoutMs: 20_000,
  });

describe('record and decision-log files: no symlinks, no clobbering, mode 0600', () => {
  it('--record through a planted symlink is refused; the target is untouched', async () => {
    const r = rig();
    symlinkSync(r.victim, join(r.work, 'rec.jsonl'));
    const res = await mountRefused(r, `--record "${r.work}/rec.jsonl"`);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`record file ${r.work}/rec.jsonl is a symlink`);
    expect(readFileSync(r.victim, 'utf8')).toBe('precious\n');
  });

  it('a decision log through a planted symlink is refused; the target is not truncated', async () => {
    const r = rig();
    symlinkSync(r.victim, join(r.work, 'decisions.jsonl'));
    writeFileSync(join(r.work, 'c.yaml'), config(`decisionLog: {path: ${r.work}/decisions.jsonl}`));
    const res = await mountRefused(r, `--config "${r.work}/c.yaml"`);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`decision log ${r.work}/decisions.jsonl is a symlink`);
    expect(readFileSync(r.victim, 'utf8')).toBe('precious\n');
  });

  it('ctl set-config with a planted decision-log symlink is refused; the mount serves on', async () => {
    const r = rig();
    const m = await serve(r, []);
    symlinkSync(r.victim, join(r.work, 'd.jsonl'));
    writeFileSync(join(r.work, 'c.yaml'), config(`decisionLog: {path: ${r.work}/d.jsonl}`));
    const res = await ctl(m, 'set-config', join(r.work, 'c.yaml'));
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('is a symlink');
    expect(readFileSync(r.victim, 'utf8')).toBe('precious\n');
    await expect(shOk(`cat "${r.mnt}/hello.txt"`, { timeoutMs: 10_000 })).resolves.toBe('hello\n');
  });

  it('new files are 0600 even under umask 000', async () => {
    const r = rig();
    writeFileSync(join(r.work, 'c.yaml'), config(`decisionLog: {path: ${r.work}/d.jsonl}`));
    const old = process.umask(0);
    let m: MountHandle;
    try {
      m = await serve(r, [
        '--config',
        join(r.work, 'c.yaml'),
        '--record',
        join(r.work, 'rec.jsonl'),
      ]);
    } finally {
      process.umask(old);
    }
    await shOk(`cat "${r.mnt}/hello.txt"`, { timeoutMs: 10_000 });
    expect(await m.stop()).toBe(0);
    expect(statSync(join(r.work, 'rec.jsonl')).mode & 0o777).toBe(0o600);
    expect(statSync(join(r.work, 'd.jsonl')).mode & 0o777).toBe(0o600);
  });

  it('an existing record file is refused unless append is asked for, then appended to', async () => {
    const r = rig();
    const rec = join(r.work, 'rec.jsonl');
    writeFileSync(rec, '{"old":"run"}\n');
    const refused = await mountRefused(r, `--record "${rec}"`);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'already exists: remove it or choose a new path (or set append: true',
    );
    writeFileSync(
      join(r.work, 'c.yaml'),
      config('', `[{type: record, path: ${rec}, append: true}]`),
    );
    const m = await serve(r, ['--config', join(r.work, 'c.yaml')]);
    await shOk(`cat "${r.mnt}/hello.txt"`, { timeoutMs: 10_000 });
    expect(await m.stop()).toBe(0);
    const lines = readFileSync(rec, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('{"old":"run"}');
    expect(lines.some((l) => l.includes('"hello.txt"') || l.includes('/hello.txt'))).toBe(true);
  });

  it('a live reconfiguration that keeps the record path goes on writing the same file', async () => {
    const r = rig();
    const rec = join(r.work, 'rec.jsonl');
    const m = await serve(r, ['--record', rec]);
    for (const spec of [`record=${rec},shuffle`, `record=${rec}`]) {
      const res = await ctl(m, 'set-layers', spec);
      expect(res.code).toBe(0);
      await shOk(`cat "${r.mnt}/hello.txt"`, { timeoutMs: 10_000 });
    }
    expect(await m.stop()).toBe(0);
    const opens = readFileSync(rec, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"op":"open"'));
    expect(opens.length).toBeGreaterThanOrEqual(2);
  });
});
