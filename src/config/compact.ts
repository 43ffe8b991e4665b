import { MAX_SPEC_BYTES, oversize } from './limits.js';
import type { ConfigError, ParseResult } from './result.js';
import { LAYER_TYPES } from './schema/layers.js';
import { API_VERSION, KIND } from './types.js';
import type { StackConfig } from './types.js';
import { parseSizeText } from './quantity.js';
import { parseDuration } from './units.js';
import { deepFreeze, validateStack } from './validate.js';
import type { Violation } from './validate.js';

/**
 * The compact annotation grammar (ARCHITECTURE.md section 4), outermost layer first:
 *   spec   := '' | layer (',' layer)*
 *   layer  := name ['=' value]
 * with the meanings: throttle=SIZE[/s] (read+write bytes/s per volume) or throttle=N iops,
 * latency=DUR or DUR..DUR (data reads and writes), fault=ERRNO[|ERRNO]@P% (P% of the ops for
 * which the errno is realistic), quota=SIZE, record[=PATH]; trace, metrics, powerloss, shuffle
 * take no value. Anything finer needs the file form.
 */

interface Token {
  index: number;
  column: number;
  name: string;
  value: string | undefined;
}

type Built =
  { ok: true; layer: Record<string, unknown> } | { ok: false; message: string; accepted: string[] };

const fail = (message: string, accepted: string[]): Built => ({ ok: false, message, accepted });

const BARE = new Set(['trace', 'metrics', 'powerloss', 'shuffle']);

function throttle(v: string): Built {
  const ops = /^([0-9]+(?:\.[0-9]+)?)\s*iops$/i.exec(v);
  if (ops !== null) return { ok: true, layer: { type: 'throttle', opsPerSecond: Number(ops[1]) } };
  const size = parseSizeText(v.replace(/\/s$/, ''));
  const accepted = ['5MB', '5MiB', '5Mi', '5MB/s', '100iops'];
  if (!size.ok) return fail(`bad throttle rate: ${size.reason}`, accepted);
  if (size.bytes <= 0) return fail(`bad throttle rate '${v}': must be above 0`, accepted);
  return { ok: true, layer: { type: 'throttle', bytesPerSecond: size.bytes } };
}

function latency(v: string): Built {
  const [a, b, extra] = v.split('..');
  const min = a === undefined ? undefined : parseDuration(a);
  const max = b === undefined ? undefined : parseDuration(b);
  const examples = ['10ms', '250us', '1s', '5ms..20ms'];
  if (min === undefined || extra !== undefined || (b !== undefined && max === undefined)) {
    return fail(`bad latency '${v}'`, examples);
  }
  const delay = max === undefined ? { fixed: min } : { min, max };
  if (max !== undefined && max < min) return fail(`latency range '${v}' is reversed`, examples);
  return { ok: true, layer: { type: 'latency', read: delay, write: delay } };
}

function fault(v: string): Built {
  const m = /^([A-Z0-9|]+)@([0-9]+(?:\.[0-9]+)?)%$/.exec(v);
  if (m === null) return fail(`bad fault '${v}'`, ['EIO@1%', 'ENOSPC@0.5%', 'EIO|ENOSPC@2%']);
  return { ok: true, layer: { type: 'fault', errnos: m[1]!.split('|'), rate: Number(m[2]) } };
}

function quota(v: string): Built {
  const size = parseSizeText(v);
  if (!size.ok) return fail(`bad quota size: ${size.reason}`, ['10GB', '10Gi', '512MiB', '1000000']);
  return { ok: true, layer: { type: 'quota', maxBytes: size.bytes } };
}

function bare(t: Token): Built {
  if (t.value !== undefined)
    return fail(`layer '${t.name}' takes no value in the compact form`, [t.name]);
  return { ok: true, layer: { type: t.name } };
}

const record = (t: Token): Built => ({
  ok: true,
  layer: t.value === undefined ? { type: 'record' } : { type: 'record', path: t.value },
});

const VALUED: Readonly<Record<string, (v: string) => Built>> = { throttle, latency, fault, quota };

function build(t: Token): Built {
  if (!LAYER_TYPES.includes(t.name)) return fail(`unknown layer '${t.name}'`, [...LAYER_TYPES]);
  if (BARE.has(t.name)) return bare(t);
  if (t.name === 'record') return record(t);
  const parse = VALUED[t.name]!;
  if (t.value === undefined || t.value === '')
    return fail(`layer '${t.name}' needs a value`, [`${t.name}=...`]);
  return parse(t.value);
}

function tokenize(spec: string): Token[] {
  const tokens: Token[] = [];
  let column = 1;
  spec.split(',').forEach((raw, index) => {
    const lead = raw.length - raw.trimStart().length;
    const text = raw.trim();
    const eq = text.indexOf('=');
    tokens.push({
      index,
      column: column + lead,
      name: eq < 0 ? text : text.slice(0, eq).trim(),
      value: eq < 0 ? undefined : text.slice(eq + 1).trim(),
    });
    column += raw.length + 1;
  });
  return tokens;
}

const where = (t: Token): string =>
  `token ${t.index + 1} ('${t.name}${t.value === undefined ? '' : `=${t.value}`}'), column ${t.column}`;

/** Schema violations of the built layers, positioned at the token each layer came from. */
function positioned(violations: readonly Violation[], tokenOf: readonly Token[]): ConfigError[] {
  return violations.map((v) => {
    const i = /^\/layers\/(\d+)/.exec(v.pointer);
    const t = i === null ? undefined : tokenOf[Number(i[1])];
    const inner = v.pointer.replace(/^\/layers\/\d+/, '') || '/';
    const position = t === undefined ? v.pointer : `${where(t)}, at ${inner}`;
    return v.accepted === undefined
      ? { message: v.message, position }
      : { message: v.message, position, accepted: v.accepted };
  });
}

const EMPTY: StackConfig = { apiVersion: API_VERSION, kind: KIND, layers: [] };

export function parseLayerSpec(spec: string): ParseResult<StackConfig> {
  if (spec.trim() === '') return { ok: true, value: deepFreeze({ ...EMPTY }) };
  const tooLarge = oversize(spec, MAX_SPEC_BYTES, 'the layer spec');
  if (tooLarge !== undefined) return { ok: false, errors: [{ message: tooLarge }] };
  const errors: ConfigError[] = [];
  const layers: Record<string, unknown>[] = [];
  const tokenOf: Token[] = [];
  for (const t of tokenize(spec)) {
    const built: Built = t.name === '' ? fail('empty layer', [...LAYER_TYPES]) : build(t);
    if (built.ok) {
      layers.push(built.layer);
      tokenOf.push(t);
    } else errors.push({ message: built.message, position: where(t), accepted: built.accepted });
  }
  const result = validateStack({ ...EMPTY, layers });
  if (!result.ok) errors.push(...positioned(result.violations, tokenOf));
  errors.sort((a, b) =>
    (a.position ?? '').localeCompare(b.position ?? '', 'en', { numeric: true }),
  );
  if (errors.length > 0 || !result.ok) return { ok: false, errors };
  return { ok: true, value: deepFreeze(result.value) };
}
