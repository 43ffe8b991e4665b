import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { rmSync } from 'node:fs';
import { startMount, tempDir } from '../helpers/mount.js';
import type { MountHandle } from '../helpers/mount.js';
import { sh, shOk } from '../helpers/sh.js';

jest.setTimeout(180_000);

/** Everyday tools through a real mount of a directory, served by a child process. */
describe('real tools through a passthrough mount', () => {
  let m: MountHandle;
  let src: string;

  beforeAll(async () => {
    src = tempDir('src');
    m = await startMount({ source: src });
  });

  afterAll(async () => {
    const code = await m?.stop();
    expect(code).toBe(0);
    rmSync(src, { recursive: true, force: true });
  });

  it('round-trips a tar of a few thousand files with identical checksums', async () => {
    const out = await shOk(
      `set -e
       gen=$(mktemp -d)
       for d in $(seq 1 30); do mkdir -p "$gen/d$d/sub"; for f in $(seq 1 50); do
         head -c $(( (d * 131 + f * 977) % 20000 )) /dev/urandom > "$gen/d$d/f$f"; echo "$d $f" > "$gen/d$d/sub/s$f"; done; done
       ln -s d1/f1 "$gen/link"; chmod 600 "$gen/d2/f2"
       (cd "$gen" && find . -type f -print0 | sort -z | xargs -0 sha256sum) > /tmp/fsi-tar-before.sum
       tar -C "$gen" -cf - . | tar -C "${m.mountpoint}" -xf -
       mkdir "$gen.back" && tar -C "${m.mountpoint}" -cf - . | tar -C "$gen.back" -xf -
       (cd "$gen.back" && find . -type f -print0 | sort -z | xargs -0 sha256sum) > /tmp/fsi-tar-after.sum
       (cd "${m.mountpoint}" && find . -type f -print0 | sort -z | xargs -0 sha256sum) > /tmp/fsi-tar-mnt.sum
       cmp /tmp/fsi-tar-before.sum /tmp/fsi-tar-after.sum
       cmp /tmp/fsi-tar-before.sum /tmp/fsi-tar-mnt.sum
       diff -r --no-dereference "$gen" "${src}"
       stat -c %a "${m.mountpoint}/d2/f2"; readlink "${m.mountpoint}/link"
       wc -l < /tmp/fsi-tar-before.sum
       rm -rf "$gen" "$gen.back"`,
      { timeoutMs: 150_000 },
    );
    const [mode, link, count] = out.trim().split('\n');
    expect(mode).toBe('600');
    expect(link).toBe('d1/f1');
    expect(Number(count)).toBe(3000);
  });

  it('runs git init, commit and fsck', async () => {
    const out = await shOk(
      `set -e; cd "${m.mountpoint}" && mkdir repo && cd repo
       git init -q . && git config user.email t@example.com && git config user.name t
       for i in $(seq 1 40); do echo "line $i" > "file$i.txt"; done
       git add -A && git commit -qm first && echo more >> file1.txt && git commit -qam second
       git gc -q && git fsck --strict --full 2>&1 && git log --oneline | wc -l`,
      { timeoutMs: 60_000 },
    );
    expect(out.trim().split('\n').pop()).toBe('2');
  });

  it('keeps an sqlite database intact (integrity_check)', async () => {
    const out = await shOk(
      `set -e; db="${m.mountpoint}/test.db"
       sqlite3 "$db" 'PRAGMA journal_mode=WAL; CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);' >/dev/null
       for i in $(seq 1 20); do sqlite3 "$db" "BEGIN; $(for j in $(seq 1 50); do echo "INSERT INTO t(v) VALUES (hex(randomblob(64)));"; done) COMMIT;"; done
       sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
       sqlite3 "$db" 'PRAGMA integrity_check; SELECT count(*) FROM t;'`,
      { timeoutMs: 60_000 },
    );
    expect(out.trim().split('\n')).toEqual(['ok', '1000']);
  });

  it('passes fio with crc32c verification', async () => {
    const r = await sh(
      `fio --name=verify --directory="${m.mountpoint}" --size=64m --bs=64k --rw=randwrite --ioengine=psync \
         --verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0 --numjobs=2 --group_reporting --output-format=terse`,
      { timeoutMs: 120_000 },
    );
    expect(r.stderr).not.toMatch(/verify|error/i);
    expect(r.code).toBe(0);
  });
});
