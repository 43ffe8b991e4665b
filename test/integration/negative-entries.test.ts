import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI } from '../helpers/mount.js';
import { freePort, scrape, total } from '../helpers/prometheus.js';
import { shOk } from '../helpers/sh.js';
import { createLayerRig, py, PY_PRELUDE } from './layers-rig.js';

// Negative entries under -o exclusive (passthrough_hp's behaviour): a LOOKUP of a missing name
// is answered with node ID 0 and the entry timeout, so the kernel keeps a negative dentry and a
// stat of that name again never reaches the server. Names the kernel creates through the mount
// replace it at once; the default policy and a stack with a fault on lookups keep every miss
// going to the server. LOOKUPs are counted by the metrics layer, outermost.
jest.setTimeout(180_000);

const rig = createLayerRig();
afterEach(() => rig.cleanup());

async function mount(layers: unknown[], args: string[]) {
  const port = await freePort();
  const r = await rig.mount([{ type: 'metrics' }, ...layers], {
    prepare: (src) => {
      writeFileSync(join(src, 'orig'), 'linked\n');
      writeFileSync(join(src, 'target'), 'pointed\n');
    },
    args: [...args, '--metrics-port', String(port)],
  });
  const lookups = async (): Promise<number> =>
    total(await scrape(port), 'fs_interposer_ops_total', { op: 'lookup' });
  return { ...r, port, lookups };
}

/** stat each name `times` times in one process: the errno names (or "ok") seen, deduplicated. */
const statMany = (mnt: string, names: string[], times: number) =>
  py<string[]>(`${PY_PRELUDE}
seen = set()
for i in range(${times}):
    for n in ${JSON.stringify(names)}:
        r = attempt(lambda: os.stat("${mnt}/" + n) and "ok")
        seen.add(r.get("ok") or r.get("err"))
print(json.dumps(sorted(seen)))`);

/** Missing names for each way the kernel makes a name through the mount, stat'ed first. */
const WAYS = ['create', 'mkdir', 'symlink', 'link', 'rename', 'mknod'] as const;

const makeAll = (mnt: string) =>
  py<Record<string, unknown>>(`${PY_PRELUDE}
m = "${mnt}"
def create():
    with open(m + "/n-create", "w") as f: f.write("created\\n")
def rename():
    with open(m + "/tmp", "w") as f: f.write("renamed\\n")
    os.rename(m + "/tmp", m + "/n-rename")
steps = {
    "create": create,
    "mkdir": lambda: os.mkdir(m + "/n-mkdir"),
    "symlink": lambda: os.symlink("target", m + "/n-symlink"),
    "link": lambda: os.link(m + "/orig", m + "/n-link"),
    "rename": rename,
    "mknod": lambda: os.mkfifo(m + "/n-mknod"),
}
print(json.dumps({k: attempt(f) for k, f in steps.items()}))`);

/** What another process sees of each name right after: its content, type or errno. */
const seeAll = (mnt: string) =>
  py<Record<string, unknown>>(`${PY_PRELUDE}
import stat
m = "${mnt}"
def read(n):
    with open(m + "/" + n) as f: return f.read()
def kind(n):
    s = os.lstat(m + "/" + n)
    return "dir" if stat.S_ISDIR(s.st_mode) else "fifo" if stat.S_ISFIFO(s.st_mode) else "other"
print(json.dumps({
    "create": attempt(lambda: read("n-create")),
    "mkdir": attempt(lambda: kind("n-mkdir")),
    "symlink": attempt(lambda: read("n-symlink")),
    "link": attempt(lambda: read("n-link")),
    "rename": attempt(lambda: read("n-rename")),
    "mknod": attempt(lambda: kind("n-mknod")),
    "listing": sorted(n for n in os.listdir(m) if n.startswith("n-")),
}))`);

interface Engine {
  keptMisses: number;
  /** LOOKUPs of missing names the reader threads answered (direct-miss.ts). */
  directIo: { missesAnswered: number };
}
const ctl = async (mnt: string, ...words: string[]): Promise<{ engine: Engine }> =>
  JSON.parse(await shOk(`node "${CLI}" ctl "${mnt}" ${words.map((w) => `'${w}'`).join(' ')}`)) as {
    engine: Engine;
  };

