import { createServer } from 'node:http';
import type { Server } from 'node:http';

/**
 * /healthz for the DaemonSet's liveness probe: 200 once the gRPC sockets are bound and custody
 * recovery has run, 503 before. Nothing here touches a FUSE mount (a hung mount must not make
 * the kubelet restart the driver, which would not help).
 */
export function startHealthServer(port: number, ready: () => boolean): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== '/healthz') return void res.writeHead(404).end();
    const ok = ready();
    res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'starting\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}
