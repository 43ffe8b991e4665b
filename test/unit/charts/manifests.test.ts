import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, findObject, parseObjects } from './helm.js';
import { validateObject } from './k8s-validate.js';

const script = join(ROOT, 'scripts', 'k8s-render-manifests.sh');
const objects = parseObjects(readFileSync(join(ROOT, 'manifests', 'fs-interposer.yaml'), 'utf8'));

describe('manifests/ (the chart rendered for kubectl users)', () => {
  it('is up to date with the chart (run: scripts/k8s-render-manifests.sh)', () => {
    const r = spawnSync('bash', [script, '--check'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('starts with its own Namespace, labelled for the privileged driver', () => {
    expect(objects[0]?.kind).toBe('Namespace');
    expect(findObject(objects, 'Namespace').metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(objects.filter((o) => o.metadata.namespace).every((o) => o.metadata.namespace === 'fs-interposer')).toBe(true);
  });

  it('validates against the Kubernetes OpenAPI schemas', async () => {
    expect((await Promise.all(objects.map(validateObject))).flat()).toEqual([]);
  });
});
