import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findMount } from '../../src/fuse/index.js';

export const REPO = resolve(import.meta.dirname, '../..');
export const CLI = join(REPO, 'dist/src/cli/main.js');

export interface MountHandle {
  readonly mountpoint: string;
  readonly source: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything the server wrote to stderr so far. */
  logs(): string;
  /** Resolves with the server's exit code. */
  readonly exited: Promise<number | null>;
  /** SIGTERM, wait for a clean exit; force (abort + lazy unmount + SIGKILL) after a timeout. */
  stop(): Promise<number | null>;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `fsi-${prefix}-`));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Abort a FUSE connection through fusectl and detach its mount: never blocks on a hung server. */
export function forceUnmount(mountpoint: string): void {
  const m = findMount(mountpoint);
  if (!m) return;
  if (m.fsType.startsWith('fuse')) {
    const minor = m.device.split(':')[1];
    if (!existsSync('/sys/fs/fuse/connections/')) spawnSyncQuiet('mount', ['-t', 'fusectl', 'fusectl', '/sys/fs/fuse/connections']);
    try {
      writeFileSync(`/sys/fs/fuse/connections/${minor}/abort`, '1');
    } catch {
      // already gone
    }
  }
  spawnSyncQuiet('umount', ['-l', mountpoint]);
}

function spawnSyncQuiet(cmd: string, args: string[]): void {
  spawnSync(cmd, args, { stdio: 'ignore', timeout: 10_000 });
}

export interface StartOptions {
  source: string;
  mountpoint?: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Start `fs-interposer mount` in a child process and wait until the mount is live. */
export async function startMount(o: StartOptions): Promise<MountHandle> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const mountpoint = o.mountpoint ?? tempDir('mnt');
  const child = spawn(process.execPath, [CLI, 'mount', ...(o.args ?? []), o.source, mountpoint], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...o.env },
  });
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const deadline = Date.now() + (o.timeoutMs ?? 15_000);
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c));
  while (!stdout.includes('serving ')) {
    if (exitCode !== undefined) throw new Error(`mount exited with ${exitCode}:\n${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      forceUnmount(mountpoint);
      throw new Error(`mount did not come up in time:\n${stderr}`);
    }
    await sleep(25);
  }
  const handle: MountHandle = {
    mountpoint,
    source: o.source,
    child,
    pid: child.pid!,
    logs: () => stderr,
    exited,
    async stop() {
      if (exitCode !== undefined) {
        forceUnmount(mountpoint);
        return exitCode;
      }
      child.kill('SIGTERM');
      const code = await Promise.race([exited, sleep(10_000).then(() => 'timeout' as const)]);
      if (code !== 'timeout') return code;
      forceUnmount(mountpoint);
      child.kill('SIGKILL');
      return exited;
    },
  };
  return handle;
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}
