import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MOUNT_OPTIONS } from '../../../src/cli/command-table.js';
import { parseMountArgs } from '../../../src/cli/mount-args.js';
import { mountOptionsFromEnv } from '../../../src/cli/mount-env.js';
import { listMounts } from '../../../src/fuse/index.js';
import { listRunningMounts } from '../../../src/cli/running-mounts.js';
import type { ControlRequest, ControlResponse } from '../../../src/control/commands.js';
import { controlSocketPath } from '../../../src/control/socket-path.js';

const args = (argv: string[], env: Record<string, string>) => {
  const r = parseMountArgs([...argv, 'memory:', '/mnt/x'], env);
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.value;
};
const errors = (argv: string[], env: Record<string, string>) => {
  const r = parseMountArgs([...argv, 'memory:', '/mnt/x'], env);
  return r.ok ? [] : r.errors;
};

describe('mount options from the environment (FS_INTERPOSER_<OPTION>)', () => {
  it('every option is settable from its variable', () => {
    const a = args([], {
      FS_INTERPOSER_LAYERS: 'trace',
      FS_INTERPOSER_OPTIONS: 'ro,readers=3',
      FS_INTERPOSER_METRICS_PORT: '9464',
      FS_INTERPOSER_METRICS_SOCKET: '/run/m.sock',
      FS_INTERPOSER_RECORD: '/tmp/r.jsonl',
      FS_INTERPOSER_LOG_LEVEL: 'warn',
      FS_INTERPOSER_LOG_FORMAT: 'json',
    });
    expect(a).toMatchObject({
      layers: 'trace',
      readOnly: true,
      readers: 3,
      metricsPort: 9464,
      metricsSocket: '/run/m.sock',
      record: '/tmp/r.jsonl',
      logLevel: 'warn',
      logFormat: 'json',
    });
    expect(args([], { FS_INTERPOSER_CONFIG: '/etc/stack.yaml' }).configFile).toBe(
      '/etc/stack.yaml',
    );
    expect(
      args([], { FS_INTERPOSER_METRICS_HOST: '0.0.0.0', FS_INTERPOSER_VOLUME_NAME: 'data' }),
    ).toMatchObject({
      metricsHost: '0.0.0.0',
      volumeName: 'data',
    });
    expect(errors([], { FS_INTERPOSER_VOLUME_NAME: '/x' })).toEqual([
      expect.stringMatching(/^FS_INTERPOSER_VOLUME_NAME: expected /),
    ]);
  });

  it('every option has a variable, and docs/cli.md names each', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../../docs/cli.md'), 'utf8');
    for (const o of MOUNT_OPTIONS) {
      const name = o.name === 'o' ? 'options' : o.name;
      expect([o.name, o.env]).toEqual([
        o.name,
        `FS_INTERPOSER_${name.replaceAll('-', '_').toUpperCase()}`,
      ]);
      expect([o.env, doc.includes(`| \`${o.env}\` |`)]).toEqual([o.env, true]);
    }
  });

  it('a flag wins over its variable; -o flags apply after FS_INTERPOSER_OPTIONS', () => {
    const env = {
      FS_INTERPOSER_LAYERS: 'trace',
      FS_INTERPOSER_OPTIONS: 'ro,readers=3',
      FS_INTERPOSER_LOG_LEVEL: 'warn',
    };
    expect(args(['--layers', 'metrics', '-o', 'rw', '--log-level', 'debug'], env)).toMatchObject({
      layers: 'metrics',
      readOnly: false,
      readers: 3,
      logLevel: 'debug',
    });
  });

  it('--layers or --config on the command line replaces both stack variables', () => {
    const env = { FS_INTERPOSER_LAYERS: 'trace', FS_INTERPOSER_CONFIG: '/etc/stack.yaml' };
    const a = args(['--config', '/tmp/mine.yaml'], env);
    expect([a.layers, a.configFile]).toEqual(['', '/tmp/mine.yaml']);
    const b = args(['--layers', 'metrics'], env);
    expect([b.layers, b.configFile]).toEqual(['metrics', undefined]);
  });

  it('an empty variable is unset', () => {
    expect(
      args([], { FS_INTERPOSER_LAYERS: '', FS_INTERPOSER_METRICS_PORT: '' }).metricsPort,
    ).toBeUndefined();
  });

  it('a bad value names the variable it came from', () => {
    expect(errors([], { FS_INTERPOSER_METRICS_PORT: 'x' })).toEqual([
      'FS_INTERPOSER_METRICS_PORT: expected a port 0..65535, got "x"',
    ]);
    expect(errors([], { FS_INTERPOSER_OPTIONS: 'bogus' })).toEqual([
      expect.stringMatching(/^FS_INTERPOSER_OPTIONS bogus: unknown option; accepted: ro, rw/),
    ]);
    expect(errors(['-o', 'readers=99'], {})).toEqual([
      '-o readers: expected a number from 1 to 16, got "99"',
    ]);
  });

  it('mountOptionsFromEnv says where each value came from', () => {
    const m = mountOptionsFromEnv(
      { o: ['rw'] },
      { FS_INTERPOSER_OPTIONS: 'ro', FS_INTERPOSER_RECORD: '/r' },
    );
    expect(m.get('o')).toEqual([
      { value: 'ro', from: 'FS_INTERPOSER_OPTIONS' },
      { value: 'rw', from: '-o' },
    ]);
    expect(m.get('record')).toEqual([{ value: '/r', from: 'FS_INTERPOSER_RECORD' }]);
  });
});

