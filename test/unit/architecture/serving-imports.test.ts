/**
 * What a serving process loads before it knows what it serves: the static import closure of the
 * sidecar's server and of the CLI's mount. Packages that only some configurations need are
 * imported on demand (a dynamic import() or createRequire at first use), so a bare mount does
 * not pay their memory: docs/benchmarks.md, "Memory of a serving process".
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src');

/** Packages a serving process must not load statically, and why. */
const ON_DEMAND: readonly [RegExp, string][] = [
  [/^@kubernetes\/client-node/, 'the API client (about 78 MiB) belongs to the driver and webhook'],
  [/^@grpc\//, "gRPC is the CSI driver's"],
  [/^express/, "HTTP routing is the webhook's"],
  [/^prom-client/, 'only with metrics (a metrics layer or a metrics port)'],
  [/^@opentelemetry\//, 'only with trace'],
  [/^ajv/, 'only when a layer configuration is validated'],
  [/^yaml/, 'only when a configuration file is read'],
];

/** Static imports and re-exports of values (not `import type`, not dynamic import()). */
const STATIC = /^(?:import|export)\s+(?!type\b)(?:[^;]*?\sfrom\s+)?'([^']+)'/gm;

function closure(entry: string): Map<string, string> {
  const packages = new Map<string, string>();
  const seen = new Set<string>();
  const walk = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(STATIC)) {
      const spec = m[1]!;
      if (!spec.startsWith('.')) {
        if (!packages.has(spec)) packages.set(spec, relative(SRC, file));
        continue;
      }
      const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
      if (existsSync(target)) walk(target);
    }
  };
  walk(resolve(SRC, entry));
  return packages;
}

describe.each(['sidecar/run-server.ts', 'cli/run-mount.ts'])('static imports of %s', (entry) => {
  const packages = closure(entry);

  it('the scan sees the packages it judges', () => {
    expect([...packages.keys()]).toEqual(expect.arrayContaining(['koffi', 'node:worker_threads']));
  });

  it.each(ON_DEMAND)('does not load %s at start: %s', (pattern) => {
    const offenders = [...packages].filter(([p]) => pattern.test(p)).map(([p, f]) => `${f}: ${p}`);
    expect(offenders).toEqual([]);
  });
});
