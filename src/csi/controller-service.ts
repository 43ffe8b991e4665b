import type { Handlers } from './logging.js';

/**
 * Only ControllerGetCapabilities: inline ephemeral volumes never reach a controller. The answer
 * must be non-empty for csi-sanity; SINGLE_NODE_MULTI_WRITER is the one capability that is true
 * of our volumes and implies no RPC we would then have to serve
 * (docs/adr/0040-csi-controller-capabilities.md).
 */
export function createControllerService(): Handlers {
  return {
    ControllerGetCapabilities: () =>
      Promise.resolve({ capabilities: [{ rpc: { type: 'SINGLE_NODE_MULTI_WRITER' } }] }),
  };
}
