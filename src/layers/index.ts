/**
 * The layers (one folder each) and the stack machinery (stack/). Every layer type is in one
 * registry (stack/registry.ts); the observe-only ones (trace, metrics, record) are imported when
 * a configuration names them.
 */
export { buildStack, StackBuildError } from './stack/build-stack.js';
export type { BuildDeps, BuiltStack } from './stack/build-stack.js';
export { builtinFactories, loadLayerFactories } from './stack/registry.js';
export type { LayerConfigOf, LayerFactories, LayerFactory } from './stack/registry.js';
export { createStackHolder } from './stack/stack-holder.js';
export type { StackHolder, StackHolderOptions } from './stack/stack-holder.js';
export { createStackController } from './stack/controller.js';
export type {
  ApplyResult,
  StackController,
  StackControllerOptions,
  StackStatus,
} from './stack/controller.js';
export { createRandom, randomSeed } from './stack/random.js';
export type { Random } from './stack/random.js';
export { createScope } from './stack/scope.js';
export type { Scope } from './stack/scope.js';
export { createDecisionLog } from './stack/decision-log.js';
export type { Decision, DecisionLog, DecisionLogOptions } from './stack/decision-log.js';
export { createDecisions, loadReplay, loadReplayFile } from './stack/decisions.js';
export type { Decisions, LayerDecisions, ReplayIndex } from './stack/decisions.js';
export { metricsHostOf } from './stack/deps.js';
export type { HostDeps, LayerDeps, MetricsHost } from './stack/deps.js';
export type { PowerlossLayer, PowerlossReport } from './powerloss/powerloss.js';
export type { UnsyncedFile } from './powerloss/powerloss-journal.js';
