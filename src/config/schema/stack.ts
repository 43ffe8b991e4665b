import { MAX_LAYERS } from '../limits.js';
import { API_VERSION, KIND } from '../types.js';
import { size } from './common.js';
import { LAYER_TYPES, layerSchemas } from './layers.js';

/**
 * The layer configuration's JSON Schema (draft 2020-12): the source of truth for the file form,
 * the compact annotation grammar (parsed into this shape) and the Helm values schema.
 * A layer is a tagged union on `type`; `if/then` per type (rather than `oneOf`) keeps the errors
 * about the one branch the user meant.
 */
export const stackConfigSchema: object = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://fs-interposer.dev/schemas/v1/layer-stack.json',
  title: 'fs-interposer layer stack',
  type: 'object',
  required: ['apiVersion', 'kind', 'layers'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: API_VERSION },
    kind: { const: KIND },
    seed: {
      type: 'integer',
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'seed of every random decision (absent: random, and logged)',
    },
    decisionLog: {
      type: 'object',
      additionalProperties: false,
      description: 'JSON-lines log of every injected decision (time, op, path, layer, decision)',
      properties: {
        path: { type: 'string', minLength: 1, description: 'a new file (0600), outside the mount' },
        append: {
          type: 'boolean',
          default: false,
          description: 'add to an existing file of ours at path instead of refusing it',
        },
        maxBytes: size('file size limit', { default: 64 * 2 ** 20 }),
        maxEntries: {
          type: 'integer',
          minimum: 1,
          default: 100000,
          description: 'entries kept in memory',
        },
        maxKeys: {
          type: 'integer',
          minimum: 1,
          default: 1000000,
          description: 'distinct (layer, op, path) counters; past it new files are not logged',
        },
      },
    },
    replay: {
      type: 'object',
      additionalProperties: false,
      required: ['path'],
      description: 're-apply the decisions of a decision log instead of drawing new ones',
      properties: {
        path: { type: 'string', minLength: 1, description: 'the decision log (decisionLog.path) of the run to repeat' },
      },
    },
    layers: {
      type: 'array',
      maxItems: MAX_LAYERS,
      description: `outermost first; at most ${MAX_LAYERS}`,
      items: { $ref: '#/$defs/layer' },
    },
  },
  $defs: {
    layer: {
      type: 'object',
      required: ['type'],
      properties: { type: { enum: LAYER_TYPES } },
      allOf: LAYER_TYPES.map((t) => ({
        if: { properties: { type: { const: t } }, required: ['type'] },
        then: { $ref: `#/$defs/${t}` },
      })),
    },
    ...layerSchemas,
  },
};
