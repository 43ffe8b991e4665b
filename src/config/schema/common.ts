import { constants as osConstants } from 'node:os';
import { OP_NAMES_AND_GROUPS } from '../ops.js';
import { SIZE_PATTERN } from '../quantity.js';
import { DURATION_PATTERN } from '../units.js';

/**
 * Building blocks of the schema. `x-unit` is our one custom keyword: the validator turns a unit
 * string into the base unit in place (see ../validate.ts); other JSON Schema consumers (Helm)
 * ignore it and still check the pattern.
 */

/** The unit hints every size, duration and percent description ends with (for editors, Helm). */
export const UNIT_HINTS = {
  size: ' (bytes, or a size like 5MB = 5M = 5*10^6, 5MiB = 5Mi = 5*2^20)',
  duration: ' (milliseconds, or a duration like 250us, 10ms, 2s)',
  percent: ' (percent, 0..100)',
} as const;

export const size = (description: string, extra: object = {}): object => ({
  type: ['integer', 'string'],
  minimum: 0,
  pattern: SIZE_PATTERN,
  'x-unit': 'bytes',
  description: `${description}${UNIT_HINTS.size}`,
  ...extra,
});

export const duration = (description: string, extra: object = {}): object => ({
  type: ['number', 'string'],
  minimum: 0,
  pattern: DURATION_PATTERN,
  'x-unit': 'ms',
  description: `${description}${UNIT_HINTS.duration}`,
  ...extra,
});

export const percent = (description: string, extra: object = {}): object => ({
  type: 'number',
  minimum: 0,
  maximum: 100,
  description: `${description}${UNIT_HINTS.percent}`,
  ...extra,
});

export const ERRNO_NAMES: readonly string[] = Object.keys(osConstants.errno);

export const errnoName = { type: 'string', title: 'errno', enum: ERRNO_NAMES };

export const opList = {
  type: 'array',
  items: { type: 'string', title: 'op', enum: OP_NAMES_AND_GROUPS },
  uniqueItems: true,
};

const idList = (what: string): object => ({
  type: 'array',
  items: { type: 'integer', minimum: 0 },
  description: `only calls from these ${what}s`,
});

export const scope = {
  type: 'object',
  description: 'which calls the layer acts on (every field narrows; absent = all)',
  additionalProperties: false,
  properties: {
    paths: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      description: 'picomatch globs on the volume-relative path, e.g. /db/**',
    },
    excludePaths: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      description: 'globs of paths the layer leaves alone, even when paths match',
    },
    ops: {
      ...opList,
      description: 'op names or groups (@data @sync @dir @file @namespace @metadata)',
    },
    percent: percent('share of matching calls the layer acts on'),
    pids: idList('pid'),
    uids: idList('uid'),
    gids: idList('gid'),
  },
};

/** One of: {fixed}, {min,max} (uniform), {median,p99} (lognormal). */
export const delay = (description: string): object => ({
  type: 'object',
  description: `${description}: {fixed} | {min,max} uniform | {median,p99} lognormal`,
  additionalProperties: false,
  properties: {
    fixed: duration('fixed delay'),
    min: duration('uniform lower bound'),
    max: duration('uniform upper bound'),
    median: duration('lognormal median'),
    p99: duration('lognormal 99th percentile'),
  },
  // additionalProperties inside each branch forbids mixing keys of two distributions.
  oneOf: [['fixed'], ['min', 'max'], ['median', 'p99']].map((keys) => ({
    required: keys,
    properties: Object.fromEntries(keys.map((k) => [k, true])),
    additionalProperties: false,
  })),
});

export const layerName = {
  type: 'string',
  pattern: '^[a-z0-9][a-z0-9-]{0,62}$',
  description: 'instance name for logs and decision logs (default: the type)',
};
