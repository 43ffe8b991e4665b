/**
 * The sidecar's resources: chart defaults, overridden per Pod by annotations. Defaulting keeps a
 * request <= its limit when only one side is overridden (the side given wins, the default side
 * follows it); giving both sides inconsistently is denied.
 */
import type { PodSettings, ResourceKey } from './annotations.js';
import type { ResourceRequirements } from './pod-types.js';
import { quantityValue } from '../config/quantity.js';

export type ResourceValues = Readonly<Record<ResourceKey, string | undefined>>;

export const DEFAULT_SIDECAR_RESOURCES: ResourceValues = {
  cpuRequest: '10m',
  cpuLimit: undefined,
  memoryRequest: '32Mi',
  memoryLimit: '128Mi',
};

/**
 * What a Pod may ask for its sidecar. Upper bounds keep a typo or a hostile annotation from
 * asking for more than any node has (`999999999999999999999Ei` is a valid quantity); the memory
 * limit's lower bound is what the Node process needs to start at all.
 */
export const SIDECAR_RESOURCE_RANGES: Readonly<Record<ResourceKey, { min: string; max: string }>> = {
  cpuRequest: { min: '1m', max: '64' },
  cpuLimit: { min: '1m', max: '64' },
  memoryRequest: { min: '1Mi', max: '64Gi' },
  memoryLimit: { min: '32Mi', max: '64Gi' },
};

/** undefined when the quantity is within the range of `key`, else the accepted range. */
export function outOfRange(key: ResourceKey, value: string): string | undefined {
  const { min, max } = SIDECAR_RESOURCE_RANGES[key];
  const v = quantityValue(value);
  return v >= quantityValue(min) && v <= quantityValue(max) ? undefined : `${min} to ${max}`;
}

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

const MiB = 2 ** 20;

/**
 * Memory volumes live in the sidecar's memory: a limit too small for them is raised when it is
 * the chart's default, and denied when the Pod set it, naming what it needs.
 */
function fitMemory(memory: Pair, explicitLimit: string | undefined, needed: number | undefined): Pair | string {
  if (needed === undefined || memory.limit === undefined || quantityValue(memory.limit) >= needed) return memory;
  const need = `${Math.ceil(needed / MiB)}Mi`;
  if (explicitLimit !== undefined) {
    return `fs-interposer/memory-limit ${explicitLimit} is too small for this Pod's memory volumes (accepted: at least ${need}: 96Mi for the sidecar plus twice the data)`;
  }
  return { ...memory, limit: need };
}

export function resolveResources(
  defaults: ResourceValues,
  overrides: PodSettings['resources'],
  /** Bytes of memory the sidecar needs for its memory volumes (backends.ts). */
  memoryNeeded?: number,
): { ok: true; value: ResourceRequirements } | { ok: false; error: string } {
  const cpu = resolvePair(
    { request: defaults.cpuRequest, limit: defaults.cpuLimit },
    { request: overrides.cpuRequest, limit: overrides.cpuLimit }, 'cpu');
  const paired = resolvePair(
    { request: defaults.memoryRequest, limit: defaults.memoryLimit },
    { request: overrides.memoryRequest, limit: overrides.memoryLimit }, 'memory');
  const memory = typeof paired === 'string' ? paired : fitMemory(paired, overrides.memoryLimit, memoryNeeded);
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
