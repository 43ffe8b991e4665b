import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { CLI, forceUnmount, startMount, tempDir } from '../helpers/mount.js';
import { sh } from '../helpers/sh.js';

jest.setTimeout(60_000);

const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

function mountpoint(): string {
  const mnt = tempDir('logs-mnt');
  cleanup.push(() => {
    forceUnmount(mnt);
    rmSync(mnt, { recursive: true, force: true });
  });
  return mnt;
}

const ANSI = /\x1b\[[0-9;]*m/g;

/**
 * `fs-interposer mount` on a pseudo-terminal (util-linux `script` gives the child one), stopped
 * with SIGTERM once it serves: everything the terminal showed, colour codes removed.
 */
async function onTerminal(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; out: string }> {
  const mnt = mountpoint();
  const cmd = ['exec', process.execPath, CLI, 'mount', ...args, 'memory:', mnt]
    .map((a) => `'${a}'`)
    .join(' ');
  const child = spawn('script', ['-qec', cmd, '/dev/null'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '', ...env },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  cleanup.push(() => child.kill('SIGKILL'));
  const deadline = Date.now() + 30_000;
  let pid: RegExpExecArray | null = null;
  while (
    (pid = /serving .* \(pid (\d+)\)/.exec(out)) === null &&
    Date.now() < deadline &&
    child.exitCode === null
  ) {
    await new Promise((r) => setTimeout(r, 25));
  }
  if (pid === null) throw new Error(`the mount did not come up:\n${out}`);
  process.kill(Number(pid[1]), 'SIGTERM');
  const code = await exited;
  return { code, out: out.replace(ANSI, '').replaceAll('\r', '') };
}

describe('logs a person reads on a terminal, JSON lines through a pipe', () => {
  it('on a terminal: human-readable lines, no JSON', async () => {
    const { code, out } = await onTerminal(['--layers', 'trace']);
    expect(code).toBe(0);
    const lines = out.split('\n').filter(Boolean);
    expect(lines.filter((l) => l.startsWith('{'))).toEqual([]);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^\d\d:\d\d:\d\d\.\d{3} INFO  layers: layer stack built {2}.*layers=\["trace"\]/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3} INFO  mount: mounted {2}mountpoint=\//),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/ INFO  mount: unmounting .*reason=SIGTERM/),
    );
  });

  it('on a terminal with --log-format json: JSON lines', async () => {
    const { out } = await onTerminal(['--log-format', 'json']);
    const json = out.split('\n').filter((l) => l.startsWith('{'));
    expect(json.length).toBeGreaterThan(0);
    expect(JSON.parse(json[0]!)).toMatchObject({ level: 'info' });
  });

  it('through a pipe: JSON lines with string levels, ISO times and no repeated key', async () => {
    const m = await startMount({
      source: 'memory:',
      mountpoint: mountpoint(),
      args: ['--layers', 'trace,metrics'],
    });
    expect(await m.stop()).toBe(0);
    const lines = m.logs().split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) {
      const rec = JSON.parse(line) as Record<string, unknown>;
      // A repeated key (nested child loggers each binding `component`) would not survive this.
      expect(JSON.stringify(rec)).toBe(line);
      expect(line.match(/"component":/g)?.length ?? 0).toBeLessThanOrEqual(1);
      expect(rec.level).toMatch(/^(trace|debug|info|warn|error|fatal)$/);
      expect(rec.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(
      expect.arrayContaining(['layer stack built', 'mounted']),
    );
  });

  it('honours FS_INTERPOSER_LOG_LEVEL (mount no longer overrides it); --log-level wins', async () => {
    const quiet = await startMount({
      source: 'memory:',
      mountpoint: mountpoint(),
      env: { FS_INTERPOSER_LOG_LEVEL: 'warn' },
    });
    expect(await quiet.stop()).toBe(0);
    expect(quiet.logs()).toBe('');
    const loud = await startMount({
      source: 'memory:',
      mountpoint: mountpoint(),
      args: ['--log-level', 'info'],
      env: { FS_INTERPOSER_LOG_LEVEL: 'warn' },
    });
    expect(await loud.stop()).toBe(0);
    expect(loud.logs()).toContain('"msg":"mounted"');
  });

  it.each([
    [
      ['--log-level', 'verbose'],
      {},
      '--log-level "verbose" is not accepted; accepted: trace, debug, info, warn, error, fatal, silent',
    ],
    [
      [],
      { FS_INTERPOSER_LOG_LEVEL: 'verbose' },
      'FS_INTERPOSER_LOG_LEVEL "verbose" is not accepted; accepted: trace, debug',
    ],
    [
      ['--log-format', 'pretty'],
      {},
      '--log-format "pretty" is not accepted; accepted: auto, json, text',
    ],
  ])('%j %j: exit 2 naming the accepted values, no stack trace', async (args, env, message) => {
    const r = await sh(`exec node "${CLI}" mount ${args.join(' ')} memory: "${mountpoint()}"`, {
      env,
      timeoutMs: 20_000,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});
