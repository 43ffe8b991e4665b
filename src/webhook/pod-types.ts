/**
 * The Kubernetes shapes the webhook reads and writes. Type-only imports from
 * @kubernetes/client-node: the webhook handles plain JSON objects, never its model classes.
 */
export type {
  V1Container as Container,
  V1EnvVar as EnvVar,
  V1LocalObjectReference as LocalObjectReference,
  V1ObjectMeta as ObjectMeta,
  V1Pod as Pod,
  V1PodSpec as PodSpec,
  V1SecurityContext as SecurityContext,
  V1Volume as Volume,
  V1VolumeMount as VolumeMount,
  V1ResourceRequirements as ResourceRequirements,
} from '@kubernetes/client-node';

/** Result of the annotation-grammar parser in src/config (only the shape the webhook needs). */
export type LayerSpecResult =
  | { ok: true; value: unknown }
  | { ok: false; errors: { message: string; position?: string; accepted?: string[] }[] };

/** `parseLayerSpec` from src/config, injected so the webhook never carries a grammar of its own. */
export type LayerSpecParser = (spec: string) => LayerSpecResult;
