import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fio } from './fio.js';
import { sh } from './sh.js';
import { mulberry32 } from '../../test/helpers/prng.js';

/**
 * The shared data every system reads: one large file for sequential and random reads and a tree
 * of small files (deterministic sizes, so runs on different machines read the same bytes), plus a
 * tarball of that tree for `tar x`. Made once, natively, and kept between runs.
 */
export interface Dataset {
  data: string;
  tarball: string;
  treeEntries: number;
}

function makeTree(root: string, files: number): void {
  // Deterministic: the tree must be the same on every run.
  const rand = mulberry32(5);
  const perDir = 50;
  for (let i = 0; i < files; i++) {
    const dir = join(root, `d${Math.floor(i / perDir) % 10}`, `e${Math.floor(i / perDir)}`);
    if (i % perDir === 0) mkdirSync(dir, { recursive: true });
    // Mostly small files (median ~4 KiB), a few up to 64 KiB, as in source trees.
    const size = Math.floor(rand() ** 3 * 64 * 1024);
    writeFileSync(join(dir, `f${i}.txt`), Buffer.alloc(size, i % 251));
  }
}

function countEntries(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    n++;
    if (e.isDirectory()) n += countEntries(join(dir, e.name));
  }
  return n;
}

export async function prepareDataset(o: {
  source: string;
  cache: string;
  seqBytes: number;
  treeFiles: number;
}): Promise<Dataset> {
  const data = join(o.source, 'bench-data');
  mkdirSync(data, { recursive: true });
  mkdirSync(o.cache, { recursive: true });
  const seq = join(data, 'seq.dat');
  if (!existsSync(seq) || statSync(seq).size < o.seqBytes) {
    await fio({ filename: seq, rw: 'write', bs: '1M', size: `${o.seqBytes}`, invalidate: false });
  }
  const tree = join(data, 'tree');
  const marker = join(data, 'tree.done');
  if (!existsSync(marker) || readFileSync(marker, 'utf8') !== String(o.treeFiles)) {
    await sh('rm', ['-rf', tree], { timeoutMs: 300_000 });
    makeTree(tree, o.treeFiles);
    writeFileSync(marker, String(o.treeFiles));
  }
  const tarball = join(o.cache, `tree-${o.treeFiles}.tar`);
  if (!existsSync(tarball)) await sh('tar', ['cf', tarball, '-C', data, 'tree']);
  return { data, tarball, treeEntries: countEntries(tree) + 1 };
}
