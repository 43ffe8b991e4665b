import { createRequire } from 'node:module';
import type * as Ajv from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { LAYER_TYPES } from './schema/layers.js';
import { stackConfigSchema } from './schema/stack.js';
import type { StackConfig } from './types.js';
import { delayRangeViolations } from './delay-ranges.js';
import { SIZE_PATTERN, parseSizeText } from './quantity.js';
import { parseDuration } from './units.js';

/** A schema violation before positions are attached: where (JSON pointer), what, what is accepted. */
export interface Violation {
  pointer: string;
  message: string;
  accepted?: string[];
}

interface DataCxt {
  parentData: Record<string | number, unknown>;
  parentDataProperty: string | number;
}

/**
 * ajv (CommonJS) is loaded with the first validation, not with this module: a mount with no
 * layers never validates anything and does not pay its memory (docs/performance.md, step 11).
 */
const requireCjs = createRequire(import.meta.url);

function createValidator(schema: object): ValidateFunction {
  const { Ajv2020 } = requireCjs('ajv/dist/2020.js') as typeof Ajv;
  const ajv = new Ajv2020({
    allErrors: true,
    verbose: true,
    allowUnionTypes: true,
    strictTypes: false,
  });
  // Annotation only: the compact forms `fs-interposer layers` prints (schema/layer-base.ts).
  ajv.addKeyword('x-compact');
  ajv.addKeyword({
    keyword: 'x-unit',
    schemaType: 'string',
    modifying: true,
    errors: true,
    validate: convertUnit,
  });
  return ajv.compile(schema);
}

/**
 * The layer types of a candidate when every one of them is known, else undefined. Compiling the
 * whole schema costs about 19 MiB of a process's memory for good (V8 keeps the generated code),
 * compiling the branches of the layers in use a few: a serving process with `metrics` validates
 * against the metrics branch only (docs/benchmarks.md, Memory).
 */
function typesOf(candidate: unknown): string[] | undefined {
  const layers = (candidate as { layers?: unknown } | null)?.layers;
  if (!Array.isArray(layers)) return undefined;
  const types = new Set<string>();
  for (const l of layers) {
    const t = (l as { type?: unknown } | null)?.type;
    if (typeof t !== 'string' || !LAYER_TYPES.includes(t)) return undefined;
    types.add(t);
  }
  return [...types].sort();
}

/** The stack schema with only the layer branches of `types` (the type enum stays complete). */
function schemaFor(types: readonly string[]): object {
  const full = stackConfigSchema as { $defs: Record<string, { allOf?: object[] }> };
  const layer = full.$defs.layer!;
  const branches = (layer.allOf ?? []).filter((b) =>
    types.includes((b as { if: { properties: { type: { const: string } } } }).if.properties.type.const),
  );
  const rest = Object.fromEntries(Object.entries(layer).filter(([k]) => k !== 'allOf'));
  const defs: Record<string, object> = {
    layer: branches.length > 0 ? { ...rest, allOf: branches } : rest,
  };
  for (const t of types) defs[t] = full.$defs[t]!;
  return { ...full, $defs: defs };
}

const validators = new Map<string, ValidateFunction>();

function validatorFor(candidate: unknown): ValidateFunction {
  const types = typesOf(candidate);
  const key = types === undefined ? '*' : types.join(',');
  let v = validators.get(key);
  if (v === undefined) {
    v = createValidator(types === undefined ? stackConfigSchema : schemaFor(types));
    validators.set(key, v);
  }
  return v;
}

interface UnitKeyword {
  (unit: string, data: unknown, schema?: unknown, cxt?: DataCxt): boolean;
  errors?: Partial<ErrorObject>[];
}

/**
 * Converts a valid unit string to the base unit in place. A bad size is reported here, with the
 * parser's reason (milli suffix, fractional bytes); a bad duration is left for `pattern`.
 */
