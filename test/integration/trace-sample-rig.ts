import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OtlpReceiver } from '../helpers/otlp/receiver.js';
import type { DecodedSpan } from '../helpers/otlp/trace-decode.js';
import { forceUnmount, startMount } from '../helpers/mount.js';
import { freePort, scrape, total } from '../helpers/prometheus.js';
import type { Sample } from '../helpers/prometheus.js';
import { directIoCount, directIoServed } from './reader-served-rig.js';

/** What one measured act on a traced mount produced. */
export interface TracedRun {
  /** Spans exported by the act (after the warm-up's had arrived). */
  spans: readonly DecodedSpan[];
  /** Requests the reader threads answered during the act (`ctl status`). */
  served: number;
  /** Of them, drawn into the sample and told to the layer after their reply (span-ring.ts). */
  drawnServed: number;
  /** Data requests of files the layer records, served and listed for it (span-ring.ts). */
  listedServed: number;
  /** What metrics counted for `op` during the act. */
  ops: number;
}

/**
 * Mount `src` with `layers` (YAML layer lines) as a LayerStack exporting spans to `receiver`
 * every 200 ms, with metrics on a port and `args`; run `warm`, wait until its spans stopped
 * arriving, then measure `act`; stop the mount (its exporter flushes) and return what the act
 * produced. How the reader-path trace tests tell the readers' draws from the main thread's.
 */
export async function traceRun(o: {
  src: string;
  work: string;
  receiver: OtlpReceiver;
  layers: string;
  args: string[];
  op: string;
  warm?: (mnt: string) => Promise<unknown>;
  act: (mnt: string) => Promise<unknown>;
}): Promise<TracedRun> {
  const config = join(o.work, 'stack.yaml');
  writeFileSync(config, `apiVersion: fs-interposer/v1\nkind: LayerStack\nlayers:\n${o.layers}`);
  const port = await freePort();
  const mount = await startMount({
    source: o.src,
    args: ['--config', config, '--metrics-port', String(port), ...o.args],
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: o.receiver.url, OTEL_BSP_SCHEDULE_DELAY: '200' },
  });
  try {
    const m = mount.mountpoint;
    if (o.warm) {
      await o.warm(m);
      // The warm-up's spans are not the ones counted: wait until the last of them arrived
      // (exported every 200 ms: no new one for 800 ms).
      await o.receiver.waitForSpans(1, 15_000);
      for (
        let n = -1, until = Date.now() + 15_000;
        n !== o.receiver.spans.length && Date.now() < until;
      ) {
        n = o.receiver.spans.length;
        await new Promise((r) => setTimeout(r, 800));
      }
    }
    const before = await scrape(port);
    const served0 = await directIoServed(m);
    const drawn0 = await directIoCount(m, 'drawnServed');
    const listed0 = await directIoCount(m, 'listedServed');
    const spans0 = o.receiver.spans.length;
    await o.act(m);
    const served = (await directIoServed(m)) - served0;
    const drawnServed = (await directIoCount(m, 'drawnServed')) - drawn0;
    const listedServed = (await directIoCount(m, 'listedServed')) - listed0;
    const count = (samples: readonly Sample[]): number =>
      total(samples, 'fs_interposer_ops_total', { op: o.op });
    const ops = count(await scrape(port)) - count(before);
    if ((await mount.stop()) !== 0) throw new Error('the traced mount did not stop cleanly');
    await new Promise((r) => setTimeout(r, 500));
    return { spans: o.receiver.spans.slice(spans0), served, drawnServed, listedServed, ops };
  } finally {
    forceUnmount(mount.mountpoint);
  }
}
