import { layerSchemas } from './schema/layers.js';
import { stackConfigSchema } from './schema/stack.js';

/**
 * What `fs-interposer layers` prints, derived from the schema (no second hand-written table):
 * every option a config file accepts, nested ones by their dotted path, with the compact forms
 * that set it (the schema's `x-compact` annotation).
 */
export interface LayerParam {
  /** Dotted path inside the layer (`window.up`, `scope.paths`). */
  name: string;
  type: string;
  description: string;
  default?: unknown;
  /** Compact-grammar forms that set this option, e.g. `throttle=5MB`. */
  compact?: string[];
}
export interface LayerInfo {
  name: string;
  description: string;
  /** Every compact form of the layer: bare (`trace`) and valued (`throttle=5MB`). */
  compact: string[];
  params: LayerParam[];
  /** Takes a scope (the observers, which see every request, refuse one). */
  scoped: boolean;
}

interface PropSchema {
  type?: string | string[];
  enum?: unknown[];
  title?: string;
  const?: unknown;
  description?: string;
  default?: unknown;
  oneOf?: unknown[];
  'x-unit'?: string;
  'x-compact'?: string[];
  properties?: Record<string, PropSchema>;
  items?: PropSchema;
  not?: unknown;
}

/** Options every layer takes (its instance name and scope): printed once, not per layer. */
export const COMMON_PARAMS = ['name', 'scope'];

const UNIT_TYPES: Readonly<Record<string, string>> = { bytes: 'size', ms: 'duration' };

function objectType(s: PropSchema): string {
  if (s.oneOf !== undefined && s.properties !== undefined) return '{fixed}|{min,max}|{median,p99}';
  return s.properties === undefined ? 'map' : `{${Object.keys(s.properties).join(',')}}`;
}

function typeName(s: PropSchema): string {
  const named = UNIT_TYPES[s['x-unit'] ?? ''] ?? s.title;
  if (named !== undefined) return named;
  if (s.enum !== undefined) return s.enum.map(String).join('|');
  if (s.type === 'array') return `${s.items === undefined ? 'value' : typeName(s.items)}[]`;
  if (s.type === 'object') return objectType(s);
  return Array.isArray(s.type) ? s.type.join('|') : (s.type ?? 'any');
}

function param(name: string, s: PropSchema): LayerParam {
  const p: LayerParam = { name, type: typeName(s), description: s.description ?? '' };
  if (s.default !== undefined) p.default = s.default;
  if (s['x-compact'] !== undefined) p.compact = s['x-compact'];
  return p;
}

/**
 * Each property, then (for an object of named options, not a delay whose keys are alternatives
 * shown in its type) each of its own options under a dotted name.
 */
export function flattenOptions(properties: Record<string, PropSchema>, prefix = ''): LayerParam[] {
  return Object.entries(properties).flatMap(([key, s]) => {
    const name = `${prefix}${key}`;
    const nested = s.properties !== undefined && s.oneOf === undefined;
    return [param(name, s), ...(nested ? flattenOptions(s.properties!, `${name}.`) : [])];
  });
}

export function listLayers(): LayerInfo[] {
  return Object.entries(layerSchemas).map(([name, raw]) => {
    const schema = raw as PropSchema;
    const scoped = schema.properties?.scope?.not === undefined;
    const params = flattenOptions(schema.properties ?? {}).filter(
      (p) => p.name !== 'type' && (scoped || p.name !== 'scope'),
    );
    const forms = [...(schema['x-compact'] ?? []), ...params.flatMap((p) => p.compact ?? [])];
    const description = schema.description ?? '';
    return { name, description, compact: [...new Set(forms)], params, scoped };
  });
}

/** The options of the stack itself (seed, decisionLog, replay): the file form's top level. */
export function listStackOptions(): LayerParam[] {
  const props = (stackConfigSchema as PropSchema).properties ?? {};
  const own = Object.fromEntries(
    Object.entries(props).filter(([k]) => !['apiVersion', 'kind', 'layers'].includes(k)),
  );
  return flattenOptions(own);
}
