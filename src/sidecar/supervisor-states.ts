/**
 * The sidecar supervisor's life as a state machine: which event moves it from which state to
 * which, and what it does on the way. Pure (no processes, no timers), so the whole table is
 * unit-tested; supervisor.ts carries the actions out.
 *
 *   starting --fds-held--> serving --sigterm (native)--> stopping --server-exited--> stopped
 *                             |  \--apps-done----------->    ^
 *                             \--sigterm (regular)--> draining --apps-done | grace-over--/
 *
 * A native sidecar gets SIGTERM only after the app containers exited, so it stops at once; a
 * regular container gets it together with the apps, so it serves on until they exit or the
 * grace period ends.
 */
export type SupervisorState = 'starting' | 'serving' | 'draining' | 'stopping' | 'stopped';

export type SupervisorEvent =
  /** Every volume's fds and INIT are acquired from the driver. */
  | { type: 'fds-held' }
  | { type: 'sigterm' }
  /** The app containers exited (a regular-container Job, or any Pod the driver saw finish). */
  | { type: 'apps-done' }
  | { type: 'grace-over' }
  /** The active server exited (a standby's exit is no event: it is replaced by itself). */
  | { type: 'server-exited'; code: number | null };

export type SupervisorAction =
  /** Offer custody, spawn the server and its warm standby, watch for the apps' end. */
  | { do: 'serve' }
  /** Stop after the grace period even if the apps are still running. */
  | { do: 'arm-grace' }
  /** The active server died: promote the standby (or a new server) at once. */
  | { do: 'take-over' }
  /** Close the custody sockets and stop the standby: nothing may be replaced any more. */
  | { do: 'release' }
  /** SIGTERM to the active server; its exit is the next event. */
  | { do: 'stop-server' }
  | { do: 'exit'; code: number };

export interface StepContext {
  nativeSidecar: boolean;
  /** An active server runs (between a death and its takeover there is none for a moment). */
  serverRunning: boolean;
}

export interface Step {
  state: SupervisorState;
  actions: SupervisorAction[];
}

type EventType = SupervisorEvent['type'];
type Rule = (event: SupervisorEvent, ctx: StepContext) => Step;

/** Stop serving: through the server's own exit when one runs, else at once. */
const stop = (ctx: StepContext): Step =>
  ctx.serverRunning
    ? { state: 'stopping', actions: [{ do: 'release' }, { do: 'stop-server' }] }
    : { state: 'stopped', actions: [{ do: 'release' }, { do: 'exit', code: 0 }] };

/** The active server exited while it was meant to serve. */
const serverExited =
  (state: SupervisorState): Rule =>
  (event) => {
    const code = event.type === 'server-exited' ? event.code : null;
    // Exit 0 unasked: every connection ended (unmounted); there is nothing left to serve.
    if (code === 0) return { state: 'stopped', actions: [{ do: 'release' }, { do: 'exit', code: 0 }] };
    return { state, actions: [{ do: 'take-over' }] };
  };

export const TRANSITIONS: Readonly<Record<SupervisorState, Partial<Record<EventType, Rule>>>> = {
  starting: {
    'fds-held': () => ({ state: 'serving', actions: [{ do: 'serve' }] }),
    sigterm: (_, ctx) =>
      ctx.nativeSidecar
        ? { state: 'stopped', actions: [{ do: 'release' }, { do: 'exit', code: 0 }] }
        : { state: 'draining', actions: [{ do: 'arm-grace' }] },
  },
  serving: {
    sigterm: (_, ctx) =>
      ctx.nativeSidecar ? stop(ctx) : { state: 'draining', actions: [{ do: 'arm-grace' }] },
    'apps-done': (_, ctx) => stop(ctx),
    'server-exited': serverExited('serving'),
  },
  draining: {
    // SIGTERM came while the fds were still being acquired: serve the grace period all the same.
    'fds-held': () => ({ state: 'draining', actions: [{ do: 'serve' }] }),
    'apps-done': (_, ctx) => stop(ctx),
    'grace-over': (_, ctx) => stop(ctx),
    'server-exited': serverExited('draining'),
  },
  stopping: {
    'server-exited': (event) => ({
      state: 'stopped',
      actions: [
        { do: 'release' },
        { do: 'exit', code: event.type === 'server-exited' && event.code === 0 ? 0 : 1 },
      ],
    }),
  },
  stopped: {},
};

/** The next state and what to do; an event a state does not handle changes nothing. */
export function nextStep(
  state: SupervisorState,
  event: SupervisorEvent,
  ctx: StepContext,
): Step {
  return TRANSITIONS[state][event.type]?.(event, ctx) ?? { state, actions: [] };
}
