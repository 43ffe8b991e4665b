import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLayerRig, py, PY_PRELUDE } from './layers-rig.js';

// The fault layer's triggers and errno choice as the app sees them at the syscall, and the
// latency layer's promise that an interrupted delay ends at once with EINTR.
jest.setTimeout(120_000);

const rig = createLayerRig();
afterEach(() => rig.cleanup());

const file = { prepare: (s: string) => writeFileSync(join(s, 'f'), 'data\n') };

/** errno name (or "ok") of `count` opens of /f in turn. */
const opens = (mnt: string, count: number): Promise<string[]> =>
  py<string[]>(`${PY_PRELUDE}
out = []
for i in range(${count}):
    r = attempt(lambda: os.close(os.open("${mnt}/f", os.O_RDONLY)))
    out.append(r.get("err", "ok"))
print(json.dumps(out))`);

describe('fault triggers through a real mount', () => {
  it('nth with after: the first 2 opens pass, then every 3rd fails with the chosen errno', async () => {
    const { m } = await rig.mount(
      [{ type: 'fault', nth: 3, after: 2, errnos: ['EACCES'], scope: { ops: ['open'] } }],
      file,
    );
    expect(await opens(m.mountpoint, 11)).toEqual([
      'ok',
      'ok',
      'ok',
      'ok',
      'EACCES',
      'ok',
      'ok',
      'EACCES',
      'ok',
      'ok',
      'EACCES',
    ]);
  });

  it('oneShot: a 100% rate fails exactly one open', async () => {
    const { m } = await rig.mount(
      [{ type: 'fault', rate: 100, oneShot: true, errnos: ['EIO'], scope: { ops: ['open'] } }],
      file,
    );
    expect(await opens(m.mountpoint, 5)).toEqual(['EIO', 'ok', 'ok', 'ok', 'ok']);
  });

  it('perOp replaces the realistic set; weights pick among errnos', async () => {
    const { m } = await rig.mount(
      [{ type: 'fault', rate: 100, perOp: { open: { EMFILE: 1 } }, scope: { ops: ['open'] } }],
      file,
    );
    expect(new Set(await opens(m.mountpoint, 5))).toEqual(new Set(['EMFILE']));
    const w = await rig.mount(
      [
        {
          type: 'fault',
          rate: 100,
          errnos: ['ENOENT', 'EACCES'],
          weights: { ENOENT: 0.0001, EACCES: 1000 },
          scope: { ops: ['open'] },
        },
      ],
      file,
    );
    expect(new Set(await opens(w.m.mountpoint, 5))).toEqual(new Set(['EACCES']));
  });

  it('window without a rate: every call in the down phase fails', async () => {
    // Healthy for the first 1.5 s after the layer starts, then faulty for 60 s.
    const { m } = await rig.mount(
      [
        {
          type: 'fault',
          window: { up: 1500, down: 60_000, offset: 0 },
          errnos: ['EIO'],
          scope: { ops: ['open'] },
        },
      ],
      file,
    );
    const r = await py<{ late: string }>(`${PY_PRELUDE}
def one():
    return attempt(lambda: os.close(os.open("${m.mountpoint}/f", os.O_RDONLY))).get("err", "ok")
time.sleep(2)
print(json.dumps({"late": one()}))`);
    expect(r.late).toBe('EIO');
  });
});

describe('fault: a configuration that can never inject', () => {
  it('is said in the log: errnos realistic for no op in scope', async () => {
    const { m } = await rig.mount([{ type: 'fault', rate: 50, errnos: ['EBADF'] }], file);
    expect(await opens(m.mountpoint, 4)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(m.logs()).toMatch(/none of these errnos is realistic for the ops in scope/);
    expect(m.logs()).toMatch(/"realistic":\["EIO"/);
  });
});

describe('latency: an interrupted delay', () => {
  it('ends at once with EINTR when the app gets a signal; nothing reaches the backend', async () => {
    const { m, src } = await rig.mount([{ type: 'latency', write: { fixed: 20_000 } }]);
    const r = await py<{ result: string; s: number }>(`${PY_PRELUDE}
import signal, threading
class Interrupted(Exception): pass
def on_alarm(*_): raise Interrupted()
signal.signal(signal.SIGALRM, on_alarm)
fd = os.open("${m.mountpoint}/w", os.O_WRONLY | os.O_CREAT, 0o644)
signal.setitimer(signal.ITIMER_REAL, 0.5)
t = time.monotonic()
try:
    os.write(fd, b"never"); result = "written"
except Interrupted: result = "interrupted"
print(json.dumps({"result": result, "s": time.monotonic() - t}))`);
    expect(r.result).toBe('interrupted');
    // Far below the 20 s delay (a liveness bound, not a speed goal).
    expect(r.s).toBeLessThan(15);
    const { statSync } = await import('node:fs');
    expect(statSync(join(src, 'w')).size).toBe(0);
  });
});
