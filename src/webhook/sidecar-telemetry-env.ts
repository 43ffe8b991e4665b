/**
 * The sidecar's telemetry environment, in the standard OpenTelemetry variables its trace layer
 * reads (src/telemetry/trace-provider.ts): where spans go, and who sends them. The Kubernetes
 * identity is spelled with `$(VAR)` references to the downward-API variables the container
 * defines first, so the kubelet fills in each Pod's own names.
 */
import { SIDECAR_CONTAINER_NAME } from '../contract/pod.js';
import { POD_IDENTITY_ENV as IDENTITY_ENV } from '../contract/sidecar-env.js';
import type { EnvVar } from './pod-types.js';

export type OtlpProtocol = 'http/protobuf' | 'grpc';
export const OTLP_PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'grpc'];

/** The chart's `tracing` values, as the webhook passes them on to every sidecar. */
export interface SidecarTracing {
  /** OTLP endpoint (base URL, e.g. http://otel-collector.observability:4318); absent: no export. */
  endpoint?: string;
  protocol: OtlpProtocol;
  /** `service.name` of the sidecar's spans. */
  serviceName: string;
  /** Fraction traced (OTEL_TRACES_SAMPLER_ARG of parentbased_traceidratio), 0..1. */
  sampleRatio: number;
}

/** 10 % of open-file sessions and metadata ops: the production default (docs/adr/0076). */
export const DEFAULT_TRACING: SidecarTracing = {
  protocol: 'http/protobuf',
  serviceName: 'fs-interposer',
  sampleRatio: 0.1,
};

/**
 * Semantic-convention resource attributes. The volume is not among them: one sidecar serves
 * several volumes, so each volume's tracer adds `fs_interposer.volume` itself.
 */
function resourceAttributes(): string {
  return [
    `k8s.namespace.name=$(${IDENTITY_ENV.namespace})`,
    `k8s.pod.name=$(${IDENTITY_ENV.pod})`,
    `k8s.pod.uid=$(${IDENTITY_ENV.uid})`,
    `k8s.container.name=${SIDECAR_CONTAINER_NAME}`,
    `k8s.node.name=$(${IDENTITY_ENV.node})`,
  ].join(',');
}

export function telemetryEnv(t: SidecarTracing): EnvVar[] {
  // Without an endpoint the exporter would default to localhost:4318 inside the Pod and drop
  // every span; `none` says so instead, and the sidecar logs it once.
  const export_: EnvVar[] = t.endpoint !== undefined
    ? [
      { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: t.endpoint },
      { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: t.protocol },
    ]
    : [{ name: 'OTEL_TRACES_EXPORTER', value: 'none' }];
  return [
    { name: IDENTITY_ENV.container, value: SIDECAR_CONTAINER_NAME },
    { name: 'OTEL_SERVICE_NAME', value: t.serviceName },
    { name: 'OTEL_RESOURCE_ATTRIBUTES', value: resourceAttributes() },
    { name: 'OTEL_TRACES_SAMPLER', value: 'parentbased_traceidratio' },
    { name: 'OTEL_TRACES_SAMPLER_ARG', value: String(t.sampleRatio) },
    ...export_,
  ];
}
