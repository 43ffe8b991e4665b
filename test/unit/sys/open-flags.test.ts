import { describe, expect, it } from '@jest/globals';
import { constants as fsc, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openFlagsFor, SUPPORTED_ARCHES } from '../../../src/sys/open-flags.js';
import type { OpenFlags } from '../../../src/sys/open-flags.js';
import * as constants from '../../../src/sys/constants.js';

// From include/uapi/asm-generic/fcntl.h (x86-64) and arch/arm64/include/uapi/asm/fcntl.h.
const KERNEL: Record<string, OpenFlags> = {
  x64: {
    O_DIRECT: 0x4000,
    O_LARGEFILE: 0x8000,
    O_DIRECTORY: 0x10000,
    O_NOFOLLOW: 0x20000,
    O_CLOEXEC: 0x80000,
    O_PATH: 0x200000,
  },
  arm64: {
    O_DIRECTORY: 0x4000,
    O_NOFOLLOW: 0x8000,
    O_DIRECT: 0x10000,
    O_LARGEFILE: 0x20000,
    O_CLOEXEC: 0x80000,
    O_PATH: 0x200000,
  },
};

const SRC = join(import.meta.dirname, '../../../src');
const TABLE_FILE = join('sys', 'open-flags.ts');
const ARCH_FLAG_NAMES = Object.keys(KERNEL['x64'] ?? {});

function sourceFiles(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const path = join(rel, e.name);
    if (e.isDirectory()) return sourceFiles(dir, path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

describe('open flags per architecture', () => {
  it.each(Object.entries(KERNEL))('%s has the kernel header values', (arch, expected) => {
    expect(openFlagsFor(arch)).toEqual(expected);
  });

  it.each(SUPPORTED_ARCHES)('%s gives every flag its own bit', (arch) => {
    const values = Object.values(openFlagsFor(arch));
    expect(new Set(values).size).toBe(values.length);
    for (const v of values) expect(v & (v - 1)).toBe(0);
  });

  it('agrees with Node on the architecture it runs on', () => {
    const here = openFlagsFor(process.arch);
    expect(here.O_DIRECTORY).toBe(fsc.O_DIRECTORY);
    expect(here.O_NOFOLLOW).toBe(fsc.O_NOFOLLOW);
    expect(here.O_DIRECT).toBe(fsc.O_DIRECT);
    expect(constants.O_PATH).toBe(here.O_PATH);
    expect(constants.O_CLOEXEC).toBe(here.O_CLOEXEC);
  });

  it('refuses an unknown architecture, naming the supported ones', () => {
    expect(() => openFlagsFor('s390x')).toThrow(/'s390x'.*supported: x64, arm64/);
  });

  it('is the only place in src/ that spells out an architecture-dependent flag', () => {
    const assignment = new RegExp(`\\b(${ARCH_FLAG_NAMES.join('|')})\\s*[:=]\\s*0[xo]?[0-9a-f]+`);
    const offenders = sourceFiles(SRC)
      .filter((f) => f !== TABLE_FILE)
      .filter((f) => assignment.test(readFileSync(join(SRC, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