const MOUNTINFO = [
  '22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw',
  '45 22 0:40 / /mnt/a\\040b rw,nosuid,nodev - fuse.fs-interposer /srv/data rw,user_id=0,group_id=0,default_permissions,allow_other',
  '46 22 0:41 / /mnt/user rw,nosuid,nodev - fuse.fs-interposer memory: rw,user_id=1000,group_id=1000,default_permissions',
  '47 22 0:42 / /mnt/hung rw,nosuid,nodev - fuse.fs-interposer /srv/h rw,user_id=0,group_id=0',
  '48 22 0:43 / /mnt/other rw - fuse.sshfs host:/ rw,user_id=0,group_id=0',
].join('\n');

describe('running mounts (fs-interposer ls)', () => {
  it('reads the source and the superblock options of the mount table', () => {
    expect(listMounts(MOUNTINFO)[1]).toEqual({
      mountpoint: '/mnt/a b',
      device: '0:40',
      fsType: 'fuse.fs-interposer',
      source: '/srv/data',
      superOptions: 'rw,user_id=0,group_id=0,default_permissions,allow_other',
    });
  });

  it('asks each of our mounts for its status at the socket of the user who serves it', async () => {
    const env = {};
    const asked: string[] = [];
    const send = (socket: string, req: ControlRequest): Promise<ControlResponse> => {
      asked.push(socket);
      expect(req).toEqual({ command: 'status' });
      if (socket === controlSocketPath('/mnt/a b', env, 0)) {
        return Promise.resolve({ ok: true, result: { pid: 42, layers: ['trace', 'latency'] } });
      }
      if (socket === controlSocketPath('/mnt/hung', env, 0))
        return Promise.reject(new Error('no answer within 2000 ms'));
      return Promise.reject(Object.assign(new Error('connect ENOENT'), { code: 'ENOENT' }));
    };
    const rows = await listRunningMounts({ mounts: listMounts(MOUNTINFO), send, env });
    expect(rows).toEqual([
      {
        mountpoint: '/mnt/a b',
        source: '/srv/data',
        uid: 0,
        pid: 42,
        layers: ['trace', 'latency'],
        socket: controlSocketPath('/mnt/a b', env, 0),
        state: 'serving',
      },
      {
        mountpoint: '/mnt/user',
        source: 'memory:',
        uid: 1000,
        socket: controlSocketPath('/mnt/user', env, 1000),
        state: 'no control socket',
      },
      {
        mountpoint: '/mnt/hung',
        source: '/srv/h',
        uid: 0,
        socket: controlSocketPath('/mnt/hung', env, 0),
        state: 'not answering',
      },
    ]);
    expect(controlSocketPath('/mnt/user', env, 1000)).toMatch(
      /fs-interposer-1000\/ctl-[0-9a-f]{16}\.sock$/,
    );
    expect(asked).toHaveLength(3);
  });
});
