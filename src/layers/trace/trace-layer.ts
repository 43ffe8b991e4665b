import { SpanStatusCode } from '@opentelemetry/api';
import type { Context, Span, TracerProvider } from '@opentelemetry/api';
import { displayName } from '../../vfs/names.js';
import { errnoNameOf, injectedBy, syscallError } from '../../vfs/errors.js';
import type { FsOp, Layer, OpCall, OpResultMap, ServedOutcome } from '../../vfs/types.js';
import { systemClock } from '../../vfs/clock.js';
import type { Clock } from '../../vfs/clock.js';
import { outcomeOfError } from '../../telemetry/outcome.js';
import {
  ATTR,
  FILE_HANDLE_OPS,
  handleOf,
  inodeValue,
  resultAttributes,
  startAttributes,
} from './trace-attributes.js';
import { listenOpEvents } from '../stack/op-events.js';
import { createTraceFilter, readerShareOf } from './trace-filter.js';
import type { TraceFilterOptions } from './trace-filter.js';
import { createRollingSpan } from './trace-rolling-span.js';
import type { RolloverLimits, RollingSpan } from './trace-rolling-span.js';

export interface TraceLayerOptions extends TraceFilterOptions {
  tracerProvider: TracerProvider;
  volume: string;
  /** Rollover of open-file parents (default 5 min or 10,000 ops). */
  fileRollover?: Partial<RolloverLimits>;
  /** Rollover of the volume's metadata parent (default 1 min or 1,000 ops). */
  volumeRollover?: Partial<RolloverLimits>;
  clock?: Clock;
}

const INODE_CACHE_MAX = 10_000;

/**
 * One parent span per open file (open/create .. release), one child span per op under it;
 * metadata ops under a per-volume parent. `null` in `files` marks an untraced handle (filtered
 * out or not sampled): no span, no count, one map lookup; the readers may serve it (readerServes).
 */
