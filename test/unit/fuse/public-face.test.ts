import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The engine's seams, checked on the source text: every import (type-only ones included, since a
 * type-level cycle ties files together as much as a runtime one) is read with a regular
 * expression, which is enough for this code base's one-import-per-statement style.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SRC = join(ROOT, 'src');
const FUSE = join(SRC, 'fuse');
const FACE = join(FUSE, 'index.ts');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? tsFiles(join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The repository files `file` imports (relative specifiers only), as absolute .ts paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2]!;
    if (spec.startsWith('.')) out.push(resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
  }
  return out;
}

const rel = (f: string): string => relative(ROOT, f);

describe('the FUSE engine has one public face', () => {
  it('no file outside src/fuse imports a src/fuse file other than src/fuse/index.ts', () => {
    const outside = tsFiles(SRC).filter((f) => !f.startsWith(`${FUSE}/`));
    const deep = outside.flatMap((f) =>
      importsOf(f)
        .filter((target) => target.startsWith(`${FUSE}/`) && target !== FACE)
        .map((target) => `${rel(f)} -> ${rel(target)}`),
    );
    expect(deep).toEqual([]);
  });

  it('has no import cycle inside src/fuse, type-only imports included', () => {
    const files = tsFiles(FUSE);
    const graph = new Map(
      files.map((f) => [f, importsOf(f).filter((t) => t.startsWith(`${FUSE}/`))]),
    );
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (f: string, path: string[]): void => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path.slice(path.indexOf(f)), f].map(rel).join(' -> '));
        return;
      }
      state.set(f, 'open');
      for (const next of graph.get(f) ?? []) visit(next, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of files) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('reads real imports: the graph the checks walk is not empty', () => {
    expect(importsOf(join(FUSE, 'session', 'session.ts'))).toContain(
      join(FUSE, 'session', 'context.ts'),
    );
    expect(importsOf(join(SRC, 'cli', 'mount-command.ts'))).toContain(FACE);
  });
});
