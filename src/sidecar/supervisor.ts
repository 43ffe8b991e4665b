import type { Logger } from 'pino';
import type { HandedVolume } from './server.js';

/** A running server process, as far as the supervisor cares. */
export interface ServerProcess {
  readonly pid: number | undefined;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(signal: NodeJS.Signals): void;
}

export interface ServerLaunch {
  volumes: readonly HandedVolume[];
  generation: number;
}

export interface SupervisorOptions {
  volumes: readonly string[];
  /** Fetch a volume's fds and INIT from the driver (handoff socket in the emptyDir). */
  acquire: (volume: string) => Promise<HandedVolume>;
  spawnServer: (launch: ServerLaunch) => ServerProcess;
  /** Offer the held fds back to a restarted driver (custody socket); returns a closer. */
  offerCustody?: (held: HandedVolume) => () => void;
  /** Resolves when the app containers have exited (a Pod status watch); may never resolve. */
  appsDone: () => Promise<void>;
  /** Native sidecar: the kubelet sends SIGTERM only after the app containers have exited. */
  nativeSidecar: boolean;
  /** After SIGTERM, serve at most this long waiting for the apps (the Pod's grace period). */
  graceMs: number;
  logger: Logger;
  now?: () => number;
}

export interface Supervisor {
  start(): Promise<void>;
  /** SIGTERM: keep serving until the apps are done or the grace period ends, then stop. */
  terminate(): void;
  /** The supervisor's exit code once it has stopped. */
  readonly done: Promise<number>;
  readonly restarts: number;
  readonly serverPid: number | undefined;
}

const CRASH_WINDOW_MS = 10_000;
const CRASH_LOOP = 5;

/**
 * Holds every fd for the life of the container and restarts the server at once when it dies:
 * the kernel keeps the FUSE connection (and the app's requests queue) as long as one copy of each
 * fd is open, so a server crash costs a restart, not the mount. Only a crash loop is slowed down.
 */
export function createSupervisor(o: SupervisorOptions): Supervisor {
  const log = o.logger.child({ component: 'supervisor' });
  const now = o.now ?? (() => Date.now());
  let held: HandedVolume[] = [];
  let server: ServerProcess | undefined;
  let generation = 0;
  let restarts = 0;
  let stopping = false;
  let crashTimes: number[] = [];
  const closers: (() => void)[] = [];
  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finish = resolve));

  const launch = (): void => {
    const child = o.spawnServer({ volumes: held, generation });
    server = child;
    const startedAt = now();
    child.onExit((code, signal) => {
      server = undefined;
      if (stopping || code === 0) {
        // Exit 0 unasked: every connection ended (unmounted); there is nothing left to serve.
        log.info({ code, signal, stopping }, 'server stopped');
        closers.forEach((c) => c());
        closers.length = 0;
        finish(code === 0 ? 0 : 1);
        return;
      }
      restarts += 1;
      generation += 1;
      crashTimes = [...crashTimes, now()].filter((t) => now() - t < CRASH_WINDOW_MS);
      const delay = crashTimes.length >= CRASH_LOOP ? 1000 : 0;
      log.warn(
        { code, signal, ranMs: now() - startedAt, restarts, delay },
        'server died; restarting',
      );
      setTimeout(launch, delay);
    });
  };

  const stop = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ reason }, 'stopping the server');
    closers.forEach((c) => c());
    closers.length = 0;
    if (server === undefined) finish(0);
    else server.kill('SIGTERM');
  };

  return {
    done,
    get restarts() {
      return restarts;
    },
    get serverPid() {
      return server?.pid;
    },
    async start() {
      held = await Promise.all(o.volumes.map((v) => o.acquire(v)));
      for (const h of held) if (o.offerCustody !== undefined) closers.push(o.offerCustody(h));
      log.info(
        { volumes: held.map((h) => ({ volume: h.volume, fds: h.fds.length })) },
        'holding fds',
      );
      launch();
      // Jobs: in the regular-container fallback nobody sends SIGTERM when the app finishes.
      void o.appsDone().then(() => stop('app containers exited'));
    },
    terminate() {
      if (o.nativeSidecar) return stop('SIGTERM after the app containers exited (native sidecar)');
      log.info({ graceMs: o.graceMs }, 'SIGTERM: serving until the app containers exit');
      const timer = setTimeout(() => stop('grace period over'), o.graceMs);
      timer.unref();
      void o.appsDone().then(() => stop('app containers exited'));
    },
  };
}