const convertUnit: UnitKeyword = (unit, data, _schema, cxt) => {
  if (typeof data !== 'string' || cxt === undefined) return true;
  if (unit !== 'bytes') {
    const value = parseDuration(data);
    if (value !== undefined) cxt.parentData[cxt.parentDataProperty] = value;
    return true;
  }
  const size = parseSizeText(data);
  if (size.ok) {
    cxt.parentData[cxt.parentDataProperty] = size.bytes;
    return true;
  }
  convertUnit.errors = [{ keyword: 'x-unit', message: size.reason, params: { unit } }];
  return false;
};

const HIDDEN_KEYWORDS = new Set(['if']);

const SIZE_EXAMPLES = ['integer bytes', '5MB', '5MiB', '10Gi', '512M'];
const UNIT_EXAMPLES: readonly [string, string[]][] = [
  ['MiB', SIZE_EXAMPLES],
  ['ms', ['number of ms', '250us', '10ms', '2s']],
];

const ACCEPTED: Readonly<
  Record<string, (e: ErrorObject, p: Record<string, unknown>) => string[] | undefined>
> = {
  enum: (_e, p) => (p.allowedValues as unknown[]).map(String),
  const: (_e, p) => [String(p.allowedValue)],
  type: (_e, p) => String(p.type).split(','),
  additionalProperties: (e) =>
    Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {}),
  pattern: (_e, p) => UNIT_EXAMPLES.find(([marker]) => String(p.pattern).includes(marker))?.[1],
  'x-unit': () => SIZE_EXAMPLES,
};

function accepted(e: ErrorObject): string[] | undefined {
  return ACCEPTED[e.keyword]?.(e, e.params as Record<string, unknown>);
}

/** Messages ajv words poorly, per keyword. */
const MESSAGES: Readonly<Record<string, (e: ErrorObject, p: Record<string, unknown>) => string>> = {
  additionalProperties: (_e, p) => `unknown property '${String(p.additionalProperty)}'`,
  oneOf: () => 'must have exactly one of: fixed | min+max | median+p99',
  pattern: (_e, p) => (String(p.pattern).includes('MiB') ? 'must be a size' : 'must be a duration'),
  required: (_e, p) => `missing required property '${String(p.missingProperty)}'`,
  // A property refused on purpose: its description says why and what to use instead.
  not: (e) => (e.parentSchema as { description?: string } | undefined)?.description ?? 'is not accepted here',
  maxItems: (e, p) =>
    `has ${Array.isArray(e.data) ? e.data.length : '?'} entries; at most ${String(p.limit)} accepted`,
};

function toViolation(e: ErrorObject): Violation {
  const p = e.params as Record<string, unknown>;
  const pointer =
    e.keyword === 'additionalProperties'
      ? `${e.instancePath}/${String(p.additionalProperty)}`
      : e.instancePath;
  const message = MESSAGES[e.keyword]?.(e, p) ?? e.message ?? e.keyword;
  const acc = accepted(e);
  return acc === undefined ? { pointer, message } : { pointer, message, accepted: acc };
}

/**
 * Validate (and normalise units in place) a candidate config. Every violation is returned;
 * the noise ajv adds for the same spot (if/then wrappers, the oneOf branches) is dropped.
 */
export function validateStack(
  candidate: unknown,
): { ok: true; value: StackConfig } | { ok: false; violations: Violation[] } {
  const validator = validatorFor(candidate);
  if (validator(candidate)) {
    const ranges = delayRangeViolations(candidate as StackConfig);
    return ranges.length === 0
      ? { ok: true, value: candidate as StackConfig }
      : { ok: false, violations: ranges };
  }
  const all = (validator.errors ?? [])
    .filter((e) => !HIDDEN_KEYWORDS.has(e.keyword) && !/\/oneOf\/\d+\//.test(e.schemaPath))
    // A bad size string is reported once, by x-unit, with the reason.
    .filter((e) => !(e.keyword === 'pattern' && e.params.pattern === SIZE_PATTERN))
    .map(toViolation);
  const seen = new Set<string>();
  const violations = all.filter((v) => {
    const key = `${v.pointer}|${v.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { ok: false, violations };
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
