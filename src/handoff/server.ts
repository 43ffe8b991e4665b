import { chmodSync, chownSync, closeSync } from 'node:fs';
import type { Logger } from 'pino';
import { O_NOFOLLOW, O_PATH } from '../sys/constants.js';
import type { HandoffOffer } from './message.js';
import { encodeOffer } from './message.js';
import { openBeneath, procPath, unlinkBeneath } from './safe-path.js';
import { sendWithFds } from '../sys/scm-rights.js';
import { acceptOne, closeFd, listenBeneath, peerCred } from './unix-socket.js';

export interface Offer {
  message: HandoffOffer;
  /** Sent as-is; the server never closes them (the owner keeps custody). */
  fds: readonly number[];
}

export interface HandoffServerOptions {
  /** Directory fd the socket lives in (owned by the caller, must outlive the server). */
  dirFd: number;
  name: string;
  /** Called per connection; undefined means nothing to offer right now (the peer sees EOF). */
  source: () => Offer | undefined;
  logger: Logger;
  /** Mode and owner of the socket file, so the unprivileged sidecar may connect. */
  mode?: number;
  owner?: { uid: number; gid: number };
  /** How often pending connections are accepted. */
  pollMs?: number;
  /** Told of every handoff that failed (besides the log line): the driver counts them. */
  onError?: (err: unknown) => void;
}

export interface HandoffServer {
  readonly served: number;
  close(): void;
}

/**
 * Offers fds to whoever connects. The listening socket is non-blocking and accepted on a short
 * timer: a blocking accept would park a libuv threadpool thread per volume (the deadlock the FUSE
 * findings describe), and Node's `net` does not expose the accepted fd that SCM_RIGHTS needs.
 * A handoff is rare (sidecar start or restart), so a 25 ms tick bounds takeover latency cheaply.
 */
export function createHandoffServer(o: HandoffServerOptions): HandoffServer {
  const log = o.logger.child({ component: 'handoff-server', socket: o.name });
  const listenFd = listenBeneath(o.dirFd, o.name);
  try {
    setSocketAccess(o.dirFd, o.name, o.mode ?? 0o660, o.owner);
  } catch (err) {
    closeFd(listenFd);
    throw err;
  }
  let served = 0;
  let closed = false;

  const serveOne = (conn: number): void => {
    try {
      const offer = o.source();
      const peer = peerCred(conn);
      if (offer === undefined) {
        log.warn({ peer }, 'connection while nothing is offered');
        return;
      }
      sendWithFds(conn, encodeOffer(offer.message), offer.fds);
      served += 1;
      log.info({ peer, fds: offer.fds.length, volumeId: offer.message.volumeId }, 'fds handed off');
    } catch (err) {
      log.error({ err }, 'handoff to a peer failed');
      o.onError?.(err);
    } finally {
      closeFd(conn);
    }
  };
  const tick = (): void => {
    for (let conn = acceptOne(listenFd); conn !== null; conn = acceptOne(listenFd)) serveOne(conn);
  };
  const timer = setInterval(() => {
    try {
      tick();
    } catch (err) {
      log.error({ err }, 'accept failed');
    }
  }, o.pollMs ?? 25);

  return {
    get served() {
      return served;
    },
    close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      closeFd(listenFd);
      unlinkBeneath(o.dirFd, o.name);
    },
  };
}

function setSocketAccess(
  dirFd: number,
  name: string,
  mode: number,
  owner?: { uid: number; gid: number },
): void {
  // Through an O_PATH fd of the socket itself: the Pod may swap the name for a symlink at any time.
  const fd = openBeneath(dirFd, name, O_PATH | O_NOFOLLOW);
  try {
    if (owner !== undefined) chownSync(procPath(fd), owner.uid, owner.gid);
    chmodSync(procPath(fd), mode);
  } finally {
    closeSync(fd);
  }
}
