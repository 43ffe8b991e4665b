/**
 * The sidecar container's memory (issue 17): the supervisor, the active server and its warm
 * standby, as the CSI tests run them (test/integration/csi-rig.ts: the driver's publisher in this
 * process, the real sidecar as uid 65534 with no capabilities), serving one volume with the
 * `metrics` layer. Idle after 5 s, then the peak over `fio` random 4 KiB reads (O_DIRECT, 4 jobs)
 * through the volume, then idle again 25 s after fio. Run as root after a build:
 *
 *   node dist/bench/memory-sidecar.js [--seconds 30]
 *
 * The container's total is the sum of the processes' PSS (bench/lib/mem.ts): the node binary's
 * pages they share are counted once, as the container's memory cgroup counts them.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { makeRig, publish, serverPid, teardown } from '../test/integration/csi-rig.js';
import type { Rig } from '../test/integration/csi-rig.js';
import { fio } from './lib/fio.js';
import { AFTER_MS, childrenOf, fmtMem, maxMem, procMem, sumMem } from './lib/mem.js';
import type { ProcMem } from './lib/mem.js';
import { sh, sleep } from './lib/sh.js';

const REPO = resolve(import.meta.dirname, '../..');

/** The rig's startSidecar, with this build's entry (the rig's REPO is wrong once compiled). */
function startSidecar(rig: Rig): NonNullable<Rig['sidecar']> {
  const child = spawn(process.execPath, [join(REPO, 'dist/src/sidecar/main.js')], {
    uid: 65534,
    gid: 65534,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      PATH: process.env.PATH,
      FS_INTERPOSER_VOLUMES: 'data',
      FS_INTERPOSER_HANDOFF_DIR: rig.handoff,
      FS_INTERPOSER_PODINFO_DIR: join(rig.root, 'podinfo'),
      FS_INTERPOSER_SOURCE_ROOT: join(rig.root, 'pv'),
      FS_INTERPOSER_SIDECAR_KIND: 'native',
      FS_INTERPOSER_LOG_LEVEL: 'warn',
      FS_INTERPOSER_METRICS_LISTEN: `unix:${rig.metricsSocket}`,
      FS_INTERPOSER_CONTROL_DIR: rig.controlDir,
    },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  rig.sidecar = { child, exited, logs: () => stderr };
  return rig.sidecar;
}

const { values: v } = parseArgs({ options: { seconds: { type: 'string', default: '30' } } });
const seconds = Number(v.seconds);

const rig = makeRig();
try {
  writeFileSync(join(rig.source, 'data'), Buffer.alloc(256 << 20, 1));
  await sh('chown', ['65534:65534', join(rig.source, 'data')]);
  await publish(rig);
  const sidecar = startSidecar(rig);
  const supervisor = sidecar.child.pid!;
  // The first request waits until the server took the fds over (Node starts slowly when loaded).
  await sh('stat', [join(rig.target, 'hello.txt')], { timeoutMs: 60_000 });
  const server = await serverPid(rig);
  await sleep(5000);
  const standby = childrenOf(supervisor).find((p) => p !== server);
  const pids: [string, number | undefined][] = [
    ['supervisor', supervisor],
    ['server (active)', server],
    ['server (warm standby)', standby],
  ];
  const sample = (): ProcMem[] =>
    pids.map(([, p]) => (p === undefined ? procMem(process.pid) : procMem(p)));
  const idle = sample();
  let peak = idle;
  const timer = setInterval(() => (peak = sample().map((m, i) => maxMem(peak[i]!, m))), 250);
  const r = await fio({
    filename: join(rig.target, 'data'),
    rw: 'randread',
    bs: '4k',
    size: '256M',
    direct: true,
    numjobs: 4,
    runtime: seconds,
  });
  clearInterval(timer);
  await sleep(AFTER_MS);
  const after = sample();
  console.log(
    `| process | idle: VmRSS | RssAnon | PSS | fio peak (${Math.round(r.iops)} IOPS): VmRSS | RssAnon | PSS | idle ${AFTER_MS / 1000} s after fio: VmRSS | RssAnon | PSS |`,
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  pids.forEach(([name, p], i) => {
    const found = p === undefined ? ' (not found)' : '';
    console.log(`| ${name}${found} | ${fmtMem(idle[i]!)} | ${fmtMem(peak[i]!)} | ${fmtMem(after[i]!)} |`);
  });
  console.log(`| container total | ${fmtMem(sumMem(idle))} | ${fmtMem(sumMem(peak))} | ${fmtMem(sumMem(after))} |`);
  console.log(`\nlayers: ${readFileSync(join(rig.root, 'podinfo', 'annotations'), 'utf8').trim()}`);
} catch (err) {
  process.stderr.write(`sidecar log:\n${rig.sidecar?.logs() ?? ''}\n`);
  throw err;
} finally {
  teardown(rig);
}
