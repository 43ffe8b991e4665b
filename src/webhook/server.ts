/**
 * HTTPS serving of the express app. The certificate can be swapped while serving
 * (setSecureContext): new connections get the new pair, open keep-alive connections finish with
 * the old one, so a rotation never fails an admission.
 */
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { CertPair } from './tls/certificates.js';

export interface WebhookServer {
  listen(port: number, host?: string): Promise<AddressInfo>;
  setCertificate(pair: CertPair): void;
  close(): Promise<void>;
  readonly server: Server;
}

export function createWebhookServer(app: Express, tls: CertPair): WebhookServer {
  const server = createServer({ cert: tls.certPem, key: tls.keyPem, minVersion: 'TLSv1.2' }, app);
  // The apiserver keeps connections alive for many admissions; its own timeout is 10 s at most.
  server.keepAliveTimeout = 60_000;
  return {
    server,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    setCertificate(pair) {
      server.setSecureContext({ cert: pair.certPem, key: pair.keyPem, minVersion: 'TLSv1.2' });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
