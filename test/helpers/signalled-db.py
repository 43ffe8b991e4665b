"""A database's I/O pattern under a storm of signals, against a mount.

usage: signalled-db.py MOUNT NPROC SECONDS

NPROC forked workers write and read back their own 8 KiB blocks of shared relation files
(pwrite, pread, fsync, fdatasync), open and stat names that may not exist, and cycle WAL-like
segments (a temp file created O_EXCL, fsync'ed, renamed over a segment, truncated, unlinked),
while the parent sends SIGUSR1 (a handler that returns: a database's latch) to a random worker
every 3 ms. Every error and every mismatch is printed; the last line is
`workers with errors: N`. A signalled process must see exactly what an unsignalled one sees.
"""
import os, random, signal, struct, sys, time

MNT, NPROC, SECS = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
BS, NFILES, NBLK = 8192, 6, 64


def block(i, b, seq):
    return struct.pack('<III', i, b, seq) * (BS // 12) + b'\0' * (BS % 12)


def relation_round(i, rnd, seq, mine):
    errs = 0
    f = os.path.join(MNT, 'rel%d' % rnd.randrange(NFILES))
    fd = os.open(f, os.O_RDWR | os.O_CREAT, 0o600)
    for _ in range(rnd.randrange(1, 6)):
        b = rnd.randrange(NBLK) * NPROC + i  # each worker owns the blocks b % NPROC == i
        data = block(i, b, seq)
        if os.pwrite(fd, data, b * BS) != BS:
            print('SHORT WRITE', i, f, flush=True); errs += 1
        mine[(f, b)] = data
        if rnd.random() < 0.3:
            (os.fdatasync if rnd.random() < 0.5 else os.fsync)(fd)
    for (ff, b), data in mine.items():
        if ff == f and os.pread(fd, BS, b * BS) != data:
            print('MISMATCH', i, f, b, flush=True); errs += 1
    os.close(fd)
    return errs


def missing_names(i, seq):
    # A LOOKUP that fails on its own: the answer is ENOENT, signal or not.
    for name in ('nofile%d.%d' % (i, seq), 'p%d/nofile' % i):
        try:
            os.stat(os.path.join(MNT, name))
            print('EXISTS', name, flush=True); return 1
        except FileNotFoundError:
            pass
    return 0


def segment_round(i, rnd, seq, d):
    errs = 0
    tmp, seg = os.path.join(d, 'xlogtemp'), os.path.join(d, 'seg%d' % (seq % 4))
    fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    blob = os.urandom(256 * 1024)
    os.pwrite(fd, blob, 0); os.fsync(fd); os.close(fd)
    os.rename(tmp, seg)
    fd = os.open(seg, os.O_RDWR)
    if os.pread(fd, len(blob) + 10, 0) != blob:
        print('SEGMENT MISMATCH', i, seg, flush=True); errs += 1
    os.ftruncate(fd, 4096); os.fdatasync(fd)
    if os.fstat(fd).st_size != 4096 or os.pread(fd, 8192, 0) != blob[:4096]:
        print('TRUNCATE', i, seg, flush=True); errs += 1
    os.close(fd)
    if rnd.random() < 0.5:
        os.unlink(seg)
    return errs


def worker(i):
    signal.signal(signal.SIGUSR1, lambda *a: None)
    rnd, seq, errs, mine = random.Random(i), 0, 0, {}
    d = os.path.join(MNT, 'p%d' % i)
    os.makedirs(d, exist_ok=True)
    end = time.time() + SECS
    while time.time() < end:
        seq += 1
        try:
            errs += relation_round(i, rnd, seq, mine)
            errs += missing_names(i, seq)
            if rnd.random() < 0.2:
                errs += segment_round(i, rnd, seq, d)
        except OSError as e:
            print('ERROR', i, type(e).__name__, e, flush=True); errs += 1
            try:
                os.unlink(os.path.join(d, 'xlogtemp'))
            except OSError:
                pass
    return errs


pids = []
for i in range(NPROC):
    p = os.fork()
    if p == 0:
        os._exit(1 if worker(i) else 0)
    pids.append(p)
end = time.time() + SECS
while time.time() < end:
    time.sleep(0.003)
    try:
        os.kill(random.choice(pids), signal.SIGUSR1)
    except ProcessLookupError:
        pass
bad = 0
for p in pids:
    _, st = os.waitpid(p, 0)
    bad += os.WEXITSTATUS(st) != 0
print('workers with errors: %d' % bad, flush=True)
