import { FsError } from '../vfs/errors.js';
import type { StackPlan, StackPort } from '../vfs/stack.js';

/** Every layer must see everything: the reader threads serve nothing by themselves. */
const CLOSED_PLAN: StackPlan = { needsData: true, readerData: false, tap: false };

/**
 * The stack port of a volume the sidecar must not serve as asked (a layer it cannot build, a
 * configuration a Pod cannot run): every request fails with EIO. Serving it with fewer layers
 * than asked would look like success to the app and to whoever reads its results; an error on
 * every call cannot be mistaken for that. The reason is logged and written to the volume's error
 * file once, not per request.
 */
export function refusingPort(reason: string): StackPort {
  return {
    run: () => Promise.reject(new FsError('EIO', `volume not served: ${reason}`)),
    plan: () => CLOSED_PLAN,
    inFlight: () => 0,
  };
}

export interface SwitchablePort {
  readonly port: StackPort;
  /** Later requests go to `next`; requests already running finish where they started. */
  set(next: StackPort): void;
}

/**
 * A port the session holds for its lifetime, pointing at a refusing port or the live stack. The
 * reader tap is the session's for its whole life: every stack it points at must count into it.
 */
export function createSwitchablePort(initial: StackPort, readerTap: SharedArrayBuffer): SwitchablePort {
  let current = initial;
  return {
    port: {
      run: (call) => current.run(call),
      plan: () => current.plan(),
      inFlight: () => current.inFlight(),
      readerTap,
    },
    set(next) {
      current = next;
    },
  };
}
