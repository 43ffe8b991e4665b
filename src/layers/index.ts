/**
 * The layers and the stack machinery. Every layer type is in one registry (registry.ts); the
 * observe-only ones (trace, metrics, record) are imported when a configuration names them.
 */
export { buildStack, StackBuildError } from './build-stack.js';
export type { BuildDeps, BuiltStack } from './build-stack.js';
export { builtinFactories, loadLayerFactories } from './registry.js';
export type { LayerConfigOf, LayerFactories, LayerFactory } from './registry.js';
export { createStackHolder } from './stack-holder.js';
export type { StackHolder, StackHolderOptions } from './stack-holder.js';
export { createStackController } from './controller.js';
export type {
  ApplyResult,
  StackController,
  StackControllerOptions,
  StackStatus,
} from './controller.js';
export { createRandom, randomSeed } from './random.js';
export type { Random } from './random.js';
export { createScope } from './scope.js';
export type { Scope } from './scope.js';
export { createDecisionLog } from './decision-log.js';
export type { Decision, DecisionLog, DecisionLogOptions } from './decision-log.js';
export { createDecisions, loadReplay, loadReplayFile } from './decisions.js';
export type { Decisions, LayerDecisions, ReplayIndex } from './decisions.js';
export { metricsHostOf } from './deps.js';
export type { HostDeps, LayerDeps, MetricsHost } from './deps.js';
export type { PowerlossLayer, PowerlossReport } from './powerloss.js';
export type { UnsyncedFile } from './powerloss-journal.js';
