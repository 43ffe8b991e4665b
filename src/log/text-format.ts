/**
 * One pino record as a line a person reads on a terminal:
 *   12:04:05.123 INFO  mount: mounted  mountpoint=/mnt readers=2
 * The record's own time/level/msg/component lead; every other field follows as key=value, and an
 * error's stack goes on indented lines after it. Our own formatter: pino-pretty is not a dependency.
 */
const LEVEL_COLOUR: Readonly<Record<string, string>> = {
  trace: '90',
  debug: '36',
  info: '32',
  warn: '33',
  error: '31',
  fatal: '35',
};

/** Pino's own fields and those that lead the line. */
const LEADING = new Set(['time', 'level', 'msg', 'component', 'pid', 'hostname', 'name']);

export interface TextFormatOptions {
  colour: boolean;
}

function clock(time: unknown): string {
  const d = typeof time === 'string' || typeof time === 'number' ? new Date(time) : new Date();
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function value(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

function errorParts(v: unknown): { text: string; stack?: string } {
  if (v !== null && typeof v === 'object' && 'message' in v) {
    const e = v as { message: unknown; stack?: unknown };
    const stack = typeof e.stack === 'string' ? e.stack.split('\n').slice(1).join('\n') : undefined;
    return stack ? { text: value(e.message), stack } : { text: value(e.message) };
  }
  return { text: value(v) };
}

type Paint = (code: string, s: string) => string;

function head(record: Record<string, unknown>, paint: Paint): string {
  const level = String(record.level ?? 'info');
  const component = record.component === undefined ? [] : [`${String(record.component)}:`];
  return [
    paint('2', clock(record.time)),
    paint(LEVEL_COLOUR[level] ?? '0', level.toUpperCase().padEnd(5)),
    ...component,
    String(record.msg ?? ''),
  ].join(' ');
}

export function formatText(record: Record<string, unknown>, o: TextFormatOptions): string {
  const paint: Paint = (code, s) => (o.colour ? `\x1b[${code}m${s}\x1b[0m` : s);
  const fields: string[] = [];
  const stacks: string[] = [];
  for (const [k, v] of Object.entries(record)) {
    if (LEADING.has(k) || v === undefined) continue;
    const e = k === 'err' || k === 'error' ? errorParts(v) : { text: value(v) };
    fields.push(`${paint('2', `${k}=`)}${e.text}`);
    if (e.stack) stacks.push(e.stack);
  }
  const line =
    fields.length === 0 ? head(record, paint) : `${head(record, paint)}  ${fields.join(' ')}`;
  return [line, ...stacks].join('\n');
}
