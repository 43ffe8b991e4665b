import type { Logger } from 'pino';
import type { Handlers } from './logging.js';

export interface RegistrationOptions {
  driverName: string;
  /** The CSI socket path as the kubelet sees it (the kubelet dials it). */
  endpoint: string;
  supportedVersions: readonly string[];
  logger: Logger;
  /** Told when the kubelet accepted or rejected us (readiness, logs). */
  onStatus?: (registered: boolean, error: string) => void;
}

/**
 * The kubelet plugin-watcher protocol (pluginregistration.Registration), served by the driver
 * itself on <kubelet root>/plugins_registry/<name>-reg.sock, so no node-driver-registrar
 * container is needed. Deploying node-driver-registrar instead still works: it serves the same
 * API and only needs our csi.sock (GetPluginInfo).
 */
export function createRegistrationService(o: RegistrationOptions): Handlers {
  const log = o.logger.child({ component: 'csi-registration' });
  return {
    GetInfo: () =>
      Promise.resolve({
        type: 'CSIPlugin',
        name: o.driverName,
        endpoint: o.endpoint,
        supported_versions: [...o.supportedVersions],
      }),
    NotifyRegistrationStatus(req) {
      const registered = req.plugin_registered === true;
      const error = typeof req.error === 'string' ? req.error : '';
      if (registered) log.info('kubelet registered the driver');
      else log.error({ error }, 'kubelet rejected the driver registration');
      o.onStatus?.(registered, error);
      return Promise.resolve({});
    },
  };
}
