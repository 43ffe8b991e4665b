import { describe, expect, it, jest } from '@jest/globals';
import type { Kube } from '../../../src/plugin/kube-exec.js';
import { exitCodeOf } from '../../../src/plugin/kube-exec.js';
import { runPlugin, splitPositionals } from '../../../src/plugin/run.js';
import { resolveTarget } from '../../../src/plugin/target.js';
import type { PodView, Target } from '../../../src/plugin/target.js';
import { planVerb } from '../../../src/plugin/verbs.js';

const pod = (volumes: string[], sidecar = true): PodView => ({
  metadata: { name: 'app', namespace: 'story' },
  spec: {
    containers: [{ name: 'app' }],
    initContainers: sidecar ? [{ name: 'fs-interposer' }] : [],
    volumes: volumes.map((v) => ({
      name: `fsi-${v}`,
      csi: {
        driver: 'csi.fs-interposer.dev',
        volumeAttributes: { 'fs-interposer.dev/source-volume': v },
      },
    })),
  },
});

describe('kubectl fs-interposer: finding the sidecar and the volume', () => {
  it('takes the only interposed volume, or the one named', () => {
    expect(resolveTarget(pod(['data']), {})).toEqual({
      namespace: 'story',
      pod: 'app',
      container: 'fs-interposer',
      volume: 'data',
      socket: '/run/fs-interposer/data.state/ctl.sock',
    });
    expect(resolveTarget(pod(['data', 'logs']), { volume: 'logs' })).toMatchObject({
      volume: 'logs',
    });
  });

  it.each([
    [pod(['data', 'logs']), {}, 'Pod story/app interposes data, logs: choose one with --volume'],
    [
      pod(['data']),
      { volume: 'nope' },
      'Pod story/app has no interposed volume nope; its interposed volumes: data',
    ],
    [pod(['data'], false), {}, 'Pod story/app has no container fs-interposer'],
    [pod([]), {}, 'Pod story/app has no volume served by csi.fs-interposer.dev'],
  ])('names the Pod, container and volumes in its errors (%#)', (p, want, message) => {
    expect(resolveTarget(p, want)).toEqual(expect.stringContaining(message));
  });

  it('maps verbs to control commands; bypass is the kill switch', () => {
    expect(planVerb('bypass', undefined)).toEqual({ ctl: ['kill'] });
    expect(planVerb('set-layers', 'throttle=1MB')).toEqual({ ctl: ['set-layers', 'throttle=1MB'] });
    expect(planVerb('powerloss', 'boom')).toEqual({
      error: 'powerloss needs one of: drop, tear, report',
    });
    expect(planVerb('frobnicate', undefined)).toMatchObject({
      error: expect.stringContaining('accepted: status'),
    });
    expect(splitPositionals(['set-layers', 'metrics', 'app'])).toEqual({
      verb: 'set-layers',
      arg: 'metrics',
      pod: 'app',
    });
    expect(splitPositionals(['status', 'app'])).toEqual({ verb: 'status', pod: 'app' });
  });

  it('reads the exit code from the exec status', () => {
    expect(exitCodeOf({ status: 'Success' })).toBe(0);
    expect(
      exitCodeOf({
        status: 'Failure',
        details: { causes: [{ reason: 'ExitCode', message: '2' }] },
      }),
    ).toBe(2);
    expect(exitCodeOf({ status: 'Failure' })).toBe(1);
  });

  it('runs fs-interposer ctl on the volume socket in the sidecar and passes its answer on', async () => {
    const calls: string[][] = [];
    const kube: Kube = {
      defaultNamespace: () => 'story',
      readPod: () => Promise.resolve(pod(['data'])),
      exec: (_t: Target, command: string[]) => {
        calls.push(command);
        return Promise.resolve({ code: 0, stdout: '{"layers":[]}\n', stderr: '' });
      },
    };
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await runPlugin(['bypass', 'app'], {}, '', kube)).toBe(0);
    } finally {
      out.mockRestore();
    }
    expect(calls).toEqual([
      ['fs-interposer', 'ctl', '--socket', '/run/fs-interposer/data.state/ctl.sock', 'kill'],
    ]);
  });
});
