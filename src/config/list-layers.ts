import { layerSchemas } from './schema/layers.js';

/** What `fs-interposer layers` prints, derived from the schema (no second hand-written table). */
export interface LayerParam {
  name: string;
  type: string;
  description: string;
  default?: unknown;
}
export interface LayerInfo {
  name: string;
  description: string;
  params: LayerParam[];
}

interface PropSchema {
  type?: string | string[];
  enum?: unknown[];
  title?: string;
  const?: unknown;
  description?: string;
  default?: unknown;
  'x-unit'?: string;
  properties?: Record<string, PropSchema>;
  items?: PropSchema;
}

const UNIT_TYPES: Readonly<Record<string, string>> = { bytes: 'size', ms: 'duration' };

function objectType(s: PropSchema): string {
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

export function listLayers(): LayerInfo[] {
  return Object.entries(layerSchemas).map(([name, raw]) => {
    const schema = raw as PropSchema;
    const params = Object.entries(schema.properties ?? {})
      .filter(([p]) => p !== 'type')
      .map(([p, s]) => {
        const param: LayerParam = { name: p, type: typeName(s), description: s.description ?? '' };
        if (s.default !== undefined) param.default = s.default;
        return param;
      });
    return { name, description: schema.description ?? '', params };
  });
}
