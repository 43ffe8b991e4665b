import type { Handlers } from './logging.js';

export interface IdentityOptions {
  name: string;
  version: string;
  /** Readiness: false while the driver is still re-acquiring custody after a restart. */
  ready: () => boolean;
}

export function createIdentityService(o: IdentityOptions): Handlers {
  return {
    GetPluginInfo: () => Promise.resolve({ name: o.name, vendor_version: o.version, manifest: {} }),
    // No CONTROLLER_SERVICE: it would promise CreateVolume & co., which inline volumes never
    // need (docs/adr/0040-csi-controller-capabilities.md).
    GetPluginCapabilities: () => Promise.resolve({ capabilities: [] }),
    Probe: () => Promise.resolve({ ready: { value: o.ready() } }),
  };
}
