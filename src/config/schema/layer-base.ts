import { layerName, scope } from './common.js';

/**
 * What every layer schema shares. `x-compact` (our annotation keyword, ignored by validators)
 * lists the compact-grammar forms that set a layer or one of its options: `fs-interposer layers`
 * prints them next to the option, and a test parses each one, so they cannot drift from
 * compact.ts.
 */
export const compact = (...forms: string[]): { 'x-compact': string[] } => ({ 'x-compact': forms });

const base = (type: string): object => ({
  type: { const: type },
  name: layerName,
  scope,
});

export const layer = (
  type: string,
  description: string,
  properties: object,
  extra: object = {},
): object => ({
  type: 'object',
  description,
  required: ['type'],
  additionalProperties: false,
  properties: { ...base(type), ...properties },
  ...extra,
});

/**
 * An observe-only layer (trace, metrics, record): it sees every request, so `scope` is refused
 * with why and what to use instead, rather than accepted and ignored.
 */
export const observer = (
  type: string,
  description: string,
  properties: object,
  extra: object,
  instead: string,
): object => {
  const schema = layer(type, description, properties, extra) as { properties: object };
  return {
    ...schema,
    properties: {
      ...schema.properties,
      scope: { not: {}, description: `scope is not accepted by ${type}: it observes every request${instead}` },
    },
  };
};
