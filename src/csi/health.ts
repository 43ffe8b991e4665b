import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { Registry } from 'prom-client';

/**
 * /healthz for the DaemonSet's liveness probe: 200 once the gRPC sockets are bound and custody
 * recovery has run, 503 before. Nothing here touches a FUSE mount (a hung mount must not make
 * the kubelet restart the driver, which would not help). /metrics on the same port is what the
 * chart's ServiceMonitor scrapes (csi-metrics.ts).
 */
export function startHealthServer(port: number, ready: () => boolean, registry?: Registry): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics' && registry !== undefined) {
      registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`collecting metrics failed: ${String(err)}\n`),
      );
      return;
    }
    if (path !== '/healthz') return void res.writeHead(404).end();
    const ok = ready();
    res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'starting\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}