describe('-o exclusive: misses are kept by the kernel', () => {
  it('a stat of a missing name 50 times reaches the server once; each name made through the mount is seen at once', async () => {
    const t = await mount([], ['-o', 'exclusive']);
    const mnt = t.m.mountpoint;
    const l0 = await t.lookups();
    expect(await statMany(mnt, ['missing'], 50)).toEqual(['ENOENT']);
    expect((await t.lookups()) - l0).toBe(1);

    const names = WAYS.map((w) => `n-${w}`);
    const l1 = await t.lookups();
    expect(await statMany(mnt, names, 5)).toEqual(['ENOENT']);
    expect((await t.lookups()) - l1).toBe(names.length);
    expect(await makeAll(mnt)).toEqual(Object.fromEntries(WAYS.map((w) => [w, { ok: null }])));
    expect(await seeAll(mnt)).toEqual({
      create: { ok: 'created\n' },
      mkdir: { ok: 'dir' },
      symlink: { ok: 'pointed\n' },
      link: { ok: 'linked\n' },
      rename: { ok: 'renamed\n' },
      mknod: { ok: 'fifo' },
      listing: [...names].sort(),
    });

    // Removed through the mount, a name is missing again at once; made again, seen again.
    const again = await py<unknown[]>(`${PY_PRELUDE}
m = "${mnt}"
out = [attempt(lambda: os.unlink(m + "/n-create")), attempt(lambda: os.stat(m + "/n-create") and 0)]
with open(m + "/n-create", "w") as f: f.write("again\\n")
out.append(attempt(lambda: open(m + "/n-create").read()))
os.rmdir(m + "/n-mkdir")
out.append(attempt(lambda: os.stat(m + "/n-mkdir") and 0))
print(json.dumps(out))`);
    expect(again).toEqual([{ ok: null }, { err: 'ENOENT' }, { ok: 'again\n' }, { err: 'ENOENT' }]);
  });

  it('the default policy sends every stat of a missing name to the server', async () => {
    const t = await mount([], []);
    const l0 = await t.lookups();
    expect(await statMany(t.m.mountpoint, ['missing'], 20)).toEqual(['ENOENT']);
    expect((await t.lookups()) - l0).toBe(20);
    // Answered ENOENT by the reader threads (metrics counts them through the reader tap).
    expect((await ctl(t.m.mountpoint, 'status')).engine.directIo.missesAnswered).toBe(20);
  });

  it('a fault layer that can fail lookups (even of other paths) keeps every miss going to the server', async () => {
    const fault = {
      type: 'fault',
      rate: 100,
      errnos: ['EIO'],
      scope: { ops: ['lookup'], paths: ['/elsewhere/**'] },
    };
    const t = await mount([fault], ['-o', 'exclusive']);
    const l0 = await t.lookups();
    expect(await statMany(t.m.mountpoint, ['missing'], 20)).toEqual(['ENOENT']);
    expect((await t.lookups()) - l0).toBe(20);
    // Swapped to metrics alone: the misses are the backend's again, kept.
    await ctl(t.m.mountpoint, 'set-layers', 'metrics');
    const l1 = await t.lookups();
    expect(await statMany(t.m.mountpoint, ['other'], 20)).toEqual(['ENOENT']);
    expect((await t.lookups()) - l1).toBe(1);
  });

  it('a swap to a stack that forbids them takes the kept misses back; names made meanwhile stay', async () => {
    const t = await mount([], ['-o', 'exclusive']);
    const mnt = t.m.mountpoint;
    const l0 = await t.lookups();
    expect(await statMany(mnt, ['gone1', 'gone2', 'made'], 10)).toEqual(['ENOENT']);
    expect((await t.lookups()) - l0).toBe(3);
    await shOk(`echo made > "${mnt}/made"`);
    const before = (await ctl(mnt, 'status')).engine;
    expect(before.keptMisses).toBe(3);
    // Kept by the reader threads (direct-miss.ts): the swap takes back what they listed.
    expect(before.directIo.missesAnswered).toBe(3);
    // metrics, then a fault that can fail lookups (of other paths): misses are no longer kept.
    const cfg = join(t.dir, 'fault.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        apiVersion: 'fs-interposer/v1',
        kind: 'LayerStack',
        seed: 1,
        layers: [
          { type: 'metrics' },
          {
            type: 'fault',
            rate: 100,
            errnos: ['EIO'],
            scope: { ops: ['lookup'], paths: ['/other/**'] },
          },
        ],
      }),
    );
    await ctl(mnt, 'set-config', cfg);
    // The swap's invalidations are written from the threadpool after ctl answers: wait for them.
    for (let i = 0; i < 50 && (await ctl(mnt, 'status')).engine.keptMisses > 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect((await ctl(mnt, 'status')).engine.keptMisses).toBe(0);
    const l1 = await t.lookups();
    expect(await statMany(mnt, ['gone1', 'gone2'], 5)).toEqual(['ENOENT']);
    expect((await t.lookups()) - l1).toBe(10);
    expect(await shOk(`cat "${mnt}/made"`)).toBe('made\n');
  });
});
