/**
 * FS_INTERPOSER_BACKENDS: which volumes the sidecar serves from something other than their PV,
 * as `scratch=memory:268435456,sink=null` (bytes; `memory` alone: sized to the sidecar's memory
 * limit). Volumes it does not name are passthrough.
 */
export type VolumeBackend =
  | { kind: 'passthrough' }
  | { kind: 'memory'; maxBytes?: number }
  | { kind: 'null' };

export const BACKENDS_ENV = 'FS_INTERPOSER_BACKENDS';
const ACCEPTED = '<volume>=passthrough|null|memory[:<bytes>]';

export function encodeBackends(backends: ReadonlyMap<string, VolumeBackend>): string {
  return [...backends]
    .filter(([, b]) => b.kind !== 'passthrough')
    .map(([volume, b]) =>
      b.kind === 'memory' && b.maxBytes !== undefined
        ? `${volume}=memory:${b.maxBytes}`
        : `${volume}=${b.kind}`,
    )
    .join(',');
}

function parseOne(entry: string, problems: string[]): [string, VolumeBackend] | undefined {
  const m = /^([a-z0-9-]+)=(passthrough|null|memory)(?::([0-9]+))?$/.exec(entry);
  if (m === null || (m[3] !== undefined && m[2] !== 'memory')) {
    problems.push(`${BACKENDS_ENV}: "${entry}" is not accepted (accepted: ${ACCEPTED})`);
    return undefined;
  }
  const kind = m[2] as VolumeBackend['kind'];
  if (kind !== 'memory') return [m[1]!, { kind }];
  return [m[1]!, m[3] === undefined ? { kind } : { kind, maxBytes: Number(m[3]) }];
}

/** Every volume's backend; each problem is added to `problems` (nothing is dropped silently). */
export function parseBackends(
  raw: string | undefined,
  volumes: readonly string[],
  problems: string[],
): Map<string, VolumeBackend> {
  const out = new Map<string, VolumeBackend>(volumes.map((v) => [v, { kind: 'passthrough' }]));
  for (const entry of (raw ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const parsed = parseOne(entry, problems);
    if (parsed === undefined) continue;
    if (!out.has(parsed[0]))
      problems.push(
        `${BACKENDS_ENV}: volume "${parsed[0]}" is not served by this sidecar (accepted: ${volumes.join(', ')})`,
      );
    else out.set(parsed[0], parsed[1]);
  }
  return out;
}
