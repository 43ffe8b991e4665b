"""Byte-exact file system client for tests: shells and Node string paths mangle names that are
not UTF-8, Python's bytes paths never do. Reads a JSON list of operations from stdin, each
[op, args...] with every path, name and target as hex, relative to the root given as argv[1]
(hex too). Prints one JSON result per operation: {"ok": value} or {"errno": "ENAME"}.
"""
import errno
import json
import os
import sys

ROOT = bytes.fromhex(sys.argv[1])


def p(h):
    return ROOT + b"/" + bytes.fromhex(h)


def listdir(h):
    return sorted(n.hex() for n in os.listdir(p(h) if h else ROOT))


def write(h, text):
    fd = os.open(p(h), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def read(h):
    with open(p(h), "rb") as f:
        return f.read().decode()


OPS = {
    "write": write,
    "read": read,
    "list": listdir,
    "mkdir": lambda h: os.mkdir(p(h), 0o755),
    "rmdir": lambda h: os.rmdir(p(h)),
    "unlink": lambda h: os.unlink(p(h)),
    "rename": lambda a, b: os.rename(p(a), p(b)),
    "link": lambda a, b: os.link(p(a), p(b)),
    "symlink": lambda target, h: os.symlink(bytes.fromhex(target), p(h)),
    "readlink": lambda h: os.readlink(p(h)).hex(),
    "setxattr": lambda h, name, value: os.setxattr(p(h), bytes.fromhex(name), value.encode()),
    "getxattr": lambda h, name: os.getxattr(p(h), bytes.fromhex(name)).decode(),
    "listxattr": lambda h: sorted(os.fsencode(n).hex() for n in os.listxattr(p(h))),
    "removexattr": lambda h, name: os.removexattr(p(h), bytes.fromhex(name)),
    "size": lambda h: os.lstat(p(h)).st_size,
}

for op, *args in json.load(sys.stdin):
    try:
        print(json.dumps({"ok": OPS[op](*args)}))
    except OSError as e:
        print(json.dumps({"errno": errno.errorcode.get(e.errno, str(e.errno))}))
