import { request } from 'node:http';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Counter, Registry } from 'prom-client';
import { startMetricsServer } from '../../../src/telemetry/metrics-server.js';
import type { MetricsServer } from '../../../src/telemetry/metrics-server.js';

interface Reply {
  status: number;
  type: string | undefined;
  body: string;
}

function get(target: { port?: number; socketPath?: string }, path: string, method = 'GET') {
  return new Promise<Reply>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: target.port, socketPath: target.socketPath, path, method },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function registryWithOne(): Registry {
  const registry = new Registry();
  new Counter({ name: 'fs_interposer_test_total', help: 'x', registers: [registry] }).inc(7);
  return registry;
}

describe('startMetricsServer', () => {
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serves the registry on a TCP port in the Prometheus text format', async () => {
    server = await startMetricsServer({ registry: registryWithOne(), port: 0, host: '127.0.0.1' });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const r = await get(server, '/metrics');
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(r.body).toContain('fs_interposer_test_total 7');
    expect((await get(server, '/healthz')).body).toBe('ok\n');
    expect((await get(server, '/other')).status).toBe(404);
    expect((await get(server, '/metrics', 'POST')).status).toBe(405);
  });

  it('serves on a unix socket and replaces a stale socket left by a dead process', async () => {
    const socketPath = join(mkdtempSync(join(tmpdir(), 'metrics-')), 'm.sock');
    // A process that exits without closing its server leaves the socket file behind.
    const crash = `require('node:net').createServer().listen(${JSON.stringify(socketPath)}, () => process.exit(0))`;
    execFileSync(process.execPath, ['-e', crash]);
    expect(lstatSync(socketPath).isSocket()).toBe(true);
    server = await startMetricsServer({ registry: registryWithOne(), socketPath });
    const r = await get({ socketPath }, '/metrics');
    expect(r.body).toContain('fs_interposer_test_total 7');
  });

  it('refuses to delete a regular file in place of the socket', async () => {
    const socketPath = join(mkdtempSync(join(tmpdir(), 'metrics-')), 'not-a-socket');
    writeFileSync(socketPath, 'precious');
    await expect(
      startMetricsServer({ registry: new Registry(), socketPath }),
    ).rejects.toMatchObject({
      code: 'EADDRINUSE_SOCKET',
    });
  });

  it('needs a port or a socket', async () => {
    await expect(startMetricsServer({ registry: new Registry() })).rejects.toMatchObject({
      code: 'NO_LISTEN_ADDRESS',
    });
  });
});
