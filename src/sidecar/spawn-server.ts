import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ServerLaunch, ServerProcess } from './supervisor.js';
import type { CachePolicy } from '../contract/cache-policy.js';

/** What the server child reads from FS_INTERPOSER_SERVER_SPEC; its fds start at 3, in order. */
export interface ServerSpec {
  generation: number;
  volumes: {
    volume: string;
    fdCount: number;
    init: Readonly<Record<string, unknown>>;
    cache?: CachePolicy;
  }[];
}

export const SERVER_SPEC_ENV = 'FS_INTERPOSER_SERVER_SPEC';
export const FIRST_INHERITED_FD = 3;

export function serverSpec(launch: ServerLaunch): ServerSpec {
  return {
    generation: launch.generation,
    volumes: launch.volumes.map((v) => ({
      volume: v.volume,
      fdCount: v.fds.length,
      init: v.init,
      ...(v.cache !== undefined && { cache: v.cache }),
    })),
  };
}

/** The standby handshake: the child prints this line when loaded, then waits for the signal. */
export const READY_LINE = 'ready';
export const ACTIVATE_SIGNAL = 'SIGUSR2';

/**
 * Starts the server entry as a child `node` with the held fds as its fds 3, 4, ... (spawn dup2s
 * them into place, which also drops close-on-exec). The supervisor keeps its own copies. The
 * child starts as a standby: it loads its modules, says READY_LINE on stdout and serves only
 * after ACTIVATE_SIGNAL.
 */
export function createServerSpawner(
  o: { entry?: string; execArgv?: string[]; env?: NodeJS.ProcessEnv } = {},
) {
  const entry = o.entry ?? fileURLToPath(new URL('./main.js', import.meta.url));
  const args = o.entry === undefined ? ['server'] : [];
  return (launch: ServerLaunch): ServerProcess => {
    const fds = launch.volumes.flatMap((v) => v.fds);
    const child = spawn(process.execPath, [...(o.execArgv ?? process.execArgv), entry, ...args], {
      stdio: ['ignore', 'pipe', 'inherit', ...fds],
      env: { ...(o.env ?? process.env), [SERVER_SPEC_ENV]: JSON.stringify(serverSpec(launch)) },
    });
    const ready = new Promise<void>((resolve) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.split('\n').includes(READY_LINE)) resolve();
      });
    });
    return {
      get pid() {
        return child.pid;
      },
      ready,
      activate() {
        child.kill(ACTIVATE_SIGNAL);
      },
      onExit(listener) {
        let fired = false;
        const once = (code: number | null, signal: string | null): void => {
          if (fired) return;
          fired = true;
          listener(code, signal);
        };
        child.once('exit', once);
        // A failed spawn emits 'error' and possibly no 'exit': still a dead server to replace.
        child.once('error', () => once(null, 'spawn-error'));
      },
      kill(signal) {
        child.kill(signal);
      },
    };
  };
}
