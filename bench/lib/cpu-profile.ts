/**
 * Summarise V8 .cpuprofile files (node --cpu-prof): self time per function, and the shares of
 * garbage collection, idle and the rest, so a profile can be read as a table in the docs.
 */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }>;
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  /** Sampled seconds, idle excluded. */
  busySeconds: number;
  idleSeconds: number;
  gcShare: number;
  top: Array<{ name: string; seconds: number; share: number }>;
}

function label(f: CpuProfile['nodes'][number]['callFrame']): string {
  const name = f.functionName || '(anonymous)';
  if (!f.url) return name;
  const file = f.url.replace(/^file:\/\//, '').replace(/^.*\/(dist|node_modules)\//, '$1/');
  return `${name} ${file}:${f.lineNumber + 1}`;
}

export function summarizeProfiles(profiles: readonly CpuProfile[], topN = 15): ProfileSummary {
  const self = new Map<string, number>();
  let totalUs = 0;
  for (const p of profiles) {
    let hits = 0;
    for (const n of p.nodes) hits += n.hitCount ?? 0;
    // The sampling interval is not stored; derive it from the profile's duration.
    const usPerHit = hits > 0 ? (p.endTime - p.startTime) / hits : 0;
    for (const n of p.nodes) {
      const h = n.hitCount ?? 0;
      if (h === 0) continue;
      const key = label(n.callFrame);
      self.set(key, (self.get(key) ?? 0) + h * usPerHit);
    }
    totalUs += p.endTime - p.startTime;
  }
  const idle = self.get('(idle)') ?? 0;
  const busy = totalUs - idle;
  const gc = self.get('(garbage collector)') ?? 0;
  const top = [...self.entries()]
    .filter(([k]) => k !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, topN)
    .map(([name, us]) => ({ name, seconds: us / 1e6, share: busy > 0 ? us / busy : 0 }));
  return { busySeconds: busy / 1e6, idleSeconds: idle / 1e6, gcShare: busy > 0 ? gc / busy : 0, top };
}

export function renderProfile(s: ProfileSummary, title: string): string {
  return [
    `${title}: ${s.busySeconds.toFixed(2)} s busy (idle ${s.idleSeconds.toFixed(2)} s), garbage collection ${(s.gcShare * 100).toFixed(1)}% of busy time.`,
    '',
    '| self time | share | function |',
    '|---|---|---|',
    ...s.top.map((t) => `| ${(t.seconds * 1000).toFixed(0)} ms | ${(t.share * 100).toFixed(1)}% | \`${t.name}\` |`),
    '',
  ].join('\n');
}
