import { parseConfigFile, parseLayerSpec } from '../config/index.js';
import type { ConfigError, ParseResult, StackConfig } from '../config/index.js';
import { layerSpecFor } from '../contract/pod.js';
import type { Annotations } from './annotations.js';
import { checkPodConfig, withPodDefaults } from './pod-config-rules.js';
import type { PodConfigContext } from './pod-config-rules.js';

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

/**
 * The configuration as it runs in this Pod: resolved, checked against what a Pod can run (a
 * ConfigMap file was never seen by the webhook), with the Pod defaults filled in.
 */
export function resolvePodVolumeConfig(
  volume: string,
  inputs: ConfigInputs,
  ctx: PodConfigContext,
): ParseResult<StackConfig> {
  const r = resolveVolumeConfig(volume, inputs);
  if (!r.ok) return r;
  const errors = checkPodConfig(r.value, ctx);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: withPodDefaults(r.value, volume, ctx) };
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
