import { credentials, loadPackageDefinition } from '@grpc/grpc-js';
import type { Client, GrpcObject, ServiceClientConstructor, ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { createFakeMounter } from '../../../src/csi/fake-mounter.js';
import type { FakeMounter } from '../../../src/csi/fake-mounter.js';
import { DEFAULT_INIT } from '../../../src/csi/init-policy.js';
import { openHandoffDir } from '../../../src/csi/pod-dir.js';
import type { PodEvents } from '../../../src/csi/pod-events.js';
import type { ClaimInspector } from '../../../src/csi/cache-decision.js';
import { createStaticPodInspector } from '../../../src/csi/pod-inspector.js';
import { csiServices, registrationService } from '../../../src/csi/proto-loader.js';
import { createCsiDriver } from '../../../src/csi/server.js';
import type { CsiDriver } from '../../../src/csi/server.js';
import { createStateStore } from '../../../src/csi/state-store.js';
import type { StateStore } from '../../../src/csi/state-store.js';
import { createTargetLocks } from '../../../src/csi/target-locks.js';
import { createVolumePublisher } from '../../../src/csi/volume-publisher.js';
import type { VolumePublisher } from '../../../src/csi/volume-publisher.js';

export const POD_UID = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

export interface Harness {
  root: string;
  kubeletRoot: string;
  mounter: FakeMounter;
  state: StateStore;
  publisher: VolumePublisher;
  driver: CsiDriver;
  logLines: string[];
  call<T = Record<string, unknown>>(client: Client, method: string, req: object): Promise<T>;
  clients: { identity: Client; controller: Client; node: Client; registration: Client };
  csiSocket: string;
  close(): Promise<void>;
}

export function captureLogger(lines: string[]): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return pino({ level: 'debug' }, sink);
}

export function call<T>(client: Client, method: string, req: object): Promise<T> {
  return new Promise((resolve, reject) => {
    const fn = (
      client as unknown as Record<
        string,
        (r: object, cb: (e: ServiceError | null, v: T) => void) => void
      >
    )[method]!;
    fn.call(client, req, (err, value) => (err ? reject(err) : resolve(value)));
  });
}

export function clientFor(ctor: ServiceClientConstructor, socket: string): Client {
  return new ctor(`unix://${socket}`, credentials.createInsecure());
}

/** A client built from another proto file (e.g. the kubelet-side subset) for wire checks. */
export function foreignService(
  protoFile: string,
  pkg: string[],
  name: string,
): ServiceClientConstructor {
  const opts = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };
  let obj: GrpcObject = loadPackageDefinition(loadSync(protoFile, opts));
  for (const p of pkg) obj = obj[p] as GrpcObject;
  return obj[name] as ServiceClientConstructor;
}

export async function startHarness(
  pods: Parameters<typeof createStaticPodInspector>[0] = { 'default/app': { hasSidecar: true } },
  events?: PodEvents,
  claims?: ClaimInspector,
): Promise<Harness> {
  const root = mkdtempSync(join(tmpdir(), 'csi-'));
  const kubeletRoot = join(root, 'kubelet');
  const logLines: string[] = [];
  const logger = captureLogger(logLines);
  const mounter = createFakeMounter();
  const state = createStateStore(join(root, 'state'));
  const publisher = createVolumePublisher({
    mounter,
    pods: createStaticPodInspector(pods),
    ...(events === undefined ? {} : { events }),
    ...(claims === undefined ? {} : { claims }),
    state,
    logger,
    kubeletRoot,
    openPodDir: (uid, vol) => openHandoffDir(kubeletRoot, uid, vol),
    queues: 3,
    initDefaults: DEFAULT_INIT,
  });
  const csiSocket = join(root, 'plugins', 'csi.sock');
  const regSocket = join(root, 'plugins_registry', 'reg.sock');
  const driver = createCsiDriver({
    name: 'csi.fs-interposer.dev',
    version: '0.1.0-test',
    nodeId: 'node-test',
    kubeletRoot,
    csiSocket,
    maxVolumesPerNode: 7,
    registrationSocket: regSocket,
    publisher,
    locks: createTargetLocks(),
    logger,
  });
  await driver.start();
  const svc = csiServices();
  const clients = {
    identity: clientFor(svc.Identity, csiSocket),
    controller: clientFor(svc.Controller, csiSocket),
    node: clientFor(svc.Node, csiSocket),
    registration: clientFor(registrationService(), regSocket),
  };
  return {
    root,
    kubeletRoot,
    mounter,
    state,
    publisher,
    driver,
    logLines,
    call,
    clients,
    csiSocket,
    async close() {
      Object.values(clients).forEach((c) => c.close());
      await driver.stop();
      publisher.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export function publishRequest(
  h: { kubeletRoot: string },
  over: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    volume_id: 'csi-0123456789abcdef',
    target_path: `${h.kubeletRoot}/pods/${POD_UID}/volumes/kubernetes.io~csi/fsi-data/mount`,
    volume_capability: {
      mount: { fs_type: '', mount_flags: [] },
      access_mode: { mode: 'SINGLE_NODE_WRITER' },
    },
    readonly: false,
    secrets: {},
    volume_context: {
      'fs-interposer.dev/source-volume': 'data',
      'fs-interposer.dev/layers': 'trace,metrics',
      'csi.storage.k8s.io/ephemeral': 'true',
      'csi.storage.k8s.io/pod.name': 'app',
      'csi.storage.k8s.io/pod.namespace': 'default',
      'csi.storage.k8s.io/pod.uid': POD_UID,
    },
    ...over,
  };
}
