/**
 * `fs-interposer/backend.<volume>`: what holds a volume's data. `passthrough` (the default) is
 * the PV; `memory` is the sidecar's own memory (a scratch volume, gone with the Pod; `memory=256Mi`
 * bounds it, plain `memory` takes what the sidecar's memory limit leaves); `null` keeps nothing
 * (a sink: writes are discarded, reads return zeros). A memory or null volume may be an emptyDir
 * the app already declares: the sidecar serves it instead of the kubelet.
 */
import { memoryLimitFor } from '../backends/memory/default-limits.js';
import { parseSizeText } from '../config/quantity.js';
import { Annotations } from '../contract/pod.js';
import type { VolumeBackend } from '../contract/volume-backends-env.js';

export type BackendChoice =
  | { kind: 'passthrough' }
  | { kind: 'memory'; bytes?: number; size?: string }
  | { kind: 'null' };

export const BACKEND_VALUES = ['passthrough', 'memory', 'memory=<size, e.g. 256Mi>', 'null'];

/** At most what a sidecar's memory limit may be (resources.ts), less the server's own share. */
const MAX_MEMORY_VOLUME = 32 * 2 ** 30;

function memoryOf(raw: string): BackendChoice | string {
  const text = raw.slice('memory='.length);
  const size = parseSizeText(text);
  if (!size.ok) return ` (${size.reason})`;
  if (size.bytes <= 0 || size.bytes > MAX_MEMORY_VOLUME) return ' (from 1 byte to 32Gi)';
  return { kind: 'memory', bytes: size.bytes, size: text };
}

export function parseBackend(key: string, raw: string, errors: string[]): BackendChoice | undefined {
  if (raw === 'passthrough' || raw === 'null' || raw === 'memory') return { kind: raw };
  const memory = raw.startsWith('memory=') ? memoryOf(raw) : '';
  if (typeof memory !== 'string') return memory;
  errors.push(`${key}: "${raw}" is not accepted${memory} (accepted: ${BACKEND_VALUES.join(', ')})`);
  return undefined;
}

/** The volume an annotation key names, or undefined when the key is not a backend key. */
export function backendVolume(key: string): string | undefined {
  return key.startsWith(Annotations.backendForVolumePrefix) ? key.slice(Annotations.backendForVolumePrefix.length) : undefined;
}

/** Each volume's backend as the sidecar's environment carries it (src/contract). */
export function volumeBackends(
  volumes: readonly { name: string; backend?: BackendChoice }[],
): Map<string, VolumeBackend> {
  return new Map(
    volumes.map((v): [string, VolumeBackend] => {
      const b = v.backend ?? { kind: 'passthrough' };
      if (b.kind !== 'memory') return [v.name, { kind: b.kind }];
      return [v.name, b.bytes === undefined ? { kind: 'memory' } : { kind: 'memory', maxBytes: b.bytes }];
    }),
  );
}

/**
 * The memory limit the sidecar needs for its sized memory volumes (undefined: none), the way the
 * memory backend itself sizes what it holds under a limit (src/backends/memory/default-limits.ts).
 */
export function memoryNeeded(volumes: readonly { backend?: BackendChoice }[]): number | undefined {
  const bytes = volumes.reduce((sum, v) => sum + (v.backend?.kind === 'memory' ? v.backend.bytes ?? 0 : 0), 0);
  return bytes === 0 ? undefined : memoryLimitFor(bytes);
}
