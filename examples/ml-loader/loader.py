"""A data loader in the style of a PyTorch Dataset + DataLoader (thread workers), without torch.

  loader.py gen DIR N SEED          synthetic dataset: N sample files + probe files
  loader.py epoch DIR WORKERS SEED  one shuffled pass over the samples; prints JSON
  loader.py probe-lat DIR           1 reader, 4 KiB files: the per-request latency; prints JSON
  loader.py probe-bw FILE WORKERS   parallel 1 MiB preads of one big file: the steady rate; JSON
"""
import json
import os
import random
import sys
import time
import zlib
from concurrent.futures import ThreadPoolExecutor

MIB = 1 << 20


def gen(root, n, seed):
    rng = random.Random(seed)
    os.makedirs(f"{root}/samples", exist_ok=True)
    os.makedirs(f"{root}/probe", exist_ok=True)
    total = 0
    for i in range(n):
        # Image-like sizes: lognormal around 48 KiB, clamped to 4 KiB .. 512 KiB.
        size = int(min(512 << 10, max(4 << 10, rng.lognormvariate(10.8, 0.7))))
        with open(f"{root}/samples/{i:06d}.bin", "wb") as f:
            f.write(rng.randbytes(size))
        total += size
    for i in range(100):
        with open(f"{root}/probe/small-{i:03d}.bin", "wb") as f:
            f.write(rng.randbytes(4096))
    return {"files": n, "bytes": total}


def load(path):
    t0 = time.perf_counter()
    with open(path, "rb") as f:
        data = f.read()
    zlib.crc32(data)  # stands in for decoding: touches every byte
    return len(data), time.perf_counter() - t0


def epoch(root, workers, seed):
    files = sorted(os.listdir(f"{root}/samples"))
    random.Random(seed).shuffle(files)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        res = list(pool.map(load, (f"{root}/samples/{f}" for f in files)))
    dt = time.perf_counter() - t0
    lat = sorted(r[1] for r in res)
    nbytes = sum(r[0] for r in res)
    return {"workers": workers, "files": len(res), "bytes": nbytes, "seconds": dt,
            "mb_per_s": nbytes / dt / 1e6, "files_per_s": len(res) / dt,
            "p50_ms": lat[len(lat) // 2] * 1e3, "p95_ms": lat[int(len(lat) * 0.95)] * 1e3}


def probe_lat(root):
    names = sorted(os.listdir(f"{root}/probe"))
    lat = sorted(load(f"{root}/probe/{n}")[1] for n in names if n.startswith("small-"))
    return {"files": len(lat), "p50_ms": lat[len(lat) // 2] * 1e3,
            "min_ms": lat[0] * 1e3, "p95_ms": lat[int(len(lat) * 0.95)] * 1e3}


def probe_bw(path, workers):
    size = os.path.getsize(path)
    fd = os.open(path, os.O_RDONLY)
    t0 = time.perf_counter()

    def chunk(i):
        n = len(os.pread(fd, MIB, i * MIB))
        return time.perf_counter() - t0, n

    with ThreadPoolExecutor(workers) as pool:
        done = sorted(pool.map(chunk, range((size + MIB - 1) // MIB)))
    os.close(fd)
    end = done[-1][0]
    return {"bytes": size, "seconds": end, "mb_per_s_overall": size / end / 1e6}

def main(argv):
    cmd = argv[1]
    if cmd == "gen":
        out = gen(argv[2], int(argv[3]), int(argv[4]))
    elif cmd == "epoch":
        out = epoch(argv[2], int(argv[3]), int(argv[4]))
    elif cmd == "probe-lat":
        out = probe_lat(argv[2])
    elif cmd == "probe-bw":
        out = probe_bw(argv[2], int(argv[3]))
    else:
        raise SystemExit(__doc__)
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv)
