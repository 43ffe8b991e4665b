import type { ControlRequest, ControlResponse } from '../control/commands.js';
import { controlSocketPath } from '../control/socket-path.js';
import type { MountInfo } from '../fuse/index.js';

/**
 * The fs-interposer mounts this process can see, each with what its server says about itself.
 * The mount table names the mount point, the source and the user; the control socket (found
 * from the mount point and that user) gives the pid and the layers. A mount point is never
 * stat'ed: a hung server would hang `ls` too. A server that does not answer in time is listed
 * as such.
 */
export interface RunningMount {
  mountpoint: string;
  source: string;
  /** The serving user (the FUSE mount's user_id). */
  uid?: number;
  pid?: number;
  layers?: string[];
  socket: string;
  /** serving: the control socket answered; otherwise why we know less. */
  state: 'serving' | 'no control socket' | 'not answering';
}

export const FUSE_TYPE = 'fuse.fs-interposer';

type Send = (socket: string, req: ControlRequest) => Promise<ControlResponse>;

const uidOf = (m: MountInfo): number | undefined => {
  const id = /(?:^|,)user_id=(\d+)/.exec(m.superOptions ?? '')?.[1];
  return id === undefined ? undefined : Number(id);
};

async function describe(m: MountInfo, send: Send, env: NodeJS.ProcessEnv): Promise<RunningMount> {
  const uid = uidOf(m);
  const socket = controlSocketPath(m.mountpoint, env, uid);
  const base = {
    mountpoint: m.mountpoint,
    source: m.source ?? '',
    ...(uid !== undefined && { uid }),
    socket,
  };
  try {
    const res = await send(socket, { command: 'status' });
    if (!res.ok) return { ...base, state: 'not answering' };
    const s = res.result as { pid?: number; layers?: string[] };
    return {
      ...base,
      ...(typeof s.pid === 'number' && { pid: s.pid }),
      ...(Array.isArray(s.layers) && { layers: s.layers }),
      state: 'serving',
    };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      ...base,
      state: code === 'ENOENT' || code === 'ECONNREFUSED' ? 'no control socket' : 'not answering',
    };
  }
}

export async function listRunningMounts(o: {
  mounts: MountInfo[];
  send: Send;
  env?: NodeJS.ProcessEnv;
}): Promise<RunningMount[]> {
  const ours = o.mounts.filter((m) => m.fsType === FUSE_TYPE);
  return Promise.all(ours.map((m) => describe(m, o.send, o.env ?? process.env)));
}
