import { describe, expect, it } from '@jest/globals';
import { nextStep, TRANSITIONS } from '../../../src/sidecar/supervisor-states.js';
import type {
  Step,
  SupervisorEvent,
  SupervisorState,
} from '../../../src/sidecar/supervisor-states.js';

const native = { nativeSidecar: true, serverRunning: true };
const regular = { nativeSidecar: false, serverRunning: true };
const noServer = (ctx: typeof native) => ({ ...ctx, serverRunning: false });

const held: SupervisorEvent = { type: 'fds-held' };
const sigterm: SupervisorEvent = { type: 'sigterm' };
const appsDone: SupervisorEvent = { type: 'apps-done' };
const graceOver: SupervisorEvent = { type: 'grace-over' };
const exited = (code: number | null): SupervisorEvent => ({ type: 'server-exited', code });

const stopping: Step = { state: 'stopping', actions: [{ do: 'release' }, { do: 'stop-server' }] };
const stoppedWith = (code: number): Step => ({
  state: 'stopped',
  actions: [{ do: 'release' }, { do: 'exit', code }],
});
const same = (state: SupervisorState): Step => ({ state, actions: [] });

describe('sidecar supervisor: the transition table', () => {
  it.each<[string, SupervisorState, SupervisorEvent, typeof native, Step]>([
    // start
    ['fds acquired: serve', 'starting', held, native, { state: 'serving', actions: [{ do: 'serve' }] }],
    // SIGTERM, native sidecar: the apps have exited already, stop at once
    ['native SIGTERM while serving stops the server', 'serving', sigterm, native, stopping],
    ['native SIGTERM between a death and its takeover ends at once', 'serving', sigterm, noServer(native), stoppedWith(0)],
    ['native SIGTERM before the fds are held ends at once', 'starting', sigterm, native, stoppedWith(0)],
    // SIGTERM, regular container: the apps get it too, serve until they exit or the grace ends
    ['regular SIGTERM while serving drains', 'serving', sigterm, regular, { state: 'draining', actions: [{ do: 'arm-grace' }] }],
    ['regular SIGTERM before the fds are held drains', 'starting', sigterm, regular, { state: 'draining', actions: [{ do: 'arm-grace' }] }],
    ['fds held while draining: serve the grace period', 'draining', held, regular, { state: 'draining', actions: [{ do: 'serve' }] }],
    ['a second SIGTERM while draining changes nothing', 'draining', sigterm, regular, same('draining')],
    ['the apps exit while draining: stop', 'draining', appsDone, regular, stopping],
    ['the grace period ends while draining: stop', 'draining', graceOver, regular, stopping],
    ['the grace period ends with no server running: end', 'draining', graceOver, noServer(regular), stoppedWith(0)],
    // the apps' end without SIGTERM (a Job's regular-container sidecar)
    ['the apps exit while serving: stop', 'serving', appsDone, regular, stopping],
    ['the apps exit while serving (native): stop', 'serving', appsDone, native, stopping],
    // the server's exits
    ['a crash while serving: take over', 'serving', exited(1), native, { state: 'serving', actions: [{ do: 'take-over' }] }],
    ['a kill -9 while serving: take over', 'serving', exited(null), regular, { state: 'serving', actions: [{ do: 'take-over' }] }],
    ['a crash while draining: take over', 'draining', exited(1), regular, { state: 'draining', actions: [{ do: 'take-over' }] }],
    ['exit 0 unasked (all unmounted): end, no restart', 'serving', exited(0), native, stoppedWith(0)],
    ['exit 0 unasked while draining: end', 'draining', exited(0), regular, stoppedWith(0)],
    ['the stopped server exits 0: end with 0', 'stopping', exited(0), native, stoppedWith(0)],
    ['the stopped server fails: end with 1', 'stopping', exited(1), native, stoppedWith(1)],
    // nothing moves a stopping or stopped supervisor but the server's exit
    ['SIGTERM while stopping changes nothing', 'stopping', sigterm, native, same('stopping')],
    ['the apps exit while stopping changes nothing', 'stopping', appsDone, regular, same('stopping')],
    ['fds held after the end: nothing is served', 'stopped', held, native, same('stopped')],
    ['SIGTERM after the end changes nothing', 'stopped', sigterm, regular, same('stopped')],
  ])('%s', (_, state, event, ctx, step) => {
    expect(nextStep(state, event, ctx)).toEqual(step);
  });

  it('every state that is not the end can reach it', () => {
    const reach = new Set<SupervisorState>(['stopped']);
    const events: SupervisorEvent[] = [held, sigterm, appsDone, graceOver, exited(0), exited(1)];
    const ctxs = [native, regular, noServer(native), noServer(regular)];
    for (let grew = true; grew; ) {
      grew = false;
      for (const state of Object.keys(TRANSITIONS) as SupervisorState[]) {
        if (reach.has(state)) continue;
        const next = events.flatMap((e) => ctxs.map((c) => nextStep(state, e, c).state));
        if (next.some((n) => reach.has(n))) {
          reach.add(state);
          grew = true;
        }
      }
    }
    expect([...reach].sort()).toEqual(['draining', 'serving', 'starting', 'stopped', 'stopping']);
  });
});
