/**
 * What a layer configuration may say when it runs in a Pod's sidecar rather than on a local
 * mount, and what it gets by default there. The webhook applies the rules at admission (its
 * parser is wrapped with `inPodParser`), the sidecar again for ConfigMap files, which the webhook
 * never sees and which may change at any time.
 * - `scope.pids` is refused: the caller pid of a FUSE request is the one the mounting process's
 *   pid namespace sees, and the CSI driver mounts, so app processes all arrive as pid 0
 *   (docs/adr/0043-caller-pid-namespace.md). uids and gids are real in every namespace.
 * - Files a layer writes (record, decision log) must be in the sidecar's writable space, the
 *   handoff emptyDir: its root filesystem is read-only, so any other path fails to open.
 */
import { isAbsolute, normalize } from 'node:path';
import type { ConfigError, ParseResult } from '../config/index.js';
import type { LayerConfig, StackConfig } from '../config/index.js';

export interface PodConfigContext {
  /** Where record files live, as the sidecar sees it: `<handoff mount>/record`. */
  recordDir: string;
}

/** The record layer's defaults in a Pod: small, because the emptyDir is the Pod's own disk. */
export const POD_RECORD_DEFAULTS = { maxBytes: 16 * 2 ** 20, maxFiles: 2 } as const;

const layerName = (l: LayerConfig, i: number): string => `layers[${i}] (${l.name ?? l.type})`;

function inDir(path: unknown, dir: string): boolean {
  if (typeof path !== 'string' || !isAbsolute(path)) return false;
  const p = normalize(path);
  return p === path && p.startsWith(`${dir}/`) && !p.slice(dir.length + 1).includes('/');
}

function checkLayer(l: LayerConfig, i: number, ctx: PodConfigContext): ConfigError[] {
  const errors: ConfigError[] = [];
  if ('scope' in l && l.scope?.pids !== undefined) {
    errors.push({
      message: `${layerName(l, i)}: scope.pids never matches in a Pod: the FUSE requests carry the pid as the CSI driver's pid namespace sees it (0 for the app's processes; docs/adr/0043-caller-pid-namespace.md)`,
      accepted: ['scope.uids', 'scope.gids'],
    });
  }
  if (l.type === 'record' && l.path !== undefined && !inDir(l.path, ctx.recordDir)) {
    errors.push({
      message: `${layerName(l, i)}: record path ${JSON.stringify(l.path)} is not writable in the sidecar (its root filesystem is read-only)`,
      accepted: [`record (writes ${ctx.recordDir}/<volume>.jsonl)`, `record=${ctx.recordDir}/<name>.jsonl`],
    });
  }
  return errors;
}

/** Every reason this configuration cannot run in a Pod; empty when it can. */
export function checkPodConfig(config: StackConfig, ctx: PodConfigContext): ConfigError[] {
  const errors = config.layers.flatMap((l, i) => checkLayer(l, i, ctx));
  const log = config.decisionLog?.path;
  if (log !== undefined && !inDir(log, ctx.recordDir)) {
    errors.push({
      message: `decisionLog.path ${JSON.stringify(log)} is not writable in the sidecar (its root filesystem is read-only)`,
      accepted: [`${ctx.recordDir}/<name>.jsonl`, 'no path (decisions kept in memory)'],
    });
  }
  return errors;
}

/** A record layer without a path writes `<recordDir>/<volume>.jsonl`, size-limited. */
export function withPodDefaults(config: StackConfig, volume: string, ctx: PodConfigContext): StackConfig {
  if (!config.layers.some((l) => l.type === 'record')) return config;
  const layers = config.layers.map((l): LayerConfig => {
    if (l.type !== 'record') return l;
    return {
      ...POD_RECORD_DEFAULTS,
      ...l,
      path: l.path ?? `${ctx.recordDir}/${volume}.jsonl`,
    };
  });
  return { ...config, layers };
}

/** Parse, then apply the Pod rules: the shape of `parseLayerSpec`, for the webhook. */
export function inPodParser(
  parse: (spec: string) => ParseResult<StackConfig>,
  ctx: PodConfigContext,
): (spec: string) => ParseResult<StackConfig> {
  return (spec) => {
    const r = parse(spec);
    if (!r.ok) return r;
    const errors = checkPodConfig(r.value, ctx);
    return errors.length > 0 ? { ok: false, errors } : r;
  };
}
