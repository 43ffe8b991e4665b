import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { lstat, unlink } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

export interface MetricsServerOptions {
  registry: Registry;
  /** TCP port (0 picks a free one). Ignored when socketPath is set. */
  port?: number;
  /** TCP host; default all interfaces, so Prometheus in the cluster can scrape the Pod IP. */
  host?: string;
  /** Serve on a unix socket instead (local mode: no port to allocate, file permissions guard it). */
  socketPath?: string;
  logger?: Logger;
}

export interface MetricsServer {
  /** `http://host:port` or the socket path. */
  readonly url: string;
  readonly port?: number;
  readonly socketPath?: string;
  close(): Promise<void>;
}

export class MetricsServerError extends Error {
  readonly code: 'EADDRINUSE_SOCKET' | 'NO_LISTEN_ADDRESS';
  constructor(code: MetricsServerError['code'], message: string) {
    super(message);
    this.name = 'MetricsServerError';
    this.code = code;
  }
}

function handler(registry: Registry, logger: Logger | undefined) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
      return;
    }
    registry.metrics().then(
      (body) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => {
        logger?.error({ err }, 'collecting metrics failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('collecting metrics failed\n');
      },
    );
  };
}

/** Remove a leftover socket from a dead process, but never a file that is not a socket. */
async function clearStaleSocket(path: string): Promise<void> {
  const st = await lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (st === undefined) return;
  if (!st.isSocket()) {
    throw new MetricsServerError('EADDRINUSE_SOCKET', `${path} exists and is not a socket`);
  }
  await unlink(path);
}

function listen(server: Server, options: MetricsServerOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = (): void => {
      server.off('error', reject);
      resolve();
    };
    if (options.socketPath !== undefined) server.listen(options.socketPath, done);
    else server.listen(options.port ?? 0, options.host, done);
  });
}

/** Serve `GET /metrics` (Prometheus text format) and `GET /healthz`. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  if (options.socketPath === undefined && options.port === undefined) {
    throw new MetricsServerError('NO_LISTEN_ADDRESS', 'give a port or a socketPath');
  }
  const logger = options.logger?.child({ component: 'metrics-server' });
  if (options.socketPath !== undefined) await clearStaleSocket(options.socketPath);
  const server = createServer(handler(options.registry, logger));
  // Scrapes are short; do not let an idle keep-alive connection hold close() up.
  server.keepAliveTimeout = 5_000;
  await listen(server, options);
  const close = (): Promise<void> =>
    new Promise((resolve, reject) => {
      server.closeAllConnections();
      server.close((err) => (err ? reject(err) : resolve()));
    });
  if (options.socketPath !== undefined) {
    logger?.info({ socketPath: options.socketPath }, 'serving metrics');
    return { url: options.socketPath, socketPath: options.socketPath, close };
  }
  const addr = server.address() as AddressInfo;
  logger?.info({ port: addr.port }, 'serving metrics');
  return { url: urlOf(addr), port: addr.port, close };
}

/** A URL a local client can use: the wildcard addresses are reachable as loopback. */
function urlOf(addr: AddressInfo): string {
  if (addr.address === '::' || addr.address === '0.0.0.0') return `http://127.0.0.1:${addr.port}`;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return `http://${host}:${addr.port}`;
}
