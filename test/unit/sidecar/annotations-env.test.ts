import { describe, expect, it } from '@jest/globals';
import { layerSpecFor, parseAnnotationsFile } from '../../../src/sidecar/annotations.js';
import { parseSidecarEnv } from '../../../src/sidecar/env.js';

describe('downward API annotations file', () => {
  it.each([
    ['a="b"', 'a', 'b'],
    ['fs-interposer/layers="trace,latency=10ms"', 'fs-interposer/layers', 'trace,latency=10ms'],
    ['k="line1\\nline2 \\"q\\""', 'k', 'line1\nline2 "q"'],
    ['k="\\x41\\U0001F600"', 'k', 'A\u{1F600}'],
    ['k=unquoted', 'k', 'unquoted'],
  ])('parses %s', (line, key, value) => {
    expect(parseAnnotationsFile(`other="x"\n${line}\n`).get(key)).toBe(value);
  });

  it('prefers the per-volume override', () => {
    const a = parseAnnotationsFile(
      'fs-interposer/layers="trace"\nfs-interposer/layers.data="fault=EIO@1%"',
    );
    expect(layerSpecFor(a, 'data')).toBe('fault=EIO@1%');
    expect(layerSpecFor(a, 'logs')).toBe('trace');
    expect(layerSpecFor(new Map(), 'logs')).toBeUndefined();
  });
});

describe('sidecar environment', () => {
  const base = {
    FS_INTERPOSER_VOLUMES: 'data, logs',
    FS_INTERPOSER_HANDOFF_DIR: '/run/fs-interposer',
    FS_INTERPOSER_PODINFO_DIR: '/etc/fs-interposer/podinfo',
    FS_INTERPOSER_SOURCE_ROOT: '/var/lib/fs-interposer/volumes',
  };
  it('parses the webhook-provided environment with defaults', () => {
    expect(parseSidecarEnv(base)).toMatchObject({
      volumes: ['data', 'logs'],
      nativeSidecar: false,
      graceMs: 25_000,
    });
    expect(parseSidecarEnv({ ...base, FS_INTERPOSER_SIDECAR_KIND: 'native' }).nativeSidecar).toBe(
      true,
    );
  });
  it('lists every problem at once', () => {
    expect(() =>
      parseSidecarEnv({ FS_INTERPOSER_SIDECAR_KIND: 'x', FS_INTERPOSER_GRACE_SECONDS: '-1' }),
    ).toThrow(
      /native or regular[\s\S]*FS_INTERPOSER_VOLUMES is required[\s\S]*FS_INTERPOSER_HANDOFF_DIR[\s\S]*GRACE_SECONDS/,
    );
  });
});
