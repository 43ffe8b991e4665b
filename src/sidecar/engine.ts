import type { StackConfig } from '../config/index.js';
import type { Logger } from 'pino';
import type { VolumeBackend } from '../contract/volume-backends-env.js';
import type { CachePolicy } from '../contract/cache-policy.js';

/**
 * What the sidecar server needs from the FUSE engine and the layers, per volume. The real
 * adapter is engine-fuse.ts; tests use an in-process double. Keeping this seam small is also the
 * contract for crash custody: see `restartState` and docs/csi.md ("what the engine must expose").
 */
export interface ServeSpec {
  volume: string;
  /** fds[0]: the mount's own fd; the rest cloned queue fds. Ours to close. */
  fds: number[];
  /** NegotiatedInit as handed off by the driver. */
  init: Readonly<Record<string, unknown>>;
  /**
   * The volume's cache policy as the driver decided it (src/csi/cache-decision.ts); absent: the
   * safe default.
   */
  cache?: CachePolicy;
  /** The real PV, mounted into the sidecar only. */
  sourceDir: string;
  /** What holds the volume's data (default: passthrough over `sourceDir`). */
  backend?: VolumeBackend;
  config: StackConfig;
  /**
   * The configuration cannot run as asked: every request fails (EIO) until a reconfigure
   * succeeds. `config` is ignored meanwhile.
   */
  refused?: string;
  /** A predecessor served this connection before (a restart): recover its in-flight requests. */
  restarted: boolean;
  /** Directory for this volume's crash-custody state (node journal, intent log). */
  stateDir: string;
  logger: Logger;
}

export interface ServedVolume {
  /** Resolves when the connection ends (unmount or abort). */
  readonly done: Promise<void>;
  /** Why the volume is not served (every request fails), or undefined while it is. */
  readonly refused: string | undefined;
  /** Live swap of the layer stack (annotation change). */
  reconfigure(config: StackConfig): Promise<void>;
  close(): Promise<void>;
}

export type VolumeEngine = (spec: ServeSpec) => ServedVolume;
