import type { Logger } from 'pino';
import type { HandedVolume } from './server.js';
import { nextStep } from './supervisor-states.js';
import type { SupervisorAction, SupervisorEvent, SupervisorState } from './supervisor-states.js';

/** A server process, as far as the supervisor cares. It starts as a standby. */
export interface ServerProcess {
  readonly pid: number | undefined;
  /** Resolves when its modules are loaded and it waits for `activate()`. */
  readonly ready: Promise<void>;
  /** Start serving (only after `ready`). */
  activate(): void;
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
  /** Resolves when the app containers have ended for good (the CSI driver says so in the handoff dir); may never resolve. */
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
  readonly state: SupervisorState;
}

/** A server that dies within this long of activation crashed "fast" (config bug, bad fd...). */
const FAST_CRASH_MS = 500;
/** This many fast crashes in a row is a crash loop: wait a second between takeovers. */
const CRASH_LOOP = 3;

/**
 * Holds every fd for the life of the container and replaces the server at once when it dies:
 * the kernel keeps the FUSE connection (and the app's requests queue) as long as one copy of each
 * fd is open, so a server crash costs a takeover, not the mount. Loading the server's modules
 * takes about a second on a busy node, so a warm standby (modules loaded, fds inherited, not yet
 * reading) is kept and promoted on a crash; a new standby is started a little later. When to
 * stop is the state machine of supervisor-states.ts; this carries out its actions.
 */
export function createSupervisor(o: SupervisorOptions): Supervisor {
  const log = o.logger.child({ component: 'supervisor' });
  const now = o.now ?? (() => Date.now());
  let state: SupervisorState = 'starting';
  let held: HandedVolume[] = [];
  let active: ServerProcess | undefined;
  let standby: ServerProcess | undefined;
  let generation = 0;
  let restarts = 0;
  let fastCrashes = 0;
  let activatedAt = 0;
  const closers: (() => void)[] = [];
  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finish = resolve));
  /** Serving (or draining): a dead server is replaced, a standby kept. */
  const serving = (): boolean => state === 'serving' || state === 'draining';

  const promote = (child: ServerProcess): void => {
    active = child;
    const startedAt = now();
    void child.ready.then(() => {
      if (active === child && serving()) {
        child.activate();
        activatedAt = now();
      }
      log.info({ pid: child.pid, waitedMs: now() - startedAt }, 'server active');
    });
  };

  const spawnStandby = (delayMs: number): void => {
    const timer = setTimeout(() => {
      if (!serving() || standby !== undefined) return;
      standby = spawnOne();
    }, delayMs);
    timer.unref();
  };

  function spawnOne(): ServerProcess {
    const child = o.spawnServer({ volumes: held, generation: generation++ });
    child.onExit((code, signal) => {
      if (child === active) {
        active = undefined;
        log.info({ code, signal, state }, 'server exited');
        return dispatch({ type: 'server-exited', code });
      }
      if (child === standby) {
        standby = undefined;
        if (serving()) spawnStandby(1000);
      }
    });
    return child;
  }

  const takeOver = (): void => {
    restarts += 1;
    // Only a server that keeps dying right after it starts is a loop; kills of a server that
    // had been serving (OOM, a bug hit by one request, `kill -9`) are taken over at once.
    fastCrashes = now() - activatedAt < FAST_CRASH_MS ? fastCrashes + 1 : 0;
    const crashLoop = fastCrashes >= CRASH_LOOP;
    log.warn({ restarts, standby: standby !== undefined, crashLoop }, 'server died; taking over');
    const next = standby;
    standby = undefined;
    if (next !== undefined && !crashLoop) promote(next);
    else {
      setTimeout(
        () => {
          if (serving()) promote(next ?? spawnOne());
        },
        crashLoop ? 1000 : 0,
      );
    }
    spawnStandby(0);
  };

  const serve = (): void => {
    for (const h of held) if (o.offerCustody !== undefined) closers.push(o.offerCustody(h));
    promote(spawnOne());
    spawnStandby(0);
    // Jobs: in the regular-container fallback nobody sends SIGTERM when the app finishes.
    void o.appsDone().then(() => dispatch({ type: 'apps-done' }));
  };

  const act = (a: SupervisorAction): void => {
    switch (a.do) {
      case 'serve':
        return serve();
      case 'arm-grace':
        log.info({ graceMs: o.graceMs }, 'SIGTERM: serving until the app containers exit');
        return void setTimeout(() => dispatch({ type: 'grace-over' }), o.graceMs).unref();
      case 'take-over':
        return takeOver();
      case 'release':
        closers.splice(0).forEach((c) => c());
        standby?.kill('SIGTERM');
        return;
      case 'stop-server':
        active?.kill('SIGTERM');
        return;
      case 'exit':
        return finish(a.code);
    }
  };

  function dispatch(event: SupervisorEvent): void {
    const step = nextStep(state, event, {
      nativeSidecar: o.nativeSidecar,
      serverRunning: active !== undefined,
    });
    if (step.state !== state) log.info({ from: state, to: step.state, event: event.type }, 'state');
    state = step.state;
    step.actions.forEach(act);
  }

  return {
    done,
    get restarts() {
      return restarts;
    },
    get serverPid() {
      return active?.pid;
    },
    get state() {
      return state;
    },
    async start() {
      held = await Promise.all(o.volumes.map((v) => o.acquire(v)));
      log.info(
        { volumes: held.map((h) => ({ volume: h.volume, fds: h.fds.length })) },
        'holding fds',
      );
      dispatch({ type: 'fds-held' });
    },
    terminate() {
      dispatch({ type: 'sigterm' });
    },
  };
}
