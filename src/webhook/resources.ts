/**
 * The sidecar's resources: chart defaults, overridden per Pod by annotations. Defaulting keeps a
 * request <= its limit when only one side is overridden (the side given wins, the default side
 * follows it); giving both sides inconsistently is denied.
 */
import type { PodSettings, ResourceKey } from './annotations.js';
import type { ResourceRequirements } from './pod-types.js';
import { quantityValue } from './quantity.js';

export type ResourceValues = Readonly<Record<ResourceKey, string | undefined>>;

export const DEFAULT_SIDECAR_RESOURCES: ResourceValues = {
  cpuRequest: '10m',
  cpuLimit: undefined,
  memoryRequest: '32Mi',
  memoryLimit: '128Mi',
};

type Pair = { request?: string; limit?: string };

function resolvePair(d: Pair, o: Pair, name: string): Pair | string {
  let request = o.request ?? d.request;
  let limit = o.limit ?? d.limit;
  if (request !== undefined && limit !== undefined && quantityValue(request) > quantityValue(limit)) {
    if (o.limit === undefined) limit = request;
    else if (o.request === undefined) request = limit;
    else return `fs-interposer/${name}-request ${request} exceeds fs-interposer/${name}-limit ${limit}`;
  }
  return { request, limit };
}

export function resolveResources(
  defaults: ResourceValues,
  overrides: PodSettings['resources'],
): { ok: true; value: ResourceRequirements } | { ok: false; error: string } {
  const cpu = resolvePair(
    { request: defaults.cpuRequest, limit: defaults.cpuLimit },
    { request: overrides.cpuRequest, limit: overrides.cpuLimit }, 'cpu');
  const memory = resolvePair(
    { request: defaults.memoryRequest, limit: defaults.memoryLimit },
    { request: overrides.memoryRequest, limit: overrides.memoryLimit }, 'memory');
  if (typeof cpu === 'string') return { ok: false, error: cpu };
  if (typeof memory === 'string') return { ok: false, error: memory };
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (cpu.request !== undefined) requests.cpu = cpu.request;
  if (memory.request !== undefined) requests.memory = memory.request;
  if (cpu.limit !== undefined) limits.cpu = cpu.limit;
  if (memory.limit !== undefined) limits.memory = memory.limit;
  const value: ResourceRequirements = {};
  if (Object.keys(requests).length > 0) value.requests = requests;
  if (Object.keys(limits).length > 0) value.limits = limits;
  return { ok: true, value };
}
