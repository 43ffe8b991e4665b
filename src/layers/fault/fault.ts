import { FS_OPS } from '../../config/ops.js';
import type { FaultConfig } from '../../config/types.js';
import { FsError, isErrnoName } from '../../vfs/errors.js';
import type { FsOp, Layer, OpCall, OpResultMap } from '../../vfs/types.js';
import { isOp } from '../../vfs/types.js';
import { TAP_DATA_OPS } from '../../vfs/reader-tap.js';
import type { LayerDeps } from '../stack/deps.js';
import { createDataFaults } from './fault-data.js';
import { REALISTIC_ERRNOS, buildWeightTable, pickWeighted } from './fault-errnos.js';
import type { WeightTable } from './fault-errnos.js';
import { createTrigger } from './fault-trigger.js';
import { EVENT_ATTR, reportFault } from '../stack/op-events.js';
import { createScope } from '../stack/scope.js';
import type { Scope } from '../stack/scope.js';
import { passThrough } from '../stack/pass-through.js';

/**
 * The errno table holds only the ops in scope that have an errno to give, and the trigger (rate,
 * nth, after, window, oneShot) counts only those ops: without one of the readers' ops in it, and
 * no data fault with read or write in scope, nothing here can touch them before the next swap.
 */
function idleForReaders(errnos: WeightTable | undefined, data: boolean, scope: Scope): boolean {
  if (data && (scope.allowsOp('read') || scope.allowsOp('write'))) return false;
  return errnos === undefined || !TAP_DATA_OPS.some((op) => errnos.has(op));
}

/**
 * Any errno on LOOKUP in the table makes its misses not the backend's: ENOENT is one of its
 * realistic answers, and a replayed decision log may give back whatever errno its run drew.
 */
const missesFromBackend = (errnos: WeightTable | undefined): boolean => !errnos?.has('lookup');

/**
 * errno injection (realistic per-op sets, weights, rate / nth / one-shot / dm-flakey windows)
 * and data faults (see fault-data.ts). Configured but inactive (rate 0, no nth, no window, no
 * data fault rates): `around` is a bare pass-through.
 */
export function createFaultLayer(cfg: FaultConfig, deps: LayerDeps): Layer {
  const { name, clock, random, decisions } = deps;
  const scope = createScope(cfg.scope);
  const table = buildWeightTable(
    cfg,
    FS_OPS.filter((op) => scope.allowsOp(op)),
  );
  const trigger = createTrigger(cfg, clock.now());
  const data = createDataFaults(cfg, { random, decisions, scope, name });
  const errnosActive = trigger.active && table.size > 0;
  if (trigger.active && table.size === 0) {
    // A rate or trigger that can never fire: say so rather than do nothing without a word.
    const ops = FS_OPS.filter((op) => scope.allowsOp(op));
    deps.logger?.warn(
      {
        errnos: cfg.errnos,
        realistic: [...new Set(ops.flatMap((op) => REALISTIC_ERRNOS[op] ?? []))],
      },
      'fault: none of these errnos is realistic for the ops in scope; this layer injects no errno',
    );
  }

  // Configured but inactive: a pass-through that also leaves the kernel caches on.
  if (!errnosActive && !data.active) return passThrough(name);
  const needsData = data.active || table.has('read') || table.has('write');
  const errnos = errnosActive ? table : undefined;
  const readerIdle = idleForReaders(errnos, data.active, scope);

  const injectErrno = (call: OpCall): void => {
    const entries = table.get(call.op);
    if (entries === undefined) return;
    const errno = decisions.decide(call, 'errno', () =>
      scope.sample(random) && trigger.fire(clock.now(), random)
        ? pickWeighted(entries, random.next())
        : undefined,
    );
    if (errno !== undefined) {
      const code = isErrnoName(errno) ? errno : 'EIO';
      const size = (call.args as { buffer?: Buffer }).buffer?.length;
      reportFault(call, name, code, { [EVENT_ATTR.errno]: code, ...(size !== undefined && { [EVENT_ATTR.size]: size }) });
      throw new FsError(code, `injected ${errno} by ${name}`, { injectedBy: name });
    }
  };

  const inject = <O extends FsOp>(
    call: OpCall<O>,
    next: () => Promise<OpResultMap[O]>,
  ): Promise<OpResultMap[O]> => {
    if (!scope.matches(call)) return next();
    try {
      if (errnosActive) injectErrno(call);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    if (data.active && isOp(call, 'read'))
      return data.read(call, next as () => Promise<number>) as Promise<OpResultMap[O]>;
    if (data.active && isOp(call, 'write'))
      return data.write(call, next as () => Promise<number>) as Promise<OpResultMap[O]>;
    return next();
  };

  /**
   * A short reply to a page-cache READ makes the kernel take the file as ending there (it shrinks
   * its cached size and the app reads EOF): only a direct-I/O open hands the short count to the
   * app, which is what a short read means. So files whose reads may be cut open uncached.
   */
  const openUncached = async <O extends FsOp>(
    call: OpCall<O>,
    next: () => Promise<OpResultMap[O]>,
  ): Promise<OpResultMap[O]> => {
    const r = await inject(call, next);
    if (!scope.matches({ ...call, op: 'read' } as OpCall)) return r;
    return { ...(r as OpResultMap['open']), directIo: true } as OpResultMap[O];
  };

  return {
    name,
    needsData,
    readerIdle,
    missesFromBackend: missesFromBackend(errnos),
    around<O extends FsOp>(
      call: OpCall<O>,
      next: () => Promise<OpResultMap[O]>,
    ): Promise<OpResultMap[O]> {
      if (data.shortReads && (isOp(call, 'open') || isOp(call, 'create')))
        return openUncached(call, next);
      return inject(call, next);
    },
  };
}