export function createTraceLayer(options: TraceLayerOptions): Layer {
  const tracer = options.tracerProvider.getTracer('fs-interposer');
  const clock = options.clock ?? systemClock;
  const filter = createTraceFilter(options);
  const metaSample = readerShareOf(options);
  const fileLimits = { maxDurationMs: 300_000, maxOps: 10_000, ...options.fileRollover };
  const volumeLimits = { maxDurationMs: 60_000, maxOps: 1_000, ...options.volumeRollover };
  const files = new Map<number, RollingSpan | null>();
  // The kernel looks a path up before opening it; remembering the inode names it on the parent.
  const inodes = new Map<string, number | string>();
  let volumeSpan: RollingSpan | undefined;

  const volumeParent = (): RollingSpan => {
    volumeSpan ??= createRollingSpan({
      tracer,
      name: 'volume',
      attributes: { [ATTR.volume]: options.volume },
      limits: volumeLimits,
      clock,
    });
    return volumeSpan;
  };

  const child = async <T>(call: OpCall, parent: Context, next: () => Promise<T>): Promise<T> => {
    if (!filter.op(call.op)) return next();
    const span = tracer.startSpan(
      call.op,
      { attributes: startAttributes(call), startTime: clock.now() },
      parent,
    );
    // Faults, delays and throttle waits of the layers below become events of this op's span.
    const unlisten = listenOpEvents(call, (e) => span.addEvent(e.name, e.attributes, clock.now()));
    let result: T;
    try {
      result = await next();
    } catch (err) {
      unlisten();
      failed(span, call, err);
      span.end(clock.now());
      throw err;
    }
    unlisten();
    describeResult(span, call, result);
    span.end(clock.now());
    return result;
  };

  /** The errno an op failed with; the status only for a failure (not an expected answer). */
  const failed = (span: Span, call: OpCall, err: unknown): void => {
    const { outcome, errno } = outcomeOfError(call.op, err);
    span.setAttribute(ATTR.errno, errno);
    const by = injectedBy(err);
    if (by !== undefined) span.setAttribute(ATTR.injectedBy, by);
    // An expected answer (ENOENT on lookup) leaves the status unset, as HTTP 4xx does on
    // server spans: error views should show failures, not every negative lookup.
    if (outcome === 'error') span.setStatus({ code: SpanStatusCode.ERROR, message: errno });
  };

  /**
   * The span of a request a reader served itself (readerServed): a metadata request it drew,
   * under the volume's span, or a data request of a traced file (readerLists), under the file's;
   * the same span as `child` makes, with the reader's times. The readers answer no error of a
   * layer's.
   */
  const served = (call: OpCall, o: ServedOutcome): void => {
    const file = fileParent(call);
    if (file === null || !filter.op(call.op)) return;
    // A data request of a handle this layer does not trace (one a swapped-out stack opened):
    // no span, rather than one under the volume's.
    if (file === undefined && (call.args as { fh?: number }).fh !== undefined) return;
    if (file === undefined && !filter.path(call.path)) return;
    const parent = file ?? volumeParent();
    const span = tracer.startSpan(
      call.op,
      { attributes: startAttributes(call), startTime: o.start },
      parent.childContext(),
    );
    if (o.errno !== undefined) failed(span, call, syscallError(errnoNameOf(o.errno)));
    else if (o.ino !== undefined) describeResult(span, call, { ino: o.ino });
    else if (o.bytes !== undefined) describeResult(span, call, o.bytes);
    span.end(o.end);
  };

  /** Tracing must never fail an op: a result of an unexpected shape only loses attributes. */
  const describeResult = (span: Span, call: OpCall, result: unknown): void => {
    try {
      span.setAttributes(resultAttributes(call, result));
      rememberInode(call, result);
    } catch {
      span.setAttribute('fs.result.undescribed', true);
    }
  };

  const rememberInode = (call: OpCall, result: unknown): void => {
    if (call.op !== 'lookup' && call.op !== 'getattr') return;
    if (inodes.size >= INODE_CACHE_MAX) inodes.clear();
    inodes.set(call.path, inodeValue((result as { ino: bigint }).ino));
  };

  const openFile = async <O extends FsOp>(call: OpCall<O>, next: () => Promise<OpResultMap[O]>) => {
    if (!filter.path(call.path) || !filter.sample()) {
      const result = await next();
      const fh = handleOf(result);
      if (fh !== undefined) files.set(fh, null);
      return result;
    }
    const flags = (call.args as { flags: number }).flags;
    const attributes = {
      [ATTR.path]: displayName(call.path),
      [ATTR.flags]: flags,
      [ATTR.pid]: call.caller.pid,
      [ATTR.volume]: options.volume,
      ...(inodes.has(call.path) && { [ATTR.inode]: inodes.get(call.path)! }),
    };
    const parent = createRollingSpan({
      tracer,
      name: 'file',
      attributes,
      limits: fileLimits,
      clock,
    });
    let result: OpResultMap[O];
    try {
      result = await child(call, parent.childContext(), next);
    } catch (err) {
      const { outcome, errno } = outcomeOfError(call.op, err);
      parent.end(errno, outcome === 'error');
      throw err;
    }
    const created = (result as { attr?: { ino?: unknown } } | undefined)?.attr?.ino;
    if (typeof created === 'bigint') parent.current.setAttribute(ATTR.inode, inodeValue(created));
    const fh = handleOf(result);
    if (fh === undefined) parent.end();
    else files.set(fh, parent);
    return result;
  };

  const onFile = async <T>(call: OpCall, parent: RollingSpan, next: () => Promise<T>) => {
    if (call.op !== 'release') return child(call, parent.childContext(), next);
    files.delete((call.args as { fh: number }).fh);
    try {
      return await child(call, parent.childContext(), next);
    } finally {
      parent.end();
    }
  };

  /** The file span of the op's handle; null: an untraced file; undefined: no open file. */
  const fileParent = (call: OpCall): RollingSpan | null | undefined => {
    const fh = (call.args as { fh?: number }).fh;
    if (fh === undefined || !FILE_HANDLE_OPS.has(call.op)) return undefined;
    const parent = files.get(fh);
    if (parent === null && call.op === 'release') files.delete(fh);
    return parent;
  };

  return {
    name: 'trace',
    missesFromBackend: true,
    around<O extends FsOp>(call: OpCall<O>, next: () => Promise<OpResultMap[O]>) {
      if (call.op === 'open' || call.op === 'create') return openFile(call, next);
      const parent = fileParent(call);
      if (parent === null) return next();
      if (parent !== undefined) return onFile(call, parent, next);
      if (!filter.op(call.op) || !filter.path(call.path)) return next();
      // A reader thread that drew this request into the sample handed it over (readerMetaSample).
      if (call.sampled !== true && !filter.sample()) return next();
      return child(call, volumeParent().childContext(), next);
    },
    readerServes: (fh) => files.get(fh) === null,
    // A traced file's data requests: served by the readers, their spans made from the list.
    readerLists: (fh) => files.get(fh) !== undefined && files.get(fh) !== null,
    readerServed: served,
    // The readers draw the per-op sample of the metadata requests they may answer (stack.ts
    // StackPlan.metaSample); they cannot see paths, so not when the trace is filtered by path.
    ...(metaSample !== undefined && { readerMetaSample: metaSample }),
    async close() {
      for (const parent of files.values()) parent?.end();
      files.clear();
      volumeSpan?.end();
      volumeSpan = undefined;
    },
  };
}
