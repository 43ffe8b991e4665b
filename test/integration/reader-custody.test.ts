// Nodes made and names removed by the reader threads under crash custody (ADR 0087 point 2,
// src/fuse/session/direct-journal.ts), through the real sidecar (real mounts, csi-rig.ts) with
// the exclusive cache policy: the readers make the nodes of a cold walk and remove names, each
// journaled before its reply, so that after a kill -9 of the server its successor resolves every
// node ID the kernel still holds and knows which names are gone.
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createStaticClaimInspector } from '../../src/csi/cache-decision.js';
import { CLI } from '../helpers/mount.js';
import { shOk } from '../helpers/sh.js';
import { py } from './layers-rig.js';
import { makeRig, publish, serverPid, startSidecar, teardown } from './csi-rig.js';
import type { Rig } from './csi-rig.js';

jest.setTimeout(120_000);
const NOBODY = 65534;

async function waitFor(path: string): Promise<void> {
  for (let i = 0; i < 1000 && !existsSync(path); i++) await new Promise((r) => setTimeout(r, 20));
  if (!existsSync(path)) throw new Error(`${path} never appeared`);
}
const FILES = 300;

const claims = createStaticClaimInspector({
  'default/solo': {
    claimModes: ['ReadWriteOncePod'],
    pv: 'pv-solo',
    pvModes: ['ReadWriteOncePod'],
  },
});

describe('reader-made nodes under crash custody (real sidecar)', () => {
  let rig: Rig | undefined;
  afterEach(() => {
    teardown(rig);
    rig = undefined;
  });

  it('a successor resolves the node IDs the readers handed out and knows the names they removed', async () => {
    const r = (rig = makeRig({ pod: { claims: { data: 'solo' } }, claims }));
    const d = join(r.source, 'd');
    mkdirSync(d);
    for (let i = 0; i < FILES; i++) writeFileSync(join(d, `f${i}`), `file ${i}\n`);
    chownSync(d, NOBODY, NOBODY);
    await publish(r);
    const sc = startSidecar(r);
    const status = async (): Promise<{ mode: string; made: number; unlinks: number }> => {
      const s = JSON.parse(
        await shOk(`node "${CLI}" ctl --socket "${r.controlDir}/data.sock" status`, {
          timeoutMs: 20_000,
        }),
      ) as {
        engine: {
          cache: { mode: string };
          directIo: { nodesMade: number; unlinksAnswered: number };
        };
      };
      return {
        mode: s.engine.cache.mode,
        made: s.engine.directIo.nodesMade,
        unlinks: s.engine.directIo.unlinksAnswered,
      };
    };
    // A cold walk (each file's LOOKUP) and the removal of every tenth file, from a child process.
    const m = r.target;
    const walk = await py<{ n: number }>(`import os, json
d = '${m}/d'
n = sum(os.stat(d + '/f%d' % i).st_size for i in range(${FILES}))
for i in range(0, ${FILES}, 10): os.unlink(d + '/f%d' % i)
print(json.dumps({'n': n}))`).catch((err: Error) => {
      throw new Error(`${err.message}\n--- sidecar\n${sc.logs()}`);
    });
    expect(walk.n).toBeGreaterThan(0);
    const before = await status();
    expect(before.mode).toBe('exclusive');
    expect(before.made).toBeGreaterThanOrEqual(FILES / 2);
    expect(before.unlinks).toBeGreaterThanOrEqual(FILES / 20);
    // An app holds files open whose node IDs the readers made, across the server's death.
    const ready = join(r.root, 'ready');
    const go = join(r.root, 'go');
    const held = py<{ data: string[] }>(
      `import os, json, time
d = '${m}/d'
fs = [open(d + '/f%d' % i) for i in range(1, ${FILES}, 7) if i % 10]
open('${ready}', 'w').close()
while not os.path.exists('${go}'): time.sleep(0.02)
print(json.dumps({'data': [f.read() for f in fs]}))`,
      { timeoutMs: 60_000 },
    );
    await waitFor(ready);
    // The server dies; its successor takes the connection and the journal over.
    const pid = await serverPid(r);
    process.kill(pid, 'SIGKILL');
    await serverPid(r, pid);
    writeFileSync(go, '');
    // Each open file is reopened by the successor from its node ID's journaled name.
    const open = await held.catch((err: Error) => {
      throw new Error(`${err.message}\n--- sidecar\n${sc.logs()}`);
    });
    // The kernel still holds the readers' node IDs (entries and attributes kept a day under
    // exclusive): opening and reading each file goes to the successor by node ID.
    const after = await py<{ data: string[]; gone: boolean[] }>(
      `import os, json
d = '${m}/d'
data = [open(d + '/f%d' % i).read() for i in range(1, ${FILES}, 7) if i % 10]
gone = [os.path.exists(d + '/f%d' % i) for i in range(0, ${FILES}, 10)]
print(json.dumps({'data': data, 'gone': gone}))`,
      { timeoutMs: 60_000 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n--- sidecar\n${sc.logs()}`);
    });
    const want = [];
    for (let i = 1; i < FILES; i += 7) if (i % 10) want.push(`file ${i}\n`);
    expect(open.data).toEqual(want);
    expect(after.data).toEqual(want);
    expect(after.gone.every((x) => !x)).toBe(true);
  });
});
