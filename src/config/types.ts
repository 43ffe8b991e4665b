/**
 * The validated, normalised configuration (the shape of `stackConfigSchema` after unit strings
 * became numbers: sizes in bytes, durations in milliseconds, rates in percent 0..100).
 * Everything here is deeply frozen once parsed.
 */

import type { FsOp } from '../vfs/types.js';

export const API_VERSION = 'fs-interposer/v1';
export const KIND = 'LayerStack';

/** Which calls a layer acts on; every field narrows, absent fields match everything. */
export interface ScopeConfig {
  readonly paths?: readonly string[];
  readonly excludePaths?: readonly string[];
  /** Op names or `@group`s (see OP_GROUPS). */
  readonly ops?: readonly string[];
  /** Percent (0..100) of the matching calls, drawn from the seeded generator. */
  readonly percent?: number;
  readonly pids?: readonly number[];
  readonly uids?: readonly number[];
  readonly gids?: readonly number[];
}

interface ObserverBase {
  /** Instance name for logs, metrics and decision logs; defaults to `type`. */
  readonly name?: string;
}

/** The layers that act on requests take a scope; the observers (trace, metrics, record) do not. */
interface LayerBase extends ObserverBase {
  readonly scope?: ScopeConfig;
}

/** A delay distribution in milliseconds. */
export type DelayConfig =
  | { readonly fixed: number }
  | { readonly min: number; readonly max: number }
  | { readonly median: number; readonly p99: number };

export interface FaultConfig extends LayerBase {
  readonly type: 'fault';
  readonly rate?: number;
  readonly errnos?: readonly string[];
  readonly weights?: Readonly<Record<string, number>>;
  readonly perOp?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly nth?: number;
  readonly after?: number;
  readonly oneShot?: boolean;
  readonly window?: { readonly up: number; readonly down: number; readonly offset?: number };
  readonly shortIo?: { readonly rate: number };
  readonly dropWrites?: { readonly rate: number };
  readonly corrupt?: {
    readonly rate: number;
    readonly fill?: 'zero' | 'random';
    readonly maxBytes?: number;
    readonly maxCount?: number;
  };
}

export interface LatencyConfig extends LayerBase {
  readonly type: 'latency';
  readonly read?: DelayConfig;
  readonly write?: DelayConfig;
  readonly flush?: DelayConfig;
  readonly metadata?: DelayConfig;
}

export interface ThrottleConfig extends LayerBase {
  readonly type: 'throttle';
  readonly bytesPerSecond?: number;
  readonly opsPerSecond?: number;
  readonly burstBytes?: number;
  readonly burstOps?: number;
  readonly per?: 'volume' | 'file';
  readonly mode?: 'block' | 'fail';
}

export interface QuotaConfig extends LayerBase {
  readonly type: 'quota';
  readonly maxBytes?: number;
  readonly maxInodes?: number;
  readonly errno?: 'ENOSPC' | 'EDQUOT';
}

export interface PowerlossConfig extends LayerBase {
  readonly type: 'powerloss';
  readonly maxBytes?: number;
}

export interface ShuffleConfig extends LayerBase {
  readonly type: 'shuffle';
  readonly readdir?: boolean;
  readonly mtimeJitter?: number;
  readonly atimeJitter?: number;
}

/** Where a long-lived parent span (an open file, a volume's metadata ops) is cut. */
export interface RolloverConfig {
  readonly maxDurationMs?: number;
  readonly maxOps?: number;
}

export interface TraceConfig extends ObserverBase {
  readonly type: 'trace';
  /** The `fs.volume` attribute; default: the host's volume name. */
  readonly volume?: string;
  /** Share (0..1) of open-file sessions and metadata ops traced. */
  readonly sampleRatio?: number;
  /** Globs over volume-relative paths. */
  readonly paths?: readonly string[];
  /** Ops that get a child span. */
  readonly ops?: readonly FsOp[];
  readonly fileRollover?: RolloverConfig;
  readonly volumeRollover?: RolloverConfig;
  /** OTLP export, used only when the host gives no TracerProvider. */
  readonly protocol?: 'http/protobuf' | 'grpc';
  readonly endpoint?: string;
  readonly serviceName?: string;
}

export interface MetricsConfig extends ObserverBase {
  readonly type: 'metrics';
  readonly volume?: string;
}

export interface RecordConfig extends ObserverBase {
  readonly type: 'record';
  /** Required when the stack is built (the compact `record` leaves it to the host). */
  readonly path?: string;
  readonly maxBytes?: number;
  /** Add to an existing file of ours instead of refusing it. */
  readonly append?: boolean;
  readonly maxFiles?: number;
  readonly ops?: readonly FsOp[];
  readonly flushIntervalMs?: number;
  readonly volume?: string;
}

export type LayerConfig =
  | TraceConfig
  | MetricsConfig
  | RecordConfig
  | FaultConfig
  | LatencyConfig
  | ThrottleConfig
  | QuotaConfig
  | PowerlossConfig
  | ShuffleConfig;

export type LayerType = LayerConfig['type'];

export interface DecisionLogConfig {
  /** JSON-lines file; absent: decisions are kept in memory only (bounded). */
  readonly path?: string;
  /** Add to an existing file of ours instead of refusing it. */
  readonly append?: boolean;
  readonly maxBytes?: number;
  readonly maxEntries?: number;
  readonly maxKeys?: number;
}

export interface StackConfig {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: typeof KIND;
  /** Outermost first. */
  readonly layers: readonly LayerConfig[];
  /** Seed of every random decision; absent: a random seed, logged so that a run can be repeated. */
  readonly seed?: number;
  readonly decisionLog?: DecisionLogConfig;
  /** Re-apply the decisions of a previous run's log instead of drawing new ones. */
  readonly replay?: { readonly path: string };
}
