import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { isUtf8 } from 'node:buffer';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordLine } from '../../src/layers/record/record-format.js';
import { loadRun } from '../../src/report/load-run.js';
import { startOtlpReceiver } from '../helpers/otlp/receiver.js';
import type { OtlpReceiver } from '../helpers/otlp/receiver.js';
import type { DecodedSpan } from '../helpers/otlp/trace-decode.js';
import { bytesClient, hexOf } from '../helpers/bytes-client.js';
import { CLI, forceUnmount, startMount, tempDir } from '../helpers/mount.js';
import { shOk } from '../helpers/sh.js';

jest.setTimeout(90_000);

/**
 * What people and tools read about names that are not UTF-8 (docs/adr/0075), through a real
 * mount with `--layers trace --record`: the record shows `\xNN` and keeps the exact bytes, the
 * report keeps `y\x80` and `y\x81` apart, spans carry `\xNN` (OTLP strings are UTF-8), and
 * nothing anywhere turns a byte into U+FFFD.
 */
const src = tempDir('names-rec-src');
const work = tempDir('names-rec-work');
const run = join(work, 'run.jsonl');
let receiver: OtlpReceiver;
let spans: readonly DecodedSpan[] = [];

/** Text an output file holds: valid UTF-8, never U+FFFD. */
function text(path: string): string {
  const raw = readFileSync(path);
  expect(isUtf8(raw)).toBe(true);
  const s = raw.toString('utf8');
  expect(s).not.toContain('\uFFFD');
  return s;
}

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  const mount = await startMount({
    source: src,
    args: ['--layers', 'trace', '--record', run],
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '200' },
  });
  try {
    const r = await bytesClient(mount.mountpoint, [
      ['write', hexOf('y', 0x80), 'first'],
      ['write', hexOf('y', 0x81), 'second, longer'],
      ['rename', hexOf('y', 0x81), hexOf('z', 0xff)],
    ]);
    expect(r).toEqual([{ ok: null }, { ok: null }, { ok: null }]);
    expect(await mount.stop()).toBe(0);
  } finally {
    forceUnmount(mount.mountpoint);
  }
  spans = await receiver.waitForSpans(4, 15_000);
});

afterAll(async () => {
  await receiver?.close();
  rmSync(src, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('record, report and traces of names that are not UTF-8, through a real mount', () => {
  it('the record shows \\xNN and carries the exact bytes of path and rename target', () => {
    const lines = text(run)
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => JSON.parse(l) as RecordLine);
    const writes = lines.filter((l) => l.op === 'write');
    expect(new Set(writes.map((l) => l.path))).toEqual(new Set(['/y\\x80', '/y\\x81']));
    const w81 = writes.find((l) => l.path === '/y\\x81')!;
    expect(Buffer.from(w81.pathBytes!, 'base64').toString('hex')).toBe(hexOf('/y', 0x81));
    const rename = lines.find((l) => l.op === 'rename')!;
    expect(rename.to).toBe('/z\\xff');
    expect(Buffer.from(rename.toBytes!, 'base64').toString('hex')).toBe(hexOf('/z', 0xff));
  });

  it('the report keeps the two files apart, with their own byte counts', async () => {
    const out = join(work, 'report.html');
    await shOk(`"${process.execPath}" "${CLI}" report "${run}" -o "${out}"`, { timeoutMs: 30_000 });
    const html = text(out);
    expect(html).toContain('<b>/y\\x80</b>');
    expect(html).toContain('<b>/y\\x81</b>');
    const a = await loadRun([run]);
    expect(a.files.get(`/y${String.fromCharCode(0xdc80)}`)?.written).toBe(5);
    expect(a.files.get(`/y${String.fromCharCode(0xdc81)}`)?.written).toBe(14);
  });

  it('file spans carry the path as \\xNN', () => {
    const paths = spans.filter((s) => s.name === 'file').map((s) => s.attributes['fs.path']);
    expect(paths).toEqual(expect.arrayContaining(['/y\\x80', '/y\\x81']));
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain('\uFFFD');
  });
});
