import type { Attr, Backend } from '../../vfs/types.js';
import { sideCall } from '../stack/side-call.js';

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const O_RDONLY = 0;

export interface Usage {
  bytes: number;
  inodes: number;
}

const join = (dir: string, name: string): string => (dir === '/' ? `/${name}` : `${dir}/${name}`);

/**
 * Bytes (apparent sizes of regular files, hard links counted once) and inodes (every object
 * below the root) currently in the backend: the starting point of the quota layer's budgets.
 */
export async function scanUsage(backend: Backend): Promise<Usage> {
  const seen = new Set<bigint>();
  const usage: Usage = { bytes: 0, inodes: 0 };
  const dirs = ['/'];
  for (let dir = dirs.pop(); dir !== undefined; dir = dirs.pop()) {
    const { fh } = await sideCall(backend, 'opendir', { path: dir, flags: O_RDONLY });
    let entries;
    try {
      entries = await sideCall(backend, 'readdir', { path: dir, fh });
    } finally {
      await sideCall(backend, 'releasedir', { path: dir, fh });
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      const attr: Attr = e.attr ?? (await sideCall(backend, 'getattr', { path }));
      if (seen.has(attr.ino)) continue;
      seen.add(attr.ino);
      usage.inodes++;
      const type = attr.mode & S_IFMT;
      if (type === S_IFDIR) dirs.push(path);
      else if (type === S_IFREG) usage.bytes += attr.size;
    }
  }
  return usage;
}
