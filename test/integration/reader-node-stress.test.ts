import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { createLayerRig, py } from './layers-rig.js';
import { directIoCount, mountCounted } from './reader-served-rig.js';

/**
 * The reader threads making nodes (src/fuse/session/direct-new-node.ts) beside everything else
 * that makes, moves and drops nodes, on a real mount, in each cache policy: processes walking
 * the tree with stat (LOOKUPs: the readers' nodes), listing it with attributes (READDIRPLUS: the
 * main thread's nodes for the same names), renaming and rewriting files, creating and removing
 * others, while the kernel forgets every node twice a second. Every answer must be right: no
 * ESTALE, no file with another file's content, no missing name that was never removed, and the
 * server answers to the end.
 */
jest.setTimeout(180_000);

const rig = createLayerRig();
afterEach(() => rig.cleanup());

const DIRS = 12;
const FILES = 40;
const SECONDS = 8;

const STRESS = (m: string): string => `import os, json, time, errno, multiprocessing as mp
M = '${m}'
DIRS, FILES, END = ${DIRS}, ${FILES}, time.time() + ${SECONDS}
def content(d, f): return 'd%d f%d\\n' % (d, f)
def walker(q):
    bad = []
    while time.time() < END:
        for d in range(DIRS):
            for f in range(FILES):
                p = '%s/d%d/f%d' % (M, d, f)
                try:
                    if os.stat(p).st_size != len(content(d, f)): bad.append('size ' + p)
                    if f % 7 == 0 and open(p).read() != content(d, f): bad.append('data ' + p)
                except OSError as e: bad.append('%s %s' % (errno.errorcode[e.errno], p))
    q.put(bad[:20])
def lister(q):
    bad = []
    while time.time() < END:
        for d in range(DIRS):
            try:
                for e in os.scandir('%s/d%d' % (M, d)):
                    e.stat()
            except OSError as e: bad.append('%s d%d' % (errno.errorcode[e.errno], d))
    q.put(bad[:20])
def mover(q):
    bad, n = [], 0
    while time.time() < END:
        a, b = '%s/moves/a' % M, '%s/moves/b' % M
        try:
            with open(a, 'w') as f: f.write('gen %d\\n' % n)
            os.rename(a, b)
            if open(b).read() != 'gen %d\\n' % n: bad.append('moved data %d' % n)
            os.unlink(b)
            if os.path.exists(b): bad.append('still there %d' % n)
        except OSError as e: bad.append('%s move %d' % (errno.errorcode[e.errno], n))
        n += 1
    q.put(bad[:20])
def churner(q):
    bad, n = [], 0
    while time.time() < END:
        p = '%s/churn/c%d' % (M, n % 50)
        try:
            with open(p, 'w') as f: f.write('c %d\\n' % n)
            if os.stat(p).st_size != len('c %d\\n' % n): bad.append('churn size %d' % n)
            if n % 3 == 0: os.unlink(p)
        except OSError as e: bad.append('%s churn %d' % (errno.errorcode[e.errno], n))
        n += 1
    q.put(bad[:20])
q = mp.Queue()
ps = [mp.Process(target=t, args=(q,)) for t in (walker, walker, lister, mover, churner)]
for p in ps: p.start()
while time.time() < END:
    time.sleep(0.5)
    with open('/proc/sys/vm/drop_caches', 'w') as f: f.write('2')
bad = sum((q.get() for _ in ps), [])
for p in ps: p.join()
print(json.dumps({'bad': bad, 'alive': os.path.exists(M + '/d0/f0')}))`;

describe('reader-made nodes under concurrent changes (real mount)', () => {
  it.each([[[]], [['-o', 'exclusive']]])(
    'walks, listings, renames, churn and forgets (%p): every answer right',
    async (args) => {
      const t = await mountCounted(rig, [], 1, args as string[]);
      for (let d = 0; d < DIRS; d++) {
        mkdirSync(join(t.src, `d${d}`));
        for (let f = 0; f < FILES; f++)
          writeFileSync(join(t.src, `d${d}`, `f${f}`), `d${d} f${f}\n`);
      }
      mkdirSync(join(t.src, 'moves'));
      mkdirSync(join(t.src, 'churn'));
      const out = await py<{ bad: string[]; alive: boolean }>(STRESS(t.m.mountpoint), {
        timeoutMs: (SECONDS + 60) * 1000,
      });
      expect(out).toEqual({ bad: [], alive: true });
      expect(await directIoCount(t.m.mountpoint, 'nodesMade')).toBeGreaterThan(DIRS * FILES);
    },
  );
});
