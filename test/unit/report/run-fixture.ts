import { createRecordLayer } from '../../../src/layers/record/record-layer.js';
import { createFakeClock } from '../../../src/vfs/fake-clock.js';
import { FsError } from '../../../src/vfs/errors.js';
import { createStack } from '../../../src/vfs/stack.js';
import type { Layer } from '../../../src/vfs/types.js';
import { createTinyBackend, opCall } from '../telemetry/fixtures.js';

/**
 * Records a small, known run through the real record layer: a sequential writer (pid 100), a
 * random reader (pid 200), directory churn, real ENOENTs (getattr of a vanished file), expected
 * ones (5 negative lookups) and injected EIOs (every 7th write).
 */
export async function recordFixtureRun(path: string): Promise<void> {
  const clock = createFakeClock(1_700_000_000_000);
  let writes = 0;
  const disturb: Layer = {
    name: 'fault',
    async around(c, next) {
      clock.tick(c.op === 'read' ? 0.05 : 0.4);
      if (c.op === 'write' && ++writes % 7 === 0)
        throw new FsError('EIO', 'injected EIO', { injectedBy: 'fault' });
      return next();
    },
  };
  const backend = createTinyBackend();
  const stack = createStack(
    [createRecordLayer({ path, volume: 'data', clock, flushIntervalMs: 0 }), disturb],
    backend,
  );
  const w = { pid: 100, uid: 1000, gid: 1000 };
  const r = { pid: 200, uid: 1000, gid: 1000 };
  await stack.run(opCall('mkdir', { path: '/db', mode: 0o755, umask: 0 }, w));
  const { fh } = await stack.run(
    opCall('create', { path: '/db/table.dat', flags: 1, mode: 0o644, umask: 0 }, w),
  );
  for (let i = 0; i < 64; i++) {
    clock.tick(10);
    const buffer = Buffer.alloc(4096, i);
    await stack
      .run(opCall('write', { path: '/db/table.dat', fh, buffer, offset: i * 4096, flags: 1 }, w))
      .catch(() => undefined);
  }
  for (let i = 0; i < 40; i++) {
    clock.tick(5);
    const offset = ((i * 37) % 64) * 4096;
    await stack.run(
      opCall(
        'read',
        { path: '/db/table.dat', fh, buffer: Buffer.alloc(4096), offset, flags: 0 },
        r,
      ),
    );
    await stack.run(opCall('getattr', { path: '/db/missing' }, r)).catch(() => undefined);
  }
  for (let i = 0; i < 5; i++) {
    await stack.run(opCall('lookup', { path: '/db/nothing' }, r)).catch(() => undefined);
  }
  await stack.run(opCall('release', { path: '/db/table.dat', fh, flags: 1 }, w));
  const evil = '/<script>alert(1)</script>';
  const e = await stack.run(opCall('create', { path: evil, flags: 1, mode: 0o644, umask: 0 }, w));
  await stack.run(
    opCall('write', { path: evil, fh: e.fh, buffer: Buffer.alloc(10), offset: 0, flags: 1 }, w),
  );
  await stack.run(opCall('release', { path: evil, fh: e.fh, flags: 1 }, w));
  await stack.close();
}
