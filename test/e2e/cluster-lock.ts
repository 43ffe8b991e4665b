import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './cluster-tools.js';

/**
 * One local cluster per machine (the kubelet and apiserver ports are fixed): a lock directory,
 * created atomically, holding the owner's pid; a lock whose owner is dead is taken over.
 */
export const LOCK_DIR = process.env.FSI_E2E_LOCK ?? '/tmp/fs-interposer-e2e-cluster.lock';

function ownerAlive(): boolean {
  try {
    const pid = Number(readFileSync(join(LOCK_DIR, 'pid'), 'utf8'));
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function acquireClusterLock(timeoutMs: number): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      writeFileSync(join(LOCK_DIR, 'pid'), String(process.pid));
      return () => rmSync(LOCK_DIR, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    // A writer between mkdir and writeFile looks dead for an instant: only reap after a pause.
    if (!ownerAlive()) {
      await sleep(500);
      if (!ownerAlive()) rmSync(LOCK_DIR, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`another e2e cluster holds ${LOCK_DIR}`);
    await sleep(2_000);
  }
}
