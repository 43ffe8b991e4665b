import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI } from '../helpers/mount.js';
import { freePort, scrape, total } from '../helpers/prometheus.js';
import { shOk } from '../helpers/sh.js';
import type { LayerMount, createLayerRig } from './layers-rig.js';

interface Status {
  engine: { directIo: { enabled: boolean; served: number; fsyncHandedOver: number } | 'off' };
}

export interface CountedMount extends LayerMount {
  /** The metrics port of the mount. */
  port: number;
  /** Requests that reached the reader threads' fast path (ctl status), -1 with it off. */
  served(): Promise<number>;
  /** What metrics counted for `op`, every outcome or only `result`. */
  ops(op: string, result?: string): Promise<number>;
}

/**
 * A mount with `layers` then metrics (so that every request is counted) and a file `in` of
 * `bytes` (`args`: more mount options): how the reader-path tests tell what the readers served
 * from what the main thread did.
 */
export async function mountCounted(
  rig: ReturnType<typeof createLayerRig>,
  layers: unknown[],
  bytes: number,
  args: string[] = [],
): Promise<CountedMount> {
  const port = await freePort();
  const r = await rig.mount([...layers, { type: 'metrics' }], {
    prepare: (src) => writeFileSync(join(src, 'in'), Buffer.alloc(bytes, 3)),
    args: [...args, '--metrics-port', String(port)],
  });
  return {
    ...r,
    port,
    async served() {
      const s = JSON.parse(await shOk(`node "${CLI}" ctl "${r.m.mountpoint}" status`)) as Status;
      const d = s.engine.directIo;
      // An FSYNC that finds no other reader idle is handed to the main thread (it may block):
      // it reached the readers all the same.
      return d === 'off' ? -1 : d.served + d.fsyncHandedOver;
    },
    async ops(op, result) {
      return total(await scrape(port), 'fs_interposer_ops_total', {
        op,
        ...(result !== undefined && { result }),
      });
    },
  };
}

/**
 * Requests the reader threads of the mount at `mountpoint` answered themselves so far (`ctl
 * status`, engine.directIo.served); throws when direct I/O is off.
 */
export function directIoServed(mountpoint: string): Promise<number> {
  return directIoCount(mountpoint, 'served');
}

/**
 * One counter of `ctl status`'s engine.directIo for the mount at `mountpoint` (served,
 * unlinksAnswered, nodesMade, ...); throws when direct I/O is off.
 */
export async function directIoCount(mountpoint: string, key: string): Promise<number> {
  const s = JSON.parse(await shOk(`node "${CLI}" ctl "${mountpoint}" status`)) as {
    engine: { directIo: Record<string, number> | 'off' };
  };
  if (s.engine.directIo === 'off') throw new Error('direct I/O is off');
  return s.engine.directIo[key]!;
}
