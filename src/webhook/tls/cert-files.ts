/**
 * cert-manager mode: the serving certificate comes from files (a mounted Secret) and is reloaded
 * when they change. Kubelet swaps Secret volumes with a symlink flip, which inotify on the file
 * itself does not see reliably, so the files are polled with stat (cheap, follows symlinks). A
 * half-written pair (cert and key not matching yet) is ignored until the next poll.
 */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { Logger } from 'pino';
import type { CertPair } from './certificates.js';

export interface CertFilesOptions {
  certPath: string;
  keyPath: string;
  logger: Logger;
  intervalMs?: number;
  onChange(pair: CertPair): void;
}

export interface CertFileSource {
  current(): CertPair;
  close(): void;
}

export function readCertFiles(certPath: string, keyPath: string): CertPair {
  const pair = { certPem: readFileSync(certPath, 'utf8'), keyPem: readFileSync(keyPath, 'utf8') };
  createSecureContext({ cert: pair.certPem, key: pair.keyPem }); // throws unless key matches cert
  return pair;
}

export function watchCertFiles(o: CertFilesOptions): CertFileSource {
  let current = readCertFiles(o.certPath, o.keyPath);
  const interval = o.intervalMs ?? 10_000;
  const reload = () => {
    let next: CertPair;
    try {
      next = readCertFiles(o.certPath, o.keyPath);
    } catch (err) {
      o.logger.warn({ err }, 'certificate files not loadable yet; keeping the current pair');
      return;
    }
    if (next.certPem === current.certPem && next.keyPem === current.keyPem) return;
    current = next;
    o.logger.info({ certPath: o.certPath }, 'serving certificate reloaded');
    o.onChange(next);
  };
  watchFile(o.certPath, { interval, persistent: false }, reload);
  watchFile(o.keyPath, { interval, persistent: false }, reload);
  return {
    current: () => current,
    close() {
      unwatchFile(o.certPath, reload);
      unwatchFile(o.keyPath, reload);
    },
  };
}
