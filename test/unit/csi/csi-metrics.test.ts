/**
 * The CSI driver serves real metrics on its health port, the port the chart's ServiceMonitor
 * scrapes (it answered 404 before): the driver as `fs-interposer csi` composes it
 * (runCsiDriver), with RPCs from a real gRPC client and the exposition linted by promtool.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Client } from '@grpc/grpc-js';
import { csiServices } from '../../../src/csi/proto-loader.js';
import { runCsiDriver } from '../../../src/csi/run-driver.js';
import { createCsiMetrics } from '../../../src/csi/csi-metrics.js';
import { createHandoffServer } from '../../../src/handoff/server.js';
import { openRootDir } from '../../../src/handoff/safe-path.js';
import { fetchOffer } from '../../../src/handoff/client.js';
import { freePort } from '../../helpers/prometheus.js';
import { call, clientFor } from './harness.js';

const logger = pino({ level: 'silent' });

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('CSI driver /metrics', () => {
  let root: string;
  let stop: () => void;
  let done: Promise<number>;
  let port: number;
  let node: Client;
  let identity: Client;

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'csi-metrics-'));
    port = await freePort();
    const csiSocket = join(root, 'csi.sock');
    done = runCsiDriver({
      env: {
        FS_INTERPOSER_CSI_ENDPOINT: `unix://${csiSocket}`,
        FS_INTERPOSER_CSI_REGISTRATION_DIR: 'none',
        FS_INTERPOSER_KUBELET_DIR: join(root, 'kubelet'),
        FS_INTERPOSER_STATE_DIR: join(root, 'state'),
        FS_INTERPOSER_HEALTH_PORT: String(port),
        FS_INTERPOSER_VERSION: '9.9.9-test',
        FS_INTERPOSER_NODE_NAME: 'node-test',
      },
      logger,
      stop: new Promise((resolve) => (stop = () => resolve(undefined))),
    });
    for (let i = 0; i < 200 && (await get(port, '/healthz').catch(() => ({ status: 0 }))).status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    const svc = csiServices();
    node = clientFor(svc.Node, csiSocket);
    identity = clientFor(svc.Identity, csiSocket);
  });

  afterEach(async () => {
    node.close();
    identity.close();
    stop();
    await done;
    rmSync(root, { recursive: true, force: true });
  });

  it('counts RPCs by method and code, recovery outcomes and volumes, with build info', async () => {
    await call(identity, 'Probe', {});
    const bad = { volume_id: 'v', target_path: '/etc/passwd' };
    await expect(call(node, 'NodePublishVolume', bad)).rejects.toMatchObject({ code: 3 });
    await expect(call(node, 'NodeUnpublishVolume', bad)).rejects.toMatchObject({ code: 3 });
    await expect(call(node, 'NodeUnpublishVolume', bad)).rejects.toMatchObject({ code: 3 });
    const { status, body } = await get(port, '/metrics');
    expect(status).toBe(200);
    expect(sample(body, 'fs_interposer_csi_requests_total{service="Identity",method="Probe",code="OK"}')).toBe(1);
    expect(sample(body, 'fs_interposer_csi_requests_total{service="Node",method="NodePublishVolume",code="INVALID_ARGUMENT"}')).toBe(1);
    expect(sample(body, 'fs_interposer_csi_requests_total{service="Node",method="NodeUnpublishVolume",code="INVALID_ARGUMENT"}')).toBe(2);
    expect(sample(body, `fs_interposer_csi_build_info{version="9.9.9-test",nodejs="${process.version}"}`)).toBe(1);
    expect(sample(body, 'fs_interposer_csi_custody_recoveries_total{outcome="adopted"}')).toBe(0);
    expect(sample(body, 'fs_interposer_csi_handoff_errors_total')).toBe(0);
    expect(sample(body, 'fs_interposer_csi_volumes')).toBe(0);
    expect(body).not.toMatch(/\bpod="|namespace="/); // discovery's target labels name the Pod
    expect(execFileSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' })).toBe('');
    expect((await get(port, '/nope')).status).toBe(404);
  });
});

describe('CSI metrics: failed handoffs', () => {
  it('counts a handoff the peer could not be given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'csi-handoff-err-'));
    const dirFd = openRootDir(dir);
    const metrics = createCsiMetrics({ version: 't', liveVolumes: () => 1 });
    // fd -1 cannot be sent: sendmsg fails, as when a volume's fds were closed under the server.
    const server = createHandoffServer({
      dirFd, name: 'v.sock', logger, onError: () => metrics.handoffError(),
      source: () => ({ message: { volumeId: 'v', init: {}, fds: ['primary'] }, fds: [-1] }),
    });
    try {
      await fetchOffer({ socketPath: join(dir, 'v.sock'), timeoutMs: 2000 }).catch(() => undefined);
      const text = await metrics.registry.metrics();
      expect(sample(text, 'fs_interposer_csi_handoff_errors_total')).toBe(1);
      expect(sample(text, 'fs_interposer_csi_volumes')).toBe(1);
    } finally {
      server.close();
      closeSync(dirFd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
