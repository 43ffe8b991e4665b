import type { LayerConfig, StackConfig } from './types.js';
import { deepFreeze } from './validate.js';

/**
 * The configuration a successor server runs when it takes a volume over from a predecessor that
 * died (crash custody): the record and decision-log files the predecessor created are its own
 * history, so they are appended to rather than refused as existing files (`append: true`).
 */
export function continueFiles(config: StackConfig): StackConfig {
  const layers = config.layers.map((l): LayerConfig =>
    l.type === 'record' ? { ...l, append: true } : l,
  );
  return deepFreeze({
    ...config,
    layers,
    ...(config.decisionLog?.path !== undefined && {
      decisionLog: { ...config.decisionLog, append: true },
    }),
  });
}
