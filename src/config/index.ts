/** The configuration API other components build on (CLI, webhook, sidecar, Helm schema). */
export type { ConfigError, ParseResult } from './result.js';
export { parseLayerSpec } from './compact.js';
export { continueFiles } from './continue-files.js';
export { parseConfigFile } from './file.js';
export { MAX_CONFIG_BYTES, MAX_LAYERS, MAX_SPEC_BYTES, MAX_YAML_ALIAS_COUNT } from './limits.js';
export { stackConfigSchema } from './schema/stack.js';
export { UNIT_HINTS } from './schema/common.js';
export { COMMON_PARAMS, listLayers, listStackOptions } from './list-layers.js';
export type { LayerInfo, LayerParam } from './list-layers.js';
export { API_VERSION, KIND } from './types.js';
export type {
  DecisionLogConfig,
  DelayConfig,
  FaultConfig,
  LatencyConfig,
  LayerConfig,
  LayerType,
  MetricsConfig,
  PowerlossConfig,
  QuotaConfig,
  RecordConfig,
  ScopeConfig,
  ShuffleConfig,
  StackConfig,
  ThrottleConfig,
  TraceConfig,
} from './types.js';
export { FS_OPS, OP_GROUPS, expandOps } from './ops.js';
export { parseDuration, parseSize } from './units.js';
