import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { controlSocketPath } from '../../src/control/socket-path.js';
import { CLI, startMount, tempDir } from '../helpers/mount.js';
import type { MountHandle } from '../helpers/mount.js';
import { sh } from '../helpers/sh.js';

jest.setTimeout(60_000);

const cli = (args: string, env: NodeJS.ProcessEnv = {}) =>
  sh(`exec node "${CLI}" ${args}`, { env, timeoutMs: 20_000 });

const EXIT_CODES = /Exit status: 0 success, 1 runtime failure .*2 usage error/s;

describe('help: per command, exit 0, with the exit codes', () => {
  it.each(['mount', 'ctl', 'report', 'layers', 'webhook'])('%s --help', async (command) => {
    const r = await cli(`${command} --help`);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(new RegExp(`^Usage: fs-interposer ${command}`));
    expect(r.stdout).toMatch(EXIT_CODES);
  });

  it('help mount = mount --help; mount -h lists every option with its variable', async () => {
    const [a, b, c] = await Promise.all([cli('help mount'), cli('mount --help'), cli('mount -h')]);
    expect(a.stdout).toBe(b.stdout);
    expect(c.stdout).toBe(b.stdout);
    for (const o of [
      '--layers',
      '--config',
      '-o OPT',
      '--metrics-port',
      '--record',
      '--log-level',
      '--log-format',
    ]) {
      expect(b.stdout).toContain(o);
    }
    expect(b.stdout).toContain('(env FS_INTERPOSER_LAYERS)');
  });

  it('ctl --help names bypass and its old word kill', async () => {
    expect((await cli('ctl --help')).stdout).toMatch(/bypass, kill +drop every layer/);
  });

  it('--help lists the commands and says how to get the help of one', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Run `fs-interposer <command> --help`');
    expect(r.stdout).toMatch(EXIT_CODES);
  });

  it('no command at all: the usage on stderr, exit 2', async () => {
    const r = await cli('');
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toMatch(/^Usage: fs-interposer/);
  });
});

describe('usage errors: exit 2, on stderr, naming the thing and what is accepted', () => {
  it.each([
    ['layers --bogus', 'unknown option --bogus; accepted: --json, -h/--help'],
    ['report --bogus x', 'unknown option --bogus; accepted: -o/--output, --title, -h/--help'],
    ['report run.jsonl', 'report needs -o REPORT.html'],
    ['mount --layers', 'option --layers needs a value (SPEC)'],
    ['frobnicate', 'unknown command "frobnicate"; accepted: mount, ctl'],
    ['ctl', 'ctl needs a MOUNTPOINT and a COMMAND'],
    [
      'ctl /tmp frob',
      'unknown control command "frob"; accepted: status, set-layers, set-config, bypass|kill, powerloss',
    ],
    ['ctl /tmp set-config /nonexistent/x.yaml', 'set-config /nonexistent/x.yaml: no such file'],
    ['webhook extra', 'webhook takes no arguments'],
  ])('%s', async (args, message) => {
    const r = await cli(args);
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('a missing --config file is named, with the fix', async () => {
    const mnt = tempDir('usage-mnt');
    const r = await cli(`mount --config ./no-such-config.yaml memory: "${mnt}"`);
    rmSync(mnt, { recursive: true, force: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--config ./no-such-config.yaml: no such file: check the path');
    expect(r.stderr).toContain('(ENOENT)');
  });
});

describe('ctl: answers as JSON on stdout, failures explained on stderr', () => {
  let m: MountHandle;
  beforeAll(async () => {
    m = await startMount({ source: 'memory:', args: ['--layers', 'latency=1ms'] });
  });
  afterAll(async () => {
    expect(await m?.stop()).toBe(0);
  });

  it('no mount at the path: exit 1, stderr says what to check, stdout empty', async () => {
    const dir = tempDir('usage-nomount');
    const r = await cli(`ctl "${dir}" status`);
    rmSync(dir, { recursive: true, force: true });
    expect([r.code, r.stdout]).toEqual([1, '']);
    expect(r.stderr).toMatch(/no mount is served at .*is `fs-interposer mount` running\?/);
  });

  it('an invalid live configuration: exit 2, every error on stderr, stdout empty', async () => {
    const r = await cli(`ctl "${m.mountpoint}" set-layers 'latency=fast,quota=100m'`);
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toContain('invalid configuration: the current stack stays');
    expect(r.stderr).toContain("bad latency 'fast' (at token 1 ('latency=fast'), column 1)");
    expect(r.stderr).toContain('milli suffix');
  });

  it('a request the server cannot carry out: exit 1 on stderr', async () => {
    const r = await cli(`ctl "${m.mountpoint}" powerloss drop`);
    expect([r.code, r.stdout]).toEqual([1, '']);
    expect(r.stderr).toContain('fs-interposer ctl: no powerloss layer in the current stack');
  });

  it('bypass drops every layer; kill still works', async () => {
    const r = await cli(`ctl "${m.mountpoint}" bypass`);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ layers: [], killed: true });
    const again = await cli(`ctl "${m.mountpoint}" kill`);
    expect(again.code).toBe(0);
  });

  it('--socket without a mount point', async () => {
    const r = await cli(`ctl --socket "${controlSocketPath(m.mountpoint)}" status`);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ mountpoint: m.mountpoint });
  });
});

describe('a usage error leaves nothing behind', () => {
  it('mount with a bad option does not mount', async () => {
    const mnt = tempDir('usage-bad');
    writeFileSync(join(mnt, 'marker'), '');
    const r = await cli(`mount -o bogus memory: "${mnt}"`);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('-o bogus: unknown option; accepted: ro, rw');
    rmSync(mnt, { recursive: true, force: true });
  });
});
