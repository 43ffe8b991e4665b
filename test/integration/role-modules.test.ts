import { describe, expect, it, jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, REPO, tempDir } from '../helpers/mount.js';
import { sh } from '../helpers/sh.js';

jest.setTimeout(60_000);

const HOOK = join(REPO, 'test/helpers/loaded-packages.mjs');

/** The npm packages `fs-interposer ROLE` loads before its environment check stops it. */
async function packagesOf(role: string): Promise<string[]> {
  const file = join(tempDir('role-modules'), 'packages.txt');
  const r = await sh(`exec env -i PATH="$PATH" FSI_LOADED_PACKAGES_FILE="${file}" "${process.execPath}" --import "${HOOK}" "${CLI}" ${role}`);
  // Without its environment the role refuses to start, after importing its modules.
  expect(r.code).not.toBe(0);
  return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
}

describe('each role loads only its own modules (docs/adr/0081)', () => {
  it('the sidecar (one per injected Pod) loads no Kubernetes client, gRPC, HTTP framework or OpenTelemetry', async () => {
    const loaded = await packagesOf('sidecar');
    for (const heavy of ['@kubernetes/client-node', '@grpc/grpc-js', '@grpc/proto-loader', 'express', 'node-forge', 'prom-client', '@opentelemetry/api']) {
      expect(loaded).not.toContain(heavy);
    }
    expect(loaded).toContain('koffi');
  });

  it('the webhook still loads the Kubernetes client it calls', async () => {
    expect(await packagesOf('webhook')).toContain('@kubernetes/client-node');
  });
});
