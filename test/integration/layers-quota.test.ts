import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLayerRig, py, PY_PRELUDE } from './layers-rig.js';

// The quota layer as an app sees it through a real mount: the errno at the syscall, short
// writes at the budget, the budget starting from what the backend already holds.
jest.setTimeout(120_000);

const rig = createLayerRig();
afterEach(() => rig.cleanup());

type Attempt = { ok?: unknown; err?: string };

describe('quota through a real mount', () => {
  it.each(['ENOSPC', 'EDQUOT'])(
    'byte budget: a short write at the limit, then %s; growth refused whole',
    async (errno) => {
      const { m, src } = await rig.mount([{ type: 'quota', maxBytes: 1_000_000, errno }], {
        // 300 kB already there: the budget counts it (and a nested directory's file too).
        prepare: (s) => {
          writeFileSync(join(s, 'old'), Buffer.alloc(200_000, 1));
          mkdirSync(join(s, 'sub'));
          writeFileSync(join(s, 'sub', 'old2'), Buffer.alloc(100_000, 2));
        },
      });
      const r = await py<Record<string, Attempt>>(`${PY_PRELUDE}
fd = os.open("${m.mountpoint}/new", os.O_WRONLY | os.O_CREAT, 0o644)
out = {}
out["w1"] = attempt(lambda: os.write(fd, b"x" * 500000))
out["w2"] = attempt(lambda: os.write(fd, b"x" * 500000))
out["w3"] = attempt(lambda: os.write(fd, b"x" * 10))
os.close(fd)
out["truncate"] = attempt(lambda: os.truncate("${m.mountpoint}/new", 800000))
fd = os.open("${m.mountpoint}/new", os.O_WRONLY)
out["fallocate"] = attempt(lambda: os.posix_fallocate(fd, 700000, 100000))
os.close(fd)
# An overwrite inside the file does not grow it: allowed at the limit.
fd = os.open("${m.mountpoint}/new", os.O_WRONLY)
out["overwrite"] = attempt(lambda: os.pwrite(fd, b"y" * 1000, 0))
os.close(fd)
# Space given back: unlink frees 200 kB, a shrinking truncate 100 kB.
os.unlink("${m.mountpoint}/old")
os.truncate("${m.mountpoint}/new", 600000)
fd = os.open("${m.mountpoint}/more", os.O_WRONLY | os.O_CREAT, 0o644)
out["after_free"] = attempt(lambda: os.write(fd, b"z" * 400000))
out["after_free_full"] = attempt(lambda: os.write(fd, b"z"))
os.close(fd)
print(json.dumps(out))`);
      expect(r).toEqual({
        w1: { ok: 500_000 },
        w2: { ok: 200_000 },
        w3: { err: errno },
        truncate: { err: errno },
        fallocate: { err: errno },
        overwrite: { ok: 1000 },
        after_free: { ok: 300_000 },
        after_free_full: { err: errno },
      });
      expect(statSync(join(src, 'new')).size).toBe(600_000);
      expect(statSync(join(src, 'more')).size).toBe(300_000);
    },
  );

  it('inode budget: files, directories and symlinks count; rmdir and unlink give inodes back', async () => {
    const { m } = await rig.mount([{ type: 'quota', maxInodes: 4, errno: 'EDQUOT' }], {
      prepare: (s) => writeFileSync(join(s, 'existing'), 'e'),
    });
    const r = await py<Record<string, Attempt>>(`${PY_PRELUDE}
mnt = "${m.mountpoint}"
out = {}
out["mkdir"] = attempt(lambda: os.mkdir(mnt + "/d"))
out["create"] = attempt(lambda: os.close(os.open(mnt + "/d/f", os.O_WRONLY | os.O_CREAT, 0o644)))
out["symlink"] = attempt(lambda: os.symlink("d/f", mnt + "/l"))
out["create_over"] = attempt(lambda: os.close(os.open(mnt + "/g", os.O_WRONLY | os.O_CREAT, 0o644)))
out["mkdir_over"] = attempt(lambda: os.mkdir(mnt + "/e"))
out["mknod_over"] = attempt(lambda: os.mkfifo(mnt + "/p"))
# A hard link is no new inode.
out["link"] = attempt(lambda: os.link(mnt + "/d/f", mnt + "/hard"))
out["unlink_one_link"] = attempt(lambda: os.unlink(mnt + "/hard"))
out["still_full"] = attempt(lambda: os.mkdir(mnt + "/e"))
out["unlink"] = attempt(lambda: os.unlink(mnt + "/d/f"))
out["rmdir"] = attempt(lambda: os.rmdir(mnt + "/d"))
out["mkdir_after"] = attempt(lambda: os.mkdir(mnt + "/e"))
out["create_after"] = attempt(lambda: os.close(os.open(mnt + "/e/f", os.O_WRONLY | os.O_CREAT, 0o644)))
out["full_again"] = attempt(lambda: os.mkdir(mnt + "/x"))
print(json.dumps(out))`);
    expect(r).toEqual({
      mkdir: { ok: null },
      create: { ok: null },
      symlink: { ok: null },
      create_over: { err: 'EDQUOT' },
      mkdir_over: { err: 'EDQUOT' },
      mknod_over: { err: 'EDQUOT' },
      link: { ok: null },
      unlink_one_link: { ok: null },
      still_full: { err: 'EDQUOT' },
      unlink: { ok: null },
      rmdir: { ok: null },
      mkdir_after: { ok: null },
      create_after: { ok: null },
      full_again: { err: 'EDQUOT' },
    });
  });

  it('space comes back from O_TRUNC opens and renames over a file, as from unlink', async () => {
    const { m, src } = await rig.mount([{ type: 'quota', maxBytes: 1_000_000 }]);
    const r = await py<Record<string, Attempt>>(`${PY_PRELUDE}
mnt = "${m.mountpoint}"
def put(name, n, flags=os.O_WRONLY | os.O_CREAT | os.O_TRUNC):
    fd = os.open(mnt + "/" + name, flags, 0o644)
    try:
        return os.write(fd, b"t" * n)
    finally:
        os.close(fd)
out = {}
out["first"] = attempt(lambda: put("a", 600000))
# Rewriting a file as editors and loggers do (open with O_TRUNC): the old bytes are gone.
out["rewrite"] = attempt(lambda: put("a", 600000))
out["rewrite_again"] = attempt(lambda: put("a", 600000))
out["b"] = attempt(lambda: put("b", 300000))
# rename b over a: a's 600 kB are freed.
out["rename"] = attempt(lambda: os.rename(mnt + "/b", mnt + "/a"))
out["c"] = attempt(lambda: put("c", 700000))
out["full"] = attempt(lambda: put("d", 1))
print(json.dumps(out))`);
    expect(r).toEqual({
      first: { ok: 600_000 },
      rewrite: { ok: 600_000 },
      rewrite_again: { ok: 600_000 },
      b: { ok: 300_000 },
      rename: { ok: null },
      c: { ok: 700_000 },
      full: { err: 'ENOSPC' },
    });
    expect(statSync(join(src, 'a')).size).toBe(300_000);
  });

  it('statfs (df) shows the budgets, not the backing filesystem', async () => {
    const { m } = await rig.mount([{ type: 'quota', maxBytes: 1_000_000, maxInodes: 10 }], {
      prepare: (s) => {
        writeFileSync(join(s, 'old'), Buffer.alloc(300_000, 1));
        mkdirSync(join(s, 'sub'));
      },
    });
    const r = await py<{
      size: number;
      avail: number;
      free: number;
      files: number;
      ffree: number;
    }>(`${PY_PRELUDE}
s = os.statvfs("${m.mountpoint}")
print(json.dumps({"size": s.f_blocks * s.f_frsize, "avail": s.f_bavail * s.f_frsize, "free": s.f_bfree * s.f_frsize, "files": s.f_files, "ffree": s.f_ffree}))`);
    // Whole blocks: the size rounds up to the budget, the room left rounds down.
    expect(r.size).toBeGreaterThanOrEqual(1_000_000);
    expect(r.size).toBeLessThan(1_000_000 + 4096 * 2);
    expect(r.avail).toBeLessThanOrEqual(700_000);
    expect(r.avail).toBeGreaterThan(700_000 - 4096 * 2);
    expect(r.free).toBe(r.avail);
    expect({ files: r.files, ffree: r.ffree }).toEqual({ files: 10, ffree: 8 });
  });

  it('concurrent writers together never overshoot the byte budget', async () => {
    const { m, src } = await rig.mount([{ type: 'quota', maxBytes: 2_000_000 }]);
    await py(`${PY_PRELUDE}
import threading
def writer(i):
    fd = os.open("${m.mountpoint}/w%d" % i, os.O_WRONLY | os.O_CREAT, 0o644)
    while True:
        try:
            if os.write(fd, b"q" * 65536) == 0: break
        except OSError: break
    os.close(fd)
ts = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
print("null")`);
    const total = [0, 1, 2, 3].reduce((s, i) => s + statSync(join(src, `w${i}`)).size, 0);
    expect(total).toBe(2_000_000);
  });
});
