/**
 * The FUSE_INIT choices of one volume, fixed at publish time (the kernel negotiates once per
 * mount). Layers that shape or disturb data must see every read and write, so such a volume
 * gets neither the writeback cache nor passthrough (ARCHITECTURE.md section 3).
 */
const DATA_LAYERS = ['latency', 'throttle', 'fault', 'powerloss', 'quota', 'record'];

export interface InitDefaults {
  maxWrite: number;
  writebackCache: boolean;
  passthrough: boolean;
  /**
   * Let the kernel enforce POSIX ACLs and leave the umask to the server. The sidecar always
   * serves the PV through the passthrough backend, which keeps ACLs where the PV's filesystem
   * has them and reports none where it has not (docs/posix.md).
   */
  posixAcl: boolean;
}

export const DEFAULT_INIT: InitDefaults = {
  maxWrite: 1024 * 1024,
  writebackCache: false,
  passthrough: false,
  posixAcl: true,
};

export function layersNeedData(layers: string | undefined, hasConfigFile: boolean): boolean {
  // A ConfigMap config may name any layer: without reading it here, assume it needs the data.
  if (hasConfigFile) return true;
  if (layers === undefined) return false;
  return layers
    .split(',')
    .map((l) => l.trim().split('=')[0] ?? '')
    .some((name) => DATA_LAYERS.includes(name));
}

export function initFor(
  o: { layers?: string; config?: string; backend?: 'memory' | 'null' },
  defaults: InitDefaults,
): InitDefaults {
  // Memory and null volumes keep no ACLs (the kernel would fail permission checks on them) and
  // have no file to pass through to.
  const own = o.backend === undefined ? {} : { posixAcl: false, passthrough: false };
  if (!layersNeedData(o.layers, o.config !== undefined)) return { ...defaults, ...own };
  return { ...defaults, ...own, writebackCache: false, passthrough: false };
}
