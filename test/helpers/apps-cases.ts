import { expect } from '@jest/globals';
import type { AppMount } from './apps.js';
import { LINK_GROUPS, MAKE_PROJECT } from './apps-scripts.js';

/**
 * The application cases, each one bash script run as the mount's client and a check of its
 * output. The same cases run on a mount served by root (apps.test.ts) and on one served by an
 * unprivileged user through fusermount3 (apps-unprivileged.test.ts). Besides what each
 * application reports, the backing directory is read directly where that shows the data really
 * reached it.
 */
export interface AppCase {
  readonly title: string;
  readonly prefix: string;
  readonly timeoutMs: number;
  script(a: Pick<AppMount, 'mnt' | 'src'>): string;
  check(out: string): void;
}

const FIO_JOB = `--name=mmapverify --size=24m --bs=4k --rw=randwrite --ioengine=mmap --verify=crc32c \\
  --verify_fatal=1 --verify_state_save=0 --numjobs=2 --group_reporting --output-format=terse`;

export const APP_CASES: readonly AppCase[] = [
  {
    title: 'SQLite in WAL mode: four concurrent writer processes and a reader, integrity_check ok',
    prefix: 'sqlite',
    timeoutMs: 150_000,
    script: (
      a,
    ) => `set -euo pipefail; db="${a.mnt}/w.db"; tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
         sqlite3 "$db" 'PRAGMA journal_mode=WAL; CREATE TABLE t(id INTEGER PRIMARY KEY, w INT, i INT, v BLOB);' >/dev/null
         for w in 1 2 3 4; do
           { echo '.timeout 60000'
             for i in $(seq 1 30); do echo "BEGIN IMMEDIATE;"
               for j in $(seq 1 10); do echo "INSERT INTO t(w, i, v) VALUES ($w, $i, randomblob(300));"; done
               echo "COMMIT;"; done; } > "$tmp/w$w.sql"
         done
         pids=""; for w in 1 2 3 4; do sqlite3 -bail "$db" < "$tmp/w$w.sql" & pids="$pids $!"; done
         # A reader in the meantime: counts seen through the shared WAL index never go backwards.
         last=0; reads=0
         while kill -0 $pids 2>/dev/null; do
           c=$(sqlite3 -cmd '.timeout 60000' "$db" 'SELECT count(*) FROM t;')
           [ "$c" -ge "$last" ] || { echo "count went back from $last to $c"; exit 1; }
           last=$c; reads=$((reads + 1)); sleep 0.1
         done
         for p in $pids; do wait "$p"; done
         sqlite3 "$db" 'PRAGMA journal_mode; PRAGMA integrity_check; SELECT count(*), count(DISTINCT w * 1000 + i) FROM t;'
         sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
         sqlite3 "${a.src}/w.db" 'PRAGMA integrity_check; SELECT count(*) FROM t;' | sed 's/^/backing /'
         echo "reads $reads"`,
    check(out) {
      const lines = out.trim().split('\n');
      expect(lines.slice(0, 3)).toEqual(['wal', 'ok', '1200|120']);
      expect(lines.slice(3, 5)).toEqual(['backing ok', 'backing 1200']);
      expect(Number(lines[5]?.split(' ')[1])).toBeGreaterThan(0);
    },
  },
  {
    title: 'git: history, gc --aggressive, fsck --strict, clone back out',
    prefix: 'git',
    timeoutMs: 150_000,
    script: (a) => `set -euo pipefail; out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
         export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
         git init -q -b main "${a.mnt}/r"; cd "${a.mnt}/r"
         { for i in $(seq 1 300); do
             echo "commit refs/heads/main"; echo "mark :$i"; echo "committer t <t@example.com> $((1700000000 + i)) +0000"
             echo "data 4"; printf 'c%03d' $((i % 1000)); echo
             [ "$i" -gt 1 ] && echo "from :$((i - 1))"
             body="$i $(head -c 600 /dev/urandom | base64 -w0)"; echo "M 644 inline d$((i % 7))/f$((i % 41)).txt"
             echo "data \${#body}"; echo "$body"
           done; } | git fast-import --quiet
         git checkout -q main && git checkout -q -b topic
         for i in 1 2 3 4 5; do echo "topic $i" >> d1/topic.txt; git add -A; git commit -qm "topic $i"; done
         git checkout -q main; echo change >> d2/f2.txt; git commit -qam main-change
         git merge -q --no-edit topic; git tag -a v1 -m v1
         git gc -q --aggressive --prune=now
         git fsck --strict --full --no-progress 2>&1
         git count-objects -v | grep -E '^(count|packs):' | tr '\\n' ' '; echo
         git clone -q --no-local "${a.mnt}/r" "$out/c" && cd "$out/c" && git fsck --strict --full --no-progress 2>&1
         [ "$(git rev-parse HEAD^{tree})" = "$(git -C "${a.mnt}/r" rev-parse HEAD^{tree})" ] && echo "same tree"
         git rev-list --count HEAD`,
    check(out) {
      expect(out.trim().split('\n')).toEqual(['count: 0 packs: 1 ', 'same tree', '307']);
    },
  },
  {
    title: 'rsync -aH round trip keeps hard links, inode numbers and everything else',
    prefix: 'rsync',
    timeoutMs: 120_000,
    script: (a) => `set -euo pipefail; ${LINK_GROUPS}
         gen=$(mktemp -d); back=$(mktemp -d); trap 'rm -rf "$gen" "$back"' EXIT
         mkdir -p "$gen/a/b" "$gen/c" "$gen/empty"
         for i in $(seq 1 60); do head -c $((i * 997)) /dev/urandom > "$gen/a/f$i"; done
         ln "$gen/a/f1" "$gen/a/b/f1-link"; ln "$gen/a/f1" "$gen/c/f1-link2"; ln "$gen/a/f2" "$gen/c/f2-link"
         ln -s ../a/f3 "$gen/c/sym"; mkfifo "$gen/c/fifo"; chmod 640 "$gen/a/f4"; chmod 4755 "$gen/a/f5"
         touch -d '2001-02-03 04:05:06.123456789' "$gen/a/f6"
         rsync -aH "$gen/" "${a.mnt}/copy/"
         rsync -aH "${a.mnt}/copy/" "$back/"
         echo "second pass: [$(rsync -aHi --dry-run "$gen/" "${a.mnt}/copy/")]"
         echo "checksum pass: [$(rsync -aHic --dry-run "$gen/" "${a.mnt}/copy/")]"
         echo "back pass: [$(rsync -aHic --dry-run "$gen/" "$back/")]"
         for d in "$gen" "${a.mnt}/copy" "${a.src}/copy" "$back"; do link_groups "$d" | md5sum; done | uniq | wc -l
         link_groups "${a.mnt}/copy"
         [ "$(stat -c %i "${a.mnt}/copy/a/f1")" = "$(stat -c %i "${a.src}/copy/a/f1")" ] && echo "backing inode"
         stat -c '%h %a %y' "${a.mnt}/copy/a/f1" "${a.mnt}/copy/a/f4" "${a.mnt}/copy/a/f5" "${a.mnt}/copy/a/f6"`,
    check(out) {
      const lines = out.trim().split('\n');
      expect(lines.slice(0, 4)).toEqual([
        'second pass: []',
        'checksum pass: []',
        'back pass: []',
        '1',
      ]);
      expect(lines.slice(4, 6)).toEqual(['a/b/f1-link a/f1 c/f1-link2', 'a/f2 c/f2-link']);
      expect(lines[6]).toBe('backing inode');
      const modes = lines.slice(7).map((l) => l.split(' ').slice(0, 2).join(' '));
      expect(modes).toEqual(['3 644', '1 640', '1 4755', '1 644']);
      expect(lines[10]).toContain('2001-02-03 04:05:06.123456789');
    },
  },
  {
    title:
      'make -j2 builds a C project, is up to date after, and rebuilds only what a header change touches',
    prefix: 'make',
    timeoutMs: 150_000,
    script: (a) => `set -euo pipefail; ${MAKE_PROJECT}
         make_project "${a.mnt}/proj"; cd "${a.mnt}/proj"
         make -j2 2>&1 | grep -c '^cc -c'
         ./app
         make -q && echo "up to date"
         sleep 0.01; touch util.h
         make -j2 2>&1 | grep -c '^cc -c'
         make -q && echo "up to date"`,
    check(out) {
      expect(out.trim().split('\n')).toEqual(['25', 'sum 300', 'up to date', '13', 'up to date']);
    },
  },
  {
    title: 'fio with ioengine=mmap verifies, and the backing files verify too',
    prefix: 'fio',
    timeoutMs: 180_000,
    // Then the same job (same seeds) in verify-only mode straight on the backing files: the
    // writes made through shared mappings reached them.
    script: (a) => `set -uo pipefail; err=$(mktemp)
      fio ${FIO_JOB} --directory="${a.mnt}" --do_verify=1 --end_fsync=1 >/dev/null 2>"$err"; echo "mount $?"
      fio ${FIO_JOB} --directory="${a.src}" --verify_only=1 >/dev/null 2>>"$err"; echo "backing $?"
      cat "$err" >&2; echo "complaints $(grep -ciE 'verify|error' "$err")"; rm -f "$err"`,
    check(out) {
      expect(out.trim().split('\n')).toEqual(['mount 0', 'backing 0', 'complaints 0']);
    },
  },
];
