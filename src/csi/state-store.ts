import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CachePolicy } from '../contract/cache-policy.js';

/**
 * What the driver must remember about a published volume to survive its own restart: where the
 * mount is, which Pod and emptyDir it belongs to, and the negotiated INIT (sent once per mount).
 * One JSON file per target in a root-owned host directory (not Pod-writable).
 */
export interface VolumeState {
  volumeId: string;
  targetPath: string;
  sourceVolume: string;
  podUid: string;
  podNamespace: string;
  podName: string;
  readOnly: boolean;
  init: Readonly<Record<string, unknown>>;
  publishedAt: string;
  /**
   * Who may connect to the handoff socket, as decided at first publish: the sidecar's uid/gid,
   * or null when its Pod set none. Absent in state written by a driver before this field: the
   * Pod is then looked up again, so a restart re-serves the socket exactly as first published.
   */
  socketOwner?: SocketOwner | null;
  /**
   * The cache policy decided at first publish (src/csi/cache-decision.ts), offered again after a
   * restart. Absent in older state: the sidecar then serves the safe default.
   */
  cache?: CachePolicy;
}

export interface SocketOwner {
  uid: number;
  gid: number;
}

export interface StateStore {
  save(state: VolumeState): Promise<void>;
  load(targetPath: string): Promise<VolumeState | undefined>;
  remove(targetPath: string): Promise<void>;
  list(): Promise<VolumeState[]>;
}

const fileName = (target: string): string =>
  `${createHash('sha256').update(target).digest('hex').slice(0, 32)}.json`;

export function createStateStore(dir: string): StateStore {
  const path = (target: string): string => join(dir, 'volumes', fileName(target));
  const read = async (file: string): Promise<VolumeState | undefined> => {
    try {
      return JSON.parse(await readFile(file, 'utf8')) as VolumeState;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  };
  return {
    async save(state) {
      await mkdir(join(dir, 'volumes'), { recursive: true, mode: 0o700 });
      const file = path(state.targetPath);
      // tmp + rename: a crash leaves the old or the new state, never half of one.
      await writeFile(`${file}.tmp`, JSON.stringify(state), { mode: 0o600 });
      await rename(`${file}.tmp`, file);
    },
    load: (target) => read(path(target)),
    remove: (target) => rm(path(target), { force: true }),
    async list() {
      let names: string[];
      try {
        names = await readdir(join(dir, 'volumes'));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
      const states = await Promise.all(
        names.filter((n) => n.endsWith('.json')).map((n) => read(join(dir, 'volumes', n))),
      );
      return states.filter((s): s is VolumeState => s !== undefined);
    },
  };
}
