import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh, sleep } from './sh.js';

/**
 * A system under test: the native directory, libfuse's passthrough_hp, or fs-interposer in one
 * of its configurations. Every FUSE system mounts the same source directory, so a workload reads
 * the same bytes everywhere.
 */
export interface System {
  readonly name: string;
  /** Where workloads run: the source itself (native) or the mount point. */
  readonly dir: string;
  /** Server process (undefined for native). */
  pid(): number | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * True when every 4 KiB random read must be sent with O_DIRECT to reach the server (a FUSE
   * daemon behind the page cache); native and kernel passthrough read the warm page cache instead.
   */
  readonly directRandomReads: boolean;
  /** Why the server ended before stop() (exit code or signal, its last output), if it did. */
  died(): string | undefined;
}

export type SystemSpec =
  | { kind: 'native'; name: string }
  | { kind: 'hp'; name: string; binary: string }
  | {
      kind: 'fsi';
      name: string;
      options?: string;
      layers?: string;
      /** A layer config document, written next to the mount point and passed as --config. */
      config?: string;
      cpuProfDir?: string;
      /** Another checkout whose dist/ to run (an A/B against an older commit). */
      repo?: string;
    };

export interface SystemEnv {
  source: string;
  mountRoot: string;
  /** The repository root: fs-interposer runs from dist/. */
  repo: string;
}

export function isMounted(path: string): boolean {
  const lines = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  return lines.some((l) => l.split(' ')[4] === path);
}

async function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function command(spec: SystemSpec, env: SystemEnv, mnt: string): [string, string[]] {
  if (spec.kind === 'hp') return [spec.binary, ['--foreground', env.source, mnt]];
  if (spec.kind !== 'fsi') throw new Error('native has no server');
  const opts = spec.options ? ['-o', spec.options] : [];
  const node = spec.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${spec.cpuProfDir}`] : [];
  const layers = spec.layers ? ['--layers', spec.layers] : [];
  if (spec.config !== undefined) {
    const file = `${mnt}.config.yaml`;
    writeFileSync(file, spec.config);
    layers.push('--config', file);
  }
  const cli = join(spec.repo ?? env.repo, 'dist/src/cli/main.js');
  return [process.execPath, [...node, cli, 'mount', env.source, mnt, ...opts, '--log-level', 'warn', ...layers]];
}

export function createSystem(spec: SystemSpec, env: SystemEnv): System {
  if (spec.kind === 'native') {
    return { name: spec.name, dir: env.source, pid: () => undefined, start: async () => undefined, stop: async () => undefined, directRandomReads: false, died: () => undefined };
  }
  const mnt = join(env.mountRoot, spec.name);
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let log = '';
  let stopping = false;
  let died: string | undefined;
  return {
    name: spec.name,
    dir: mnt,
    directRandomReads: !(spec.kind === 'fsi' && (spec.options ?? '').split(',').includes('passthrough')),
    pid: () => child?.pid,
    died: () => died,
    async start() {
      mkdirSync(mnt, { recursive: true });
      if (isMounted(mnt)) await sh('umount', ['-l', mnt], { allowFail: true });
      const [cmd, args] = command(spec, env, mnt);
      const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      c.stdout?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
      c.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
      exited = new Promise((resolve) => c.on('exit', (code, signal) => {
        // A server that dies mid-run is a finding, not noise: keep how and its last words.
        if (!stopping && died === undefined) died = `${spec.name} (pid ${c.pid}) exited with ${signal ?? `code ${code}`}: ${log.slice(-1500)}`;
        resolve();
      }));
      let dead = false;
      void exited.then(() => (dead = true));
      await waitFor(() => dead || isMounted(mnt), 30_000, `${spec.name} to mount`);
      if (dead) throw new Error(`${spec.name} exited before mounting: ${log}`);
    },
    async stop() {
      if (!child) return;
      stopping = true;
      if (isMounted(mnt)) await sh('umount', [mnt], { allowFail: true, timeoutMs: 20_000 });
      const timeout = sleep(20_000).then(() => 'timeout' as const);
      if ((await Promise.race([exited, timeout])) === 'timeout') {
        await sh('umount', ['-l', mnt], { allowFail: true });
        child.kill('SIGKILL');
        await exited;
      }
      child = undefined;
    },
  };
}
