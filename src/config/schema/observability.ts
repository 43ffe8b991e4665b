import { FS_OPS } from '../ops.js';
import { duration, size } from './common.js';
import { compact, observer } from './layer-base.js';

/**
 * The observability layers' options (TraceConfig, MetricsConfig, RecordConfig in ../types.ts,
 * read by src/layers/*-factory.ts, which trust this check). Every option is listed, so a
 * misspelt one is an error naming the accepted ones rather than silently ignored.
 */

const opNames = (description: string): object => ({
  type: 'array',
  items: { type: 'string', title: 'op', enum: [...FS_OPS] },
  uniqueItems: true,
  description: `${description}; op names as in scope.ops, no @groups`,
});

const volume = {
  type: 'string',
  minLength: 1,
  description: "the volume label of spans and records (default: the host's volume name)",
};

const rollover = (what: string, ms: number, ops: number): object => ({
  type: 'object',
  additionalProperties: false,
  description: `cut the ${what} span into linked segments`,
  properties: {
    maxDurationMs: duration('after this long', { default: ms, exclusiveMinimum: 0 }),
    maxOps: {
      type: 'integer',
      minimum: 1,
      default: ops,
      description: 'after this many child spans',
    },
  },
});

export const observabilitySchemas = {
  trace: observer(
    'trace',
    'OpenTelemetry spans per open file and per op, exported over OTLP',
    {
      sampleRatio: {
        type: 'number',
        minimum: 0,
        maximum: 1,
        description: 'share of files traced (else OTEL_TRACES_SAMPLER/_ARG)',
        default: 1,
      },
      paths: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description: 'only files matching these picomatch globs (volume-relative, e.g. /db/**)',
      },
      ops: opNames(
        'ops that get a child span; file spans are kept regardless (default: all but forget)',
      ),
      fileRollover: rollover('open-file', 300_000, 10_000),
      volumeRollover: rollover("volume's metadata", 60_000, 1_000),
      protocol: {
        type: 'string',
        enum: ['http/protobuf', 'grpc'],
        description:
          'OTLP protocol (else OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL, else http/protobuf)',
      },
      endpoint: {
        type: 'string',
        minLength: 1,
        description: 'OTLP traces URL (else OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT)',
      },
      serviceName: {
        type: 'string',
        minLength: 1,
        description: 'service.name (OTEL_SERVICE_NAME wins)',
      },
      volume,
    },
    compact('trace'),
    '; choose what it traces with its paths and ops options',
  ),
  metrics: observer(
    'metrics',
    'Prometheus metrics of ops, bytes, latency and errors',
    { volume },
    compact('metrics'),
    '',
  ),
  record: observer(
    'record',
    'operation log (JSON lines) for `fs-interposer report`',
    {
      path: {
        type: 'string',
        minLength: 1,
        description: 'where the log is written: a new file (0600), outside the mount',
        ...compact('record=PATH'),
      },
      maxBytes: size('rotate the live file at this size', { default: 64 * 2 ** 20, minimum: 1 }),
      maxFiles: {
        type: 'integer',
        minimum: 0,
        default: 4,
        description: 'rotated files kept (run.jsonl.1 newest .. run.jsonl.N)',
      },
      append: {
        type: 'boolean',
        default: false,
        description: 'add to an existing file of ours at path instead of refusing it',
      },
      ops: opNames('ops recorded (default: all but forget)'),
      flushIntervalMs: duration('buffered lines reach the file at least this often', {
        default: 1000,
      }),
      volume,
    },
    compact('record', 'record=PATH'),
    '; choose what it records with its ops option',
  ),
};
