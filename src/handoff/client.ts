import { setTimeout as sleepMs } from 'node:timers/promises';
import { HandoffError } from './errors.js';
import type { HandoffOffer } from './message.js';
import { MAX_MESSAGE, decodeOffer } from './message.js';
import { MAX_FDS, recvWithFds } from '../sys/scm-rights.js';
import { closeFd, connectTo } from './unix-socket.js';

export interface FetchOptions {
  /** For messages and the default `connect`. */
  socketPath: string;
  /** How to connect (default: connectTo(socketPath)); e.g. connectBeneath for root in a Pod dir. */
  connect?: () => number;
  /** Overall budget, including waiting for the server to appear. */
  timeoutMs: number;
  retryMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface Fetched {
  offer: HandoffOffer;
  /** Ours to keep or close; on any error nothing leaks (all received fds are closed). */
  fds: number[];
}

const RETRYABLE = new Set(['ENOENT', 'ECONNREFUSED', 'EAGAIN']);

async function connectWithRetry(o: Required<FetchOptions>, deadline: number): Promise<number> {
  for (;;) {
    try {
      return o.connect();
    } catch (err) {
      const retry = err instanceof HandoffError && RETRYABLE.has(err.errno ?? '');
      if (!retry || o.now() >= deadline) throw retry ? timeout(o, err) : err;
      await o.sleep(o.retryMs);
    }
  }
}

function timeout(o: FetchOptions, cause: unknown): HandoffError {
  const msg = cause instanceof Error ? `: ${cause.message}` : '';
  return new HandoffError(
    'TIMEOUT',
    `no handoff from ${o.socketPath} within ${o.timeoutMs} ms${msg}`,
  );
}

function closeAll(fds: readonly number[]): void {
  for (const fd of fds) closeFd(fd);
}

/** Connect, receive one offer with its fds, validate it. Non-blocking throughout. */
export async function fetchOffer(options: FetchOptions): Promise<Fetched> {
  const o: Required<FetchOptions> = {
    connect: () => connectTo(options.socketPath),
    retryMs: 20,
    now: () => Date.now(),
    sleep: (ms) => sleepMs(ms),
    ...options,
  };
  const deadline = o.now() + o.timeoutMs;
  const sock = await connectWithRetry(o, deadline);
  try {
    for (;;) {
      const got = recvWithFds(sock, MAX_MESSAGE, MAX_FDS);
      if (got !== null) {
        try {
          if (got.truncated || got.controlTruncated) {
            throw new HandoffError(
              'TRUNCATED',
              got.truncated ? 'message truncated' : 'fds truncated (MSG_CTRUNC)',
            );
          }
          return { offer: decodeOffer(got.data, got.fds.length), fds: got.fds };
        } catch (err) {
          closeAll(got.fds);
          throw err;
        }
      }
      if (o.now() >= deadline) throw timeout(o, undefined);
      await o.sleep(o.retryMs);
    }
  } finally {
    closeFd(sock);
  }
}
