import { FsError } from '../vfs/errors.js';
import type { StackPlan, StackPort } from '../vfs/stack.js';
import type { Backend, FsOp, OpCall, OpResultMap } from '../vfs/types.js';

/** Every layer must see everything: the reader threads serve nothing by themselves. */
const CLOSED_PLAN: StackPlan = { needsData: true, readerData: false, tap: false, cacheMisses: false };

/**
 * What still answers on a refused volume: the attributes and statfs of its root, so that the
 * mount point is a directory to whoever checks it (the container runtime stats every bind-mount
 * source before it starts a container: an EIO there kept the app from starting at all, with
 * "mkdir ...: file exists", and the reason never reached the app).
 */
const ROOT_OPS: ReadonlySet<FsOp> = new Set<FsOp>(['getattr', 'statfs']);

/**
 * The stack port of a volume the sidecar must not serve as asked (a layer it cannot build, a
 * configuration a Pod cannot run): every request fails with EIO, except the root's attributes.
 * Serving it with fewer layers than asked would look like success to the app and to whoever
 * reads its results; an error on every call cannot be mistaken for that. The reason is logged
 * and written to the volume's error file once, not per request.
 */
export function refusingPort(reason: string, backend?: Backend): StackPort {
  const refuse = (): Promise<never> => Promise.reject(new FsError('EIO', `volume not served: ${reason}`));
  return {
    run<O extends FsOp>(call: OpCall<O>): Promise<OpResultMap[O]> {
      if (backend === undefined || call.path !== '/' || !ROOT_OPS.has(call.op)) return refuse();
      const fn = backend[call.op] as ((c: OpCall<O>) => Promise<OpResultMap[O]>) | undefined;
      return fn === undefined ? refuse() : fn.call(backend, call);
    },
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
      readerServes: (fh) => current.readerServes?.(fh) ?? false,
      readerLists: (fh) => current.readerLists?.(fh) ?? false,
      readerServed: (call, outcome) => current.readerServed?.(call, outcome),
      readerTap,
    },
    set(next) {
      current = next;
    },
  };
}
