import type { Logger } from 'pino';
import type { LayerConfig, StackConfig } from '../../config/types.js';
import { createStack } from '../../vfs/stack.js';
import type { Stack } from '../../vfs/stack.js';
import type { Backend } from '../../vfs/types.js';
import { systemClock } from '../../vfs/clock.js';
import type { Clock } from '../../vfs/clock.js';
import { createDecisionLog } from './decision-log.js';
import type { DecisionLog } from './decision-log.js';
import { createDecisions, loadReplayFile } from './decisions.js';
import type { ReplayIndex } from './decisions.js';
import type { HostDeps } from './deps.js';
import type { PowerlossLayer } from '../powerloss/powerloss.js';
import { isPassThrough } from './pass-through.js';
import { createRandom, randomSeed } from './random.js';
import { builtinFactories, createLayer } from './registry.js';
import type { LayerFactories } from './registry.js';

export interface BuildDeps extends Partial<HostDeps> {
  clock?: Clock;
  /** Used when the config has no seed; absent too: a random seed, logged. */
  seed?: number;
  logger?: Logger;
  /**
   * The factories to build with (loadLayerFactories); default: the built-in ones, without
   * trace, metrics and record, whose modules are imported only on demand.
   */
  factories?: LayerFactories;
  /** Overrides config.decisionLog (e.g. one log shared across stack swaps). */
  decisionLog?: DecisionLog;
  /** Overrides config.replay. */
  replay?: ReplayIndex;
}

export interface BuiltStack extends Stack {
  readonly seed: number;
  readonly decisionLog?: DecisionLog;
  readonly replaying: boolean;
  /** Handles of the powerloss layers (ctl `powerloss drop`). */
  readonly powerloss: readonly PowerlossLayer[];
  /** Every configured layer by instance name, including inactive ones left out of `layers`. */
  readonly configured: readonly string[];
}

export class StackBuildError extends Error {
  readonly code = 'ESTACKBUILD';
  constructor(message: string) {
    super(message);
    this.name = 'StackBuildError';
  }
}

/** Instance names, made unique (`fault`, `fault.2`): they key random streams and decisions. */
function instanceNames(layers: readonly LayerConfig[]): string[] {
  const seen = new Map<string, number>();
  return layers.map((l) => {
    const base = l.name ?? l.type;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}.${n}`;
  });
}

function replayFor(config: StackConfig, deps: BuildDeps): ReplayIndex | undefined {
  if (deps.replay !== undefined) return deps.replay;
  return config.replay === undefined ? undefined : loadReplayFile(config.replay.path);
}

/** A replay logs nothing; an explicit deps log (kept across swaps) wins over the config's. */
function logFor(
  config: StackConfig,
  deps: BuildDeps,
  logger: Logger | undefined,
): DecisionLog | undefined {
  if (deps.decisionLog !== undefined) return deps.decisionLog;
  if (config.decisionLog === undefined) return undefined;
  return createDecisionLog({ ...config.decisionLog, ...(logger && { logger }) });
}

function decisionsFor(
  config: StackConfig,
  deps: BuildDeps,
  clock: Clock,
  logger: Logger | undefined,
) {
  const replay = replayFor(config, deps);
  const log = replay === undefined ? logFor(config, deps, logger) : undefined;
  const maxKeys = config.decisionLog?.maxKeys;
  const decisions = createDecisions({
    clock,
    ...(log && { log }),
    ...(replay && { replay }),
    ...(logger && { logger }),
    ...(maxKeys !== undefined && { maxKeys }),
  });
  return { replay, log, decisions };
}

function checkFactories(config: StackConfig, factories: LayerFactories): void {
  const missing = config.layers.filter((l) => factories[l.type] === undefined).map((l) => l.type);
  if (missing.length > 0) {
    throw new StackBuildError(
      `layer type(s) not loaded (loadLayerFactories): ${[...new Set(missing)].join(', ')}`,
    );
  }
}

export function buildStack(
  config: StackConfig,
  backend: Backend,
  deps: BuildDeps = {},
): BuiltStack {
  const factories = deps.factories ?? builtinFactories();
  checkFactories(config, factories);
  const clock = deps.clock ?? systemClock;
  const seed = config.seed ?? deps.seed ?? randomSeed();
  const logger = deps.logger?.child({ component: 'layers' });
  const { replay, log, decisions } = decisionsFor(config, deps, clock, logger);
  const root = createRandom(seed);
  const names = instanceNames(config.layers);
  // The reader gate has one throttle bucket: only a stack's first throttle may take it.
  const firstThrottle = config.layers.findIndex((l) => l.type === 'throttle');
  const layers = config.layers.map((cfg, i) => {
    const name = names[i]!;
    return createLayer(factories, cfg, {
      name,
      clock,
      random: root.fork(name),
      decisions: decisions.forLayer(name),
      backend,
      volume: deps.volume ?? 'default',
      metrics: deps.metrics,
      tracerProvider: deps.tracerProvider,
      readerTap: cfg.type !== 'throttle' || i === firstThrottle ? deps.readerTap : undefined,
      ...(logger && { logger: logger.child({ layer: name }) }),
    })!;
  });
  logger?.info({ seed, layers: names, replaying: replay !== undefined }, 'layer stack built');
  const stack = createStack(
    layers.filter((l) => !isPassThrough(l)),
    backend,
  );
  const powerloss = layers.filter((l): l is PowerlossLayer => 'drop' in l && 'unsynced' in l);
  return Object.assign(stack, {
    seed,
    configured: names,
    replaying: replay !== undefined,
    powerloss,
    ...(log && { decisionLog: log }),
  });
}
