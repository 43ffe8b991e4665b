import type { LayerType } from '../types.js';
import { delay, duration, errnoName, percent, size } from './common.js';
import { compact, layer } from './layer-base.js';
import { observabilitySchemas } from './observability.js';

/**
 * One JSON Schema per layer type. `description` and each property's `description`/`default` are
 * what `fs-interposer layers` prints (listLayers derives from here, not from a second table).
 */

const rateObject = (description: string, extra: object = {}): object => ({
  type: 'object',
  description,
  additionalProperties: false,
  required: ['rate'],
  properties: { rate: percent('share of eligible calls'), ...extra },
});

const weightMap = {
  type: 'object',
  propertyNames: errnoName,
  additionalProperties: { type: 'number', exclusiveMinimum: 0 },
};

const schemas = {
  ...observabilitySchemas,
  fault: layer('fault', 'errno injection, short reads/writes, dropped writes, corrupted bytes', {
    rate: percent('share of eligible calls that fail', { default: 0, ...compact('fault=EIO@1%') }),
    errnos: {
      type: 'array',
      items: errnoName,
      uniqueItems: true,
      minItems: 1,
      description: 'restrict to these errnos; each op only gets those realistic for it',
      ...compact('fault=EIO@1%', 'fault=EIO|ENOSPC@2%'),
    },
    weights: { ...weightMap, description: 'relative weight per errno, e.g. {EIO: 3, ENOSPC: 1}' },
    perOp: {
      type: 'object',
      description: 'per-op errno weights, replacing the realistic set of that op',
      additionalProperties: weightMap,
    },
    nth: {
      type: 'integer',
      minimum: 1,
      description: 'fail every nth eligible call instead of a rate',
    },
    after: {
      type: 'integer',
      minimum: 0,
      description: 'let the first N eligible calls pass',
      default: 0,
    },
    oneShot: { type: 'boolean', description: 'inject at most once', default: false },
    window: {
      type: 'object',
      description: 'dm-flakey duty cycle: up = healthy, down = faults active',
      additionalProperties: false,
      required: ['up', 'down'],
      properties: {
        up: duration('healthy interval'),
        down: duration('faulty interval'),
        offset: duration('start of the first interval relative to the layer start', { default: 0 }),
      },
    },
    shortIo: rateObject('short reads/writes: transfer a random prefix of the request'),
    dropWrites: rateObject('writes that report success but never reach the backend'),
    corrupt: rateObject('corrupt bytes of reads and writes', {
      fill: {
        type: 'string',
        enum: ['zero', 'random'],
        default: 'random',
        description: 'what corrupted bytes become',
      },
      maxBytes: size('largest corrupted run', { default: 512 }),
      maxCount: { type: 'integer', minimum: 1, description: 'total corruptions before stopping' },
    }),
  }),
  latency: layer('latency', 'delays per op class, cancellable by FUSE interrupt', {
    read: { ...delay('data reads'), ...compact('latency=10ms', 'latency=5ms..20ms') },
    write: { ...delay('data writes'), ...compact('latency=10ms', 'latency=5ms..20ms') },
    flush: delay('flush, fsync, fsyncdir'),
    metadata: delay('every other op'),
  }),
  throttle: layer('throttle', 'token-bucket bandwidth and IOPS limits', {
    bytesPerSecond: size('read+write bytes per second', compact('throttle=5MB', 'throttle=5Mi/s')),
    opsPerSecond: {
      type: 'number',
      exclusiveMinimum: 0,
      description: 'operations per second',
      ...compact('throttle=100iops'),
    },
    burstBytes: size('bucket size in bytes (default: one second of bytesPerSecond)'),
    burstOps: {
      type: 'number',
      minimum: 1,
      description: 'bucket size in ops (default: one second)',
    },
    per: {
      type: 'string',
      enum: ['volume', 'file'],
      default: 'volume',
      description: 'one bucket per volume or per file',
    },
    mode: {
      type: 'string',
      enum: ['block', 'fail'],
      default: 'block',
      description: 'block until tokens arrive, or fail fast with EAGAIN',
    },
  }),
  quota: layer('quota', 'byte and inode budgets, initialised from the backend usage', {
    maxBytes: size('byte budget', compact('quota=10GB', 'quota=10Gi')),
    maxInodes: { type: 'integer', minimum: 1, description: 'inode (file, dir, link) budget' },
    errno: {
      type: 'string',
      enum: ['ENOSPC', 'EDQUOT'],
      default: 'ENOSPC',
      description: 'error when over budget',
    },
  }),
  powerloss: layer(
    'powerloss',
    'LazyFS-style: un-fsynced writes can be dropped or torn on command',
    {
      maxBytes: size('limit of the undo data held for un-fsynced writes', {
        default: 64 * 2 ** 20,
      }),
    },
    compact('powerloss'),
  ),
  shuffle: layer('shuffle', 'readdir order randomisation and bounded attribute time jitter', {
    readdir: { type: 'boolean', default: true, description: 'shuffle readdir order' },
    mtimeJitter: duration('max +/- mtime jitter', { default: 0 }),
    atimeJitter: duration('max +/- atime jitter', { default: 0 }),
  }, compact('shuffle')),
} satisfies Readonly<Record<LayerType, object>>;

/** Every layer type has a schema (checked above against the LayerConfig union). */
export const layerSchemas: Readonly<Record<string, object>> = schemas;

export const LAYER_TYPES: readonly string[] = Object.keys(layerSchemas);
