import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import type { Stats } from 'node:fs';

/**
 * The directory of a control socket: whoever can write it can replace the socket with their own
 * and answer `ctl` in our place, or make us unlink and bind where they choose. It must be a real
 * directory (not a symlink) owned by this uid, writable by nobody else. One we create is 0700
 * whatever the umask. Returns what is wrong, or undefined.
 */
export function socketDirProblem(dir: string): string | undefined {
  try {
    if (mkdirSync(dir, { recursive: true, mode: 0o700 }) !== undefined) chmodSync(dir, 0o700);
  } catch (err) {
    return `control socket directory ${dir} cannot be created: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
  }
  const why = ownershipProblem(lstatSync(dir), process.geteuid?.() ?? 0);
  return why === undefined
    ? undefined
    : `control socket directory ${dir} ${why}: remove it, or choose another with FS_INTERPOSER_RUN_DIR`;
}

function ownershipProblem(st: Stats, uid: number): string | undefined {
  if (!st.isDirectory()) return 'is not a directory (a symlink?)';
  if (st.uid !== uid) return `is owned by uid ${st.uid}, not ${uid}`;
  const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
  if ((st.mode & 0o022) !== 0) return `is writable by its group or others (mode ${mode})`;
  return undefined;
}

export class ControlSocketError extends Error {
  readonly code = 'ECONTROLSOCKET';
  constructor(message: string) {
    super(message);
    this.name = 'ControlSocketError';
  }
}
