/**
 * Which areas of src/ may import which. The Pod contract (src/contract) is what the webhook,
 * the CSI driver, the sidecar and the kubectl plugin share; beyond it the in-cluster roles stay
 * apart, so a change in one cannot reach into another by a side door.
 */
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src');

/** [importing area, imported area, why not]. */
const FORBIDDEN: readonly [string, string, string][] = [
  ['sidecar', 'csi', 'the sidecar meets the driver only through the Pod contract (src/contract)'],
  ['csi', 'cli', 'the driver is a role of its own, not a command of the local CLI'],
  ['csi', 'sidecar', 'the driver meets the sidecar only through the Pod contract'],
  ['csi', 'webhook', 'the driver reads what the webhook writes through the Pod contract'],
  ['sidecar', 'webhook', 'the sidecar reads what the webhook writes through the Pod contract'],
  ['plugin', 'webhook', 'the plugin finds the sidecar through the Pod contract'],
];
/** The contract is shared by every role: it depends on none of them. */
const CONTRACT_MAY_IMPORT: readonly string[] = ['contract'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/** Static imports, re-exports and dynamic import() of relative paths. */
const SPECIFIER = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)'(\.{1,2}\/[^']+)'/g;

const areaOf = (file: string): string => relative(SRC, file).split('/')[0]!;

interface Edge {
  file: string;
  from: string;
  to: string;
}

function edges(): Edge[] {
  return sourceFiles(SRC).flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    return [...text.matchAll(SPECIFIER)].map((m) => ({
      file: relative(SRC, file),
      from: areaOf(file),
      to: areaOf(resolve(dirname(file), m[1]!)),
    }));
  });
}

describe('dependency rules between areas of src/', () => {
  const all = edges();

  it('the scan sees the imports it judges', () => {
    // A rule checked against an empty scan would pass for ever: these edges exist.
    expect(all).toContainEqual(expect.objectContaining({ from: 'sidecar', to: 'contract' }));
    expect(all).toContainEqual(expect.objectContaining({ from: 'csi', to: 'contract' }));
    expect(all).toContainEqual(expect.objectContaining({ from: 'webhook', to: 'contract' }));
    expect(all).toContainEqual(expect.objectContaining({ from: 'cli', to: 'layers' }));
  });

  it.each(FORBIDDEN)('%s does not import %s: %s', (from, to) => {
    const offenders = all.filter((e) => e.from === from && e.to === to).map((e) => e.file);
    expect(offenders).toEqual([]);
  });

  it('the contract imports no role', () => {
    const offenders = all
      .filter((e) => e.from === 'contract' && !CONTRACT_MAY_IMPORT.includes(e.to))
      .map((e) => `${e.file} -> ${e.to}`);
    expect(offenders).toEqual([]);
  });
});
