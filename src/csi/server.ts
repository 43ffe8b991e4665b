import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { CSI_SPEC_VERSION } from './constants.js';
import { createControllerService } from './controller-service.js';
import { createIdentityService } from './identity-service.js';
import { grpcHandlers } from './logging.js';
import { createNodeService } from './node-service.js';
import { csiServices, registrationService } from './proto-loader.js';
import { createRegistrationService } from './registration.js';
import { prepareSocketPath } from './socket-cleanup.js';
import type { TargetLocks } from './target-locks.js';
import type { VolumePublisher } from './volume-publisher.js';

export interface CsiDriverOptions {
  name: string;
  version: string;
  nodeId: string;
  kubeletRoot: string;
  csiSocket: string;
  /** NodeGetInfo's max_volumes_per_node; 0 or absent: no limit of our own. */
  maxVolumesPerNode?: number;
  /** <kubelet root>/plugins_registry/<name>-reg.sock; omit when node-driver-registrar runs. */
  registrationSocket?: string;
  publisher: VolumePublisher;
  locks: TargetLocks;
  logger: Logger;
  ready?: () => boolean;
  /** Counts every RPC by method and code (csi-metrics.ts). */
  onResult?: (service: string, method: string, code: status) => void;
}

export interface CsiDriver {
  start(): Promise<void>;
  stop(): Promise<void>;
}

function bind(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`unix://${path}`, ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    );
  });
}

function shutdown(server: Server): Promise<void> {
  return new Promise((resolve) => server.tryShutdown(() => resolve()));
}

/** Composes the three CSI services and the registration service onto their unix sockets. */
export function createCsiDriver(o: CsiDriverOptions): CsiDriver {
  const csi = new Server();
  const defs = csiServices();
  csi.addService(
    defs.Identity.service,
    grpcHandlers(
      'Identity',
      createIdentityService({ name: o.name, version: o.version, ready: o.ready ?? (() => true) }),
      o.logger,
      o.onResult,
    ),
  );
  csi.addService(
    defs.Controller.service,
    grpcHandlers('Controller', createControllerService(), o.logger, o.onResult),
  );
  csi.addService(
    defs.Node.service,
    grpcHandlers(
      'Node',
      createNodeService({
        nodeId: o.nodeId,
        kubeletRoot: o.kubeletRoot,
        publisher: o.publisher,
        locks: o.locks,
        ...(o.maxVolumesPerNode !== undefined && { maxVolumesPerNode: o.maxVolumesPerNode }),
      }),
      o.logger,
      o.onResult,
    ),
  );
  let reg: Server | undefined;
  if (o.registrationSocket !== undefined) {
    reg = new Server();
    const handlers = createRegistrationService({
      driverName: o.name,
      endpoint: o.csiSocket,
      supportedVersions: [CSI_SPEC_VERSION],
      logger: o.logger,
    });
    reg.addService(registrationService().service, grpcHandlers('Registration', handlers, o.logger));
  }
  return {
    async start() {
      await prepareSocketPath(o.csiSocket);
      await bind(csi, o.csiSocket);
      // Registration last: the kubelet calls GetPluginInfo on csi.sock as soon as it sees us.
      if (reg !== undefined && o.registrationSocket !== undefined) {
        await prepareSocketPath(o.registrationSocket);
        await bind(reg, o.registrationSocket);
      }
      o.logger.info(
        { csiSocket: o.csiSocket, registrationSocket: o.registrationSocket },
        'csi driver listening',
      );
    },
    async stop() {
      await Promise.all([shutdown(csi), reg === undefined ? Promise.resolve() : shutdown(reg)]);
    },
  };
}
