import { afterEach, describe, expect, it } from '@jest/globals';
import { closeSync, readSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import koffi from 'koffi';
import { pino } from 'pino';
import { createServerSpawner } from '../../../src/sidecar/spawn-server.js';
import { createSupervisor } from '../../../src/sidecar/supervisor.js';
import type { Supervisor } from '../../../src/sidecar/supervisor.js';

const logger = pino({ level: 'silent' });
const pipe2 = koffi.load('libc.so.6').func('int pipe2(_Out_ int *fds, int flags)');
const FIXTURE = fileURLToPath(new URL('./fixtures/fd-server.mjs', import.meta.url));

function makePipe(): [number, number] {
  const fds = [0, 0];
  if (pipe2(fds, 0o2000000) !== 0) throw new Error('pipe2 failed');
  return [fds[0]!, fds[1]!];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Blocking read of one line from the pipe, polled so a hang fails the test instead. */
async function readLine(fd: number, timeoutMs = 5000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const buf = Buffer.alloc(256);
  let text = '';
  const nonblock = koffi.load('libc.so.6').func('int fcntl(int, int, int)');
  nonblock(fd, 4, 0o4000); // F_SETFL O_NONBLOCK
  while (!text.includes('\n')) {
    try {
      const n = readSync(fd, buf, 0, buf.length, null);
      text += buf.toString('utf8', 0, n);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      if (Date.now() > deadline) throw new Error(`no line within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  return text.trim();
}

describe('sidecar supervisor', () => {
  let sup: Supervisor | undefined;
  const cleanup: number[] = [];
  afterEach(async () => {
    if (sup !== undefined) {
      sup.terminate();
      await sup.done;
    }
    sup = undefined;
    cleanup.splice(0).forEach((fd) => closeSync(fd));
  });

  const start = (
    o: {
      native: boolean;
      appsDone?: Promise<void>;
      graceMs?: number;
      env?: NodeJS.ProcessEnv;
    },
    spawned: number[] = [],
  ): { read: number } => {
    const spawner = createServerSpawner({ entry: FIXTURE, execArgv: [], env: { ...process.env, ...o.env } });
    const [read, write] = makePipe();
    cleanup.push(read, write);
    sup = createSupervisor({
      volumes: ['data'],
      acquire: (volume) => Promise.resolve({ volume, fds: [write], init: { major: 7 } }),
      spawnServer: (launch) => {
        const child = spawner(launch);
        if (child.pid !== undefined) spawned.push(child.pid);
        return child;
      },
      appsDone: () => o.appsDone ?? new Promise(() => undefined),
      nativeSidecar: o.native,
      graceMs: o.graceMs ?? 60_000,
      logger,
    });
    return { read };
  };

  it('hands its fds to the server and replaces it at once after kill -9', async () => {
    const { read } = start({ native: true });
    await sup!.start();
    const pids = [Number(/^gen=0 pid=(\d+) fds=1$/.exec(await readLine(read))?.[1])];
    for (let k = 1; k <= 3; k++) {
      const killedAt = Date.now();
      process.kill(sup!.serverPid!, 'SIGKILL');
      const line = await readLine(read);
      expect(line).toMatch(/^gen=\d+ pid=\d+ fds=1$/);
      pids.push(Number(/pid=(\d+)/.exec(line)?.[1]));
      expect(Date.now() - killedAt).toBeLessThan(3000);
    }
    expect(new Set(pids).size).toBe(4);
    expect(sup!.restarts).toBe(3);
  });

  it('promotes a warm standby: takeover without a module-loading delay', async () => {
    const { read } = start({ native: true });
    await sup!.start();
    await readLine(read);
    await new Promise((r) => setTimeout(r, 1500)); // the standby has loaded by now
    const killedAt = Date.now();
    process.kill(sup!.serverPid!, 'SIGKILL');
    expect(await readLine(read)).toMatch(/^gen=1 /);
    expect(Date.now() - killedAt).toBeLessThan(250);
  });

  it('slows down only a crash loop (servers dying right after they start)', async () => {
    const { read } = start({ native: true });
    await sup!.start();
    await readLine(read);
    const gaps: number[] = [];
    for (let k = 0; k < 3; k++) {
      const t0 = Date.now();
      process.kill(sup!.serverPid!, 'SIGKILL');
      await readLine(read);
      gaps.push(Date.now() - t0);
    }
    expect(gaps[2]).toBeGreaterThanOrEqual(950); // the third fast crash in a row
    expect(gaps[0]).toBeLessThan(900);
  });

  it('native sidecar: SIGTERM stops the server and exits 0, without waiting for the apps or the grace period', async () => {
    const spawned: number[] = [];
    // appsDone never resolves and the grace period is long: in native mode neither is waited for,
    // since the kubelet sends SIGTERM only after the app containers exited.
    const { read } = start({ native: true, graceMs: 600_000 }, spawned);
    await sup!.start();
    await readLine(read);
    sup!.terminate();
    expect(await sup!.done).toBe(0);
    expect(sup!.restarts).toBe(0);
    sup = undefined;
    // The active server and its warm standby are both stopped, and neither is replaced.
    await new Promise((r) => setTimeout(r, 1500));
    expect(spawned.filter(alive)).toEqual([]);
  });

  it('regular container: keeps serving after SIGTERM until the apps exit', async () => {
    let appsExit!: () => void;
    const appsDone = new Promise<void>((r) => (appsExit = r));
    const { read } = start({ native: false, appsDone });
    await sup!.start();
    await readLine(read);
    sup!.terminate();
    await new Promise((r) => setTimeout(r, 200));
    expect(sup!.serverPid).toBeDefined(); // still serving
    appsExit();
    expect(await sup!.done).toBe(0);
    sup = undefined;
  });

  it('regular container: stops when the grace period ends', async () => {
    const { read } = start({ native: false, graceMs: 150 });
    await sup!.start();
    await readLine(read);
    const t0 = Date.now();
    sup!.terminate();
    expect(await sup!.done).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    sup = undefined;
  });

  it('exits 0 without restarting when the server ends on its own (all volumes unmounted)', async () => {
    const spawned: number[] = [];
    const { read } = start({ native: false, env: { FD_SERVER_EXIT_AFTER_MS: '100' } }, spawned);
    await sup!.start();
    await readLine(read);
    expect(await sup!.done).toBe(0);
    expect(sup!.restarts).toBe(0);
    sup = undefined;
    // The standby is stopped with the server and not replaced: no server process outlives it.
    await new Promise((r) => setTimeout(r, 1500));
    expect(spawned.filter(alive)).toEqual([]);
  });
});
