import type { Logger } from 'pino';
import { parseConfigFile, parseLayerSpec } from '../../config/index.js';
import type { ConfigError, StackConfig } from '../../config/index.js';
import type { Backend } from '../../vfs/types.js';
import { buildStack } from './build-stack.js';
import type { BuildDeps, BuiltStack } from './build-stack.js';
import { createDecisionLog } from './decision-log.js';
import type { DecisionLog } from './decision-log.js';
import { loadLayerFactories } from './registry.js';
import type { LayerFactories } from './registry.js';
import type { PowerlossReport } from '../powerloss/powerloss.js';
import type { UnsyncedFile } from '../powerloss/powerloss-journal.js';
import { createStackHolder } from './stack-holder.js';
import type { StackHolder } from './stack-holder.js';

/**
 * What the `ctl` socket and the config-file watcher need (served by the CLI and the sidecar):
 * validate a new config, build it, swap it in; an invalid config is rejected with every error
 * and the running stack stays. The seed and an open decision log carry over across swaps, so a
 * run keeps one reproducible history.
 */
export interface StackStatus {
  layers: string[];
  seed: number;
  killed: boolean;
  replaying: boolean;
  needsData: boolean;
  inFlight: number;
  unsynced: UnsyncedFile[];
  decisions?: { written: number; dropped: number };
  /** Files the record layers of the current stack write (what `kubectl fs-interposer record` fetches). */
  records: string[];
}

export type ApplyResult = { ok: true; status: StackStatus } | { ok: false; errors: ConfigError[] };

export interface StackController {
  readonly holder: StackHolder;
  setLayers(spec: string): Promise<ApplyResult>;
  setConfigFile(text: string, fileName?: string): Promise<ApplyResult>;
  apply(config: StackConfig): Promise<ApplyResult>;
  kill(): Promise<void>;
  status(): StackStatus;
  powerlossDrop(): Promise<PowerlossReport[]>;
  powerlossTear(): Promise<PowerlossReport[]>;
}

export interface StackControllerOptions {
  backend: Backend;
  initial: StackConfig;
  /**
   * `factories` must hold those of the initial config's layers; a new config's are loaded when
   * it is applied (given factories win: tests replace layers with doubles).
   */
  deps?: BuildDeps;
  logger?: Logger;
  /** Shared memory the reader threads count served READ/WRITE into (ADR 0076). */
  readerTap?: SharedArrayBuffer;
}

export function createStackController(options: StackControllerOptions): StackController {
  const { backend, logger } = options;
  const logs = new Map<string, DecisionLog>();
  let seed: number | undefined = options.deps?.seed;
  /** One log per path for the controller's lifetime: a swap must not truncate the history. */
  const logFor = (config: StackConfig): DecisionLog | undefined => {
    const path = config.decisionLog?.path;
    if (options.deps?.decisionLog !== undefined) return options.deps.decisionLog;
    if (path === undefined || config.replay !== undefined) return undefined;
    let log = logs.get(path);
    if (log === undefined) {
      log = createDecisionLog({ ...config.decisionLog, ...(logger && { logger }) });
      logs.set(path, log);
    }
    return log;
  };
  const build = (config: StackConfig, factories?: LayerFactories): BuiltStack => {
    const log = logFor(config);
    const built = buildStack(config, backend, {
      ...options.deps,
      ...(factories && { factories: { ...factories, ...options.deps?.factories } }),
      ...(seed !== undefined && { seed }),
      ...(log && { decisionLog: log }),
    });
    seed ??= built.seed;
    return built;
  };
  let built = build(options.initial);
  let config = options.initial;
  const holder = createStackHolder(built, {
    ...(logger && { logger }),
    ...(options.readerTap && { readerTap: options.readerTap }),
  });

  const status = (): StackStatus => {
    const log = built.decisionLog;
    return {
      layers: holder.killed ? [] : [...built.configured],
      seed: built.seed,
      killed: holder.killed,
      replaying: built.replaying,
      needsData: holder.current().needsData,
      inFlight: holder.inFlight(),
      unsynced: holder.killed ? [] : built.powerloss.flatMap((p) => p.unsynced()),
      ...(log && { decisions: { written: log.written, dropped: log.dropped } }),
      records: holder.killed
        ? []
        : config.layers.flatMap((l) => (l.type === 'record' && typeof l.path === 'string' ? [l.path] : [])),
    };
  };
  // Loads finish in call order, so configs applied at once are swapped in the order given.
  let loading: Promise<unknown> = Promise.resolve();
  const load = (next: StackConfig): Promise<LayerFactories> => {
    const loaded = loading.then(() => loadLayerFactories(next));
    loading = loaded.catch(() => undefined);
    return loaded;
  };
  const apply = async (nextConfig: StackConfig): Promise<ApplyResult> => {
    let next: BuiltStack;
    try {
      next = build(nextConfig, await load(nextConfig));
    } catch (err) {
      return { ok: false, errors: [{ message: (err as Error).message }] };
    }
    built = next;
    config = nextConfig;
    await holder.swap(next);
    return { ok: true, status: status() };
  };
  const fromParse = (r: ReturnType<typeof parseLayerSpec>): Promise<ApplyResult> =>
    r.ok
      ? apply({ ...r.value, ...(seed !== undefined && r.value.seed === undefined && { seed }) })
      : Promise.resolve(r);
  const everyPowerloss = (fn: 'drop' | 'tear'): Promise<PowerlossReport[]> =>
    holder.killed ? Promise.resolve([]) : Promise.all(built.powerloss.map((p) => p[fn]()));

  return {
    holder,
    apply,
    status,
    setLayers: (spec) => fromParse(parseLayerSpec(spec)),
    setConfigFile: (text, fileName) => fromParse(parseConfigFile(text, fileName)),
    kill: () => holder.kill(),
    powerlossDrop: () => everyPowerloss('drop'),
    powerlossTear: () => everyPowerloss('tear'),
  };
}
