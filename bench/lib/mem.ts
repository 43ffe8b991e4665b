import { readFileSync, readdirSync } from 'node:fs';

/**
 * A process's memory as the kernel counts it, MiB. `rss` (VmRSS) counts every resident page,
 * shared ones included: most of a Node process's (the node binary's text, ~37 MiB) is shared with
 * every other Node process of the container and in the page cache once. `anon` (RssAnon) is its
 * own. `pss` divides each shared page among its users: the sum over processes is what they take
 * together, which is what a container's memory request is about.
 */
export interface ProcMem {
  rss: number;
  anon: number;
  file: number;
  pss: number;
}

const kib = (text: string, key: string): number => {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) / 1024 : Number.NaN;
};

export function procMem(pid: number): ProcMem {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  return {
    rss: kib(status, 'VmRSS'),
    anon: kib(status, 'RssAnon'),
    file: kib(status, 'RssFile'),
    pss: kib(rollup, 'Pss'),
  };
}

/** The element-wise maximum (a peak over samples). */
export const maxMem = (a: ProcMem, b: ProcMem): ProcMem => ({
  rss: Math.max(a.rss, b.rss),
  anon: Math.max(a.anon, b.anon),
  file: Math.max(a.file, b.file),
  pss: Math.max(a.pss, b.pss),
});

/** Idle again after a load: two looks of the idle trim (src/sys/idle-heap-trim.ts, 10 s apart) and some slack. */
export const AFTER_MS = 25_000;

export const ZERO: ProcMem = { rss: 0, anon: 0, file: 0, pss: 0 };

export const sumMem = (list: readonly ProcMem[]): ProcMem =>
  list.reduce(
    (s, m) => ({
      rss: s.rss + m.rss,
      anon: s.anon + m.anon,
      file: s.file + m.file,
      pss: s.pss + m.pss,
    }),
    ZERO,
  );

/** Direct children of `pid` (every thread's list). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
    if (text !== '') out.push(...text.split(/\s+/).map(Number));
  }
  return out;
}

export const fmtMem = (m: ProcMem): string =>
  [m.rss, m.anon, m.pss].map((v) => v.toFixed(1)).join(' | ');
