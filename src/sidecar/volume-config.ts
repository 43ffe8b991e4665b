import { parseConfigFile, parseLayerSpec } from '../config/index.js';
import type { ConfigError, ParseResult, StackConfig } from '../config/index.js';
import type { Annotations } from './annotations.js';
import { layerSpecFor } from './annotations.js';

export interface ConfigInputs {
  annotations: Annotations;
  /** Text of the mounted ConfigMap file, when the Pod names one (`fs-interposer/config`). */
  configFile?: { name: string; text: string };
}

/**
 * Which configuration a volume runs with: the ConfigMap file when there is one (the full form),
 * else the per-volume annotation, else the Pod-wide annotation, else no layers at all.
 */
export function resolveVolumeConfig(
  volume: string,
  inputs: ConfigInputs,
): ParseResult<StackConfig> {
  if (inputs.configFile !== undefined)
    return parseConfigFile(inputs.configFile.text, inputs.configFile.name);
  return parseLayerSpec(layerSpecFor(inputs.annotations, volume) ?? '');
}

export function describeErrors(errors: readonly ConfigError[]): string {
  return errors
    .map((e) => {
      const where = e.position !== undefined ? ` (at ${e.position})` : '';
      const accepted = e.accepted?.length ? `; accepted: ${e.accepted.join(', ')}` : '';
      return `${e.message}${where}${accepted}`;
    })
    .join('\n');
}
