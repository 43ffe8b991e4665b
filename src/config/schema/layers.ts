import { delay, duration, errnoName, layerName, percent, scope, size } from './common.js';

/**
 * One JSON Schema per layer type. `description` and each property's `description`/`default` are
 * what `fs-interposer layers` prints (listLayers derives from here, not from a second table).
 */

const base = (type: string): object => ({
  type: { const: type },
  name: layerName,
  scope,
});

const layer = (type: string, description: string, properties: object, open = false): object => ({
  type: 'object',
  description,
  required: ['type'],
  additionalProperties: open,
  properties: { ...base(type), ...properties },
});

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

export const layerSchemas: Readonly<Record<string, object>> = {
  trace: layer(
    'trace',
    'OpenTelemetry spans per open file and per op (options owned by the telemetry component)',
    {
      sampleRatio: {
        type: 'number',
        minimum: 0,
        maximum: 1,
        description: 'share of files traced',
        default: 1,
      },
    },
    true,
  ),
  metrics: layer('metrics', 'Prometheus metrics of ops, bytes, latency and errors', {}, true),
  record: layer(
    'record',
    'operation log (JSON lines) for `fs-interposer report`',
    {
      path: {
        type: 'string',
        minLength: 1,
        description: 'where the log is written: a new file (0600), outside the mount',
      },
      maxBytes: size('log size limit', { default: 64 * 2 ** 20 }),
      append: {
        type: 'boolean',
        default: false,
        description: 'add to an existing file of ours at path instead of refusing it',
      },
    },
    true,
  ),
  fault: layer('fault', 'errno injection, short reads/writes, dropped writes, corrupted bytes', {
    rate: percent('share of eligible calls that fail', { default: 0 }),
    errnos: {
      type: 'array',
      items: errnoName,
      uniqueItems: true,
      minItems: 1,
      description: 'restrict to these errnos; each op only gets those realistic for it',
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
      fill: { type: 'string', enum: ['zero', 'random'], default: 'random' },
      maxBytes: size('largest corrupted run', { default: 512 }),
      maxCount: { type: 'integer', minimum: 1, description: 'total corruptions before stopping' },
    }),
  }),
  latency: layer('latency', 'delays per op class, cancellable by FUSE interrupt', {
    read: delay('data reads'),
    write: delay('data writes'),
    flush: delay('flush, fsync, fsyncdir'),
    metadata: delay('every other op'),
  }),
  throttle: layer('throttle', 'token-bucket bandwidth and IOPS limits', {
    bytesPerSecond: size('read+write bytes per second'),
    opsPerSecond: { type: 'number', exclusiveMinimum: 0, description: 'operations per second' },
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
    maxBytes: size('byte budget'),
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
  ),
  shuffle: layer('shuffle', 'readdir order randomisation and bounded attribute time jitter', {
    readdir: { type: 'boolean', default: true, description: 'shuffle readdir order' },
    mtimeJitter: duration('max +/- mtime jitter', { default: 0 }),
    atimeJitter: duration('max +/- atime jitter', { default: 0 }),
  }),
};

export const LAYER_TYPES: readonly string[] = Object.keys(layerSchemas);
