import { injectedBy, toErrnoName } from '../../vfs/errors.js';
import type { FsOp, Layer, OpCall, OpResultMap } from '../../vfs/types.js';
import { systemClock } from '../../vfs/clock.js';
import type { Clock } from '../../vfs/clock.js';
import { pathFields } from './record-format.js';
import type { RecordHeader, RecordLine } from './record-format.js';
import type { Logger } from 'pino';
import { createRotatingWriter } from './record-writer.js';
import type { RotatingWriter, RotatingWriterOptions } from './record-writer.js';

export interface RecordLayerOptions extends Omit<RotatingWriterOptions, 'header'> {
  volume: string;
  /** Ops to record (default all but forget, which the kernel sends in bulk and says nothing). */
  ops?: readonly FsOp[];
  /** Push buffered lines to the file at least this often (default 1000 ms; 0 disables). */
  flushIntervalMs?: number;
  clock?: Clock;
  logger?: Logger;
}

const BYTE_OPS: ReadonlySet<FsOp> = new Set<FsOp>(['read', 'write', 'copyFileRange']);

function describe(call: OpCall, line: RecordLine): void {
  const a = call.args as Partial<{
    offset: number;
    buffer: Buffer;
    length: number;
    newPath: string;
  }>;
  if (typeof a.offset === 'number') line.off = a.offset;
  if (a.buffer !== undefined) line.len = a.buffer.length;
  else if (typeof a.length === 'number') line.len = a.length;
  if (typeof a.newPath === 'string') {
    const to = pathFields(a.newPath);
    line.to = to.text;
    if (to.bytes !== undefined) line.toBytes = to.bytes;
  }
}

/**
 * A failing log (disk full, file removed under us) must never fail the app's operation or crash
 * the server from a timer: errors are counted and logged once per burst, and writing goes on.
 */
function guarded(writer: RotatingWriter, logger: Logger | undefined) {
  let failures = 0;
  const attempt = (fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      if (failures % 1000 === 0)
        logger?.error({ err, failures }, 'recording operations failed; lines are lost');
      failures += 1;
    }
  };
  return {
    write: (line: string) => attempt(() => writer.write(line)),
    flush: () => attempt(() => writer.flush()),
    close: () => attempt(() => writer.close()),
  };
}

/** Writes one JSON line per op: time, op, path, offset, bytes, duration, result, pid. */
export function createRecordLayer(options: RecordLayerOptions): Layer {
  const clock = options.clock ?? systemClock;
  const ops = options.ops === undefined ? undefined : new Set<FsOp>(options.ops);
  const logger = options.logger?.child({ component: 'record', path: options.path });
  const writer = guarded(
    createRotatingWriter({
      ...options,
      header: (part) => {
        const h: RecordHeader = {
          kind: 'fs-interposer-record',
          v: 1,
          volume: options.volume,
          started: clock.now(),
          part,
        };
        return `${JSON.stringify(h)}\n`;
      },
    }),
    logger,
  );
  const interval = options.flushIntervalMs ?? 1_000;
  const timer = interval > 0 ? setInterval(() => writer.flush(), interval) : undefined;
  timer?.unref();
  const wanted = (op: FsOp): boolean => (ops === undefined ? op !== 'forget' : ops.has(op));

  const emit = (call: OpCall, start: number, res: string, extra: Partial<RecordLine>): void => {
    const path = pathFields(call.path);
    const line: RecordLine = {
      t: Math.round(start * 1000) / 1000,
      op: call.op,
      path: path.text,
      ...(path.bytes !== undefined && { pathBytes: path.bytes }),
      us: Math.round((clock.now() - start) * 1000),
      res,
      pid: call.caller.pid,
      uid: call.caller.uid,
      ...extra,
    };
    describe(call, line);
    writer.write(`${JSON.stringify(line)}\n`);
  };

  return {
    name: 'record',
    missesFromBackend: true,
    async around<O extends FsOp>(call: OpCall<O>, next: () => Promise<OpResultMap[O]>) {
      if (!wanted(call.op)) return next();
      const start = clock.now();
      try {
        const result = await next();
        emit(call, start, 'ok', BYTE_OPS.has(call.op) ? { bytes: result as number } : {});
        return result;
      } catch (err) {
        const by = injectedBy(err);
        emit(call, start, toErrnoName(err), by === undefined ? {} : { inj: true, by });
        throw err;
      }
    },
    async close() {
      if (timer !== undefined) clearInterval(timer);
      writer.close();
    },
  };
}
