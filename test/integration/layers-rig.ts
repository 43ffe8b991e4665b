import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { forceUnmount, startMount, tempDir } from '../helpers/mount.js';
import type { MountHandle } from '../helpers/mount.js';
import { sh } from '../helpers/sh.js';

/**
 * One mount per test with a file-form layer stack (JSON), served from a child process; every
 * probe of the mount runs in another child (python3 or bash) with a hard timeout, so a hung
 * mount hangs a killable process, never the jest worker.
 */
export interface LayerMount {
  m: MountHandle;
  src: string;
  /** A directory of this test's own, outside the mount (decision logs, scratch files). */
  dir: string;
}

export function createLayerRig(): {
  mount(
    layers: unknown[],
    o?: {
      seed?: number;
      decisionLog?: boolean;
      /** More top-level fields of the stack file (e.g. replay). */
      extra?: Record<string, unknown>;
      prepare?: (src: string) => void;
      args?: string[];
    },
  ): Promise<LayerMount>;
  cleanup(): void;
} {
  const undo: (() => void)[] = [];
  return {
    async mount(layers, o = {}) {
      const src = tempDir('src');
      const dir = tempDir('rig');
      undo.push(() => {
        rmSync(src, { recursive: true, force: true });
        rmSync(dir, { recursive: true, force: true });
      });
      o.prepare?.(src);
      const config = {
        apiVersion: 'fs-interposer/v1',
        kind: 'LayerStack',
        seed: o.seed ?? 1,
        ...(o.decisionLog === true && { decisionLog: { path: join(dir, 'decisions.jsonl') } }),
        ...o.extra,
        layers,
      };
      const cfg = join(dir, 'stack.json');
      writeFileSync(cfg, JSON.stringify(config));
      const m = await startMount({ source: src, args: ['--config', cfg, ...(o.args ?? [])] });
      undo.push(() => {
        forceUnmount(m.mountpoint);
        m.child.kill('SIGKILL');
      });
      return { m, src, dir };
    },
    cleanup() {
      while (undo.length) undo.pop()!();
    },
  };
}

/** Run a python3 program (stdin) in a child; its stdout is parsed as JSON. */
export async function py<T>(program: string, o: { timeoutMs?: number } = {}): Promise<T> {
  const r = await sh(`python3 - <<'PY'\n${program}\nPY`, { timeoutMs: o.timeoutMs ?? 60_000 });
  if (r.code !== 0) throw new Error(`python failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
  return JSON.parse(r.stdout) as T;
}

/** Python that calls fn() and prints its result, or the errno name it raised: {"ok": v} | {"err": "ENOSPC"}. */
export const PY_PRELUDE = `import os, json, errno, time, mmap
def attempt(fn):
    try:
        return {"ok": fn()}
    except OSError as e:
        return {"err": errno.errorcode[e.errno]}
`;

export interface Decision {
  layer: string;
  op: string;
  path: string;
  n: number;
  decision: string;
  value: unknown;
}

export const sorted = (v: readonly number[]): number[] => [...v].sort((a, b) => a - b);

/** The q-quantile (0..1) of a sorted sample, nearest rank. */
export const quantile = (s: readonly number[], q: number): number =>
  s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
