import { afterEach, describe, expect, it } from '@jest/globals';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../src/log/logger.js';
import type { LoggerOptions } from '../../../src/log/logger.js';
import { resolveLogFormat, resolveLogLevel } from '../../../src/log/log-options.js';
import { formatText } from '../../../src/log/text-format.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Log through a real file descriptor (not a terminal) and return what was written. */
function capture(o: LoggerOptions, log: (l: ReturnType<typeof createLogger>) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'fsi-log-'));
  dirs.push(dir);
  const file = join(dir, 'log');
  const fd = openSync(file, 'w');
  try {
    log(createLogger({ env: {}, ...o, destination: fd }));
  } finally {
    closeSync(fd);
  }
  return readFileSync(file, 'utf8');
}

describe('createLogger', () => {
  it('writes JSON lines with string levels, ISO times and one value per key', () => {
    const out = capture({}, (l) =>
      l.child({ component: 'stack' }).child({ component: 'layers' }).info({ n: 1 }, 'built'),
    );
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.match(/"component"/g)).toHaveLength(1);
    const rec = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(rec).toMatchObject({ level: 'info', component: 'layers', n: 1, msg: 'built' });
    expect(rec.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('writes human-readable lines with --log-format text, without colour off a terminal', () => {
    const out = capture({ format: 'text' }, (l) =>
      l.child({ component: 'mount' }).warn({ mountpoint: '/mnt/a b' }, 'busy'),
    );
    expect(out).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN  mount: busy {2}mountpoint="\/mnt\/a b"\n$/);
  });

  it('auto is JSON when the destination is not a terminal', () => {
    expect(capture({ format: 'auto' }, (l) => l.info('x'))).toMatch(/^\{"level":"info"/);
  });

  it('honours FS_INTERPOSER_LOG_LEVEL, and a flag wins over it', () => {
    const env = { FS_INTERPOSER_LOG_LEVEL: 'warn' };
    const quiet = capture({ env }, (l) => {
      l.info('hidden');
      l.warn('shown');
    });
    expect(quiet).not.toContain('hidden');
    expect(quiet).toContain('shown');
    expect(capture({ env, level: 'debug' }, (l) => l.debug('dbg'))).toContain('dbg');
  });

  it('redacts credentials', () => {
    expect(capture({}, (l) => l.info({ token: 's3cret' }, 'x'))).not.toContain('s3cret');
  });
});

describe('log options', () => {
  it.each([
    [undefined, {}, 'info'],
    [undefined, { FS_INTERPOSER_LOG_LEVEL: 'debug' }, 'debug'],
    ['warn', { FS_INTERPOSER_LOG_LEVEL: 'debug' }, 'warn'],
    ['ERROR', {}, 'error'],
  ])('level flag %s with env %j is %s', (flag, env, level) => {
    expect(resolveLogLevel(flag, env)).toBe(level);
  });

  it('refuses an unknown level naming the accepted ones and where it came from', () => {
    expect(() => resolveLogLevel('verbose', {})).toThrow(
      '--log-level "verbose" is not accepted; accepted: trace, debug, info, warn, error, fatal, silent',
    );
    expect(() => resolveLogLevel(undefined, { FS_INTERPOSER_LOG_LEVEL: 'loud' })).toThrow(
      /^FS_INTERPOSER_LOG_LEVEL "loud" is not accepted/,
    );
    expect(() => resolveLogFormat('pretty', {})).toThrow(/accepted: auto, json, text$/);
  });

  it('format: flag, then FS_INTERPOSER_LOG_FORMAT, then auto', () => {
    expect(resolveLogFormat(undefined, {})).toBe('auto');
    expect(resolveLogFormat(undefined, { FS_INTERPOSER_LOG_FORMAT: 'text' })).toBe('text');
    expect(resolveLogFormat('json', { FS_INTERPOSER_LOG_FORMAT: 'text' })).toBe('json');
  });
});

describe('formatText', () => {
  const time = '2026-01-02T03:04:05.006Z';

  it('leads with time, level, component and message; other fields follow as key=value', () => {
    const line = formatText(
      {
        level: 'info',
        time,
        pid: 1,
        hostname: 'h',
        name: 'n',
        component: 'c',
        msg: 'hello',
        a: 1,
        b: 'x y',
        c: { d: [1] },
      },
      { colour: false },
    );
    expect(line.replace(/^\d\d:\d\d:\d\d\.\d{3}/, 'T')).toBe(
      'T INFO  c: hello  a=1 b="x y" c={"d":[1]}',
    );
  });

  it('puts the stack of an error on the lines after it', () => {
    const err = { type: 'Error', message: 'boom', stack: 'Error: boom\n    at f (x.js:1:1)' };
    const text = formatText({ level: 'error', time, msg: 'failed', err }, { colour: false });
    expect(text.split('\n')).toEqual([
      expect.stringMatching(/ERROR failed {2}err=boom$/),
      '    at f (x.js:1:1)',
    ]);
  });

  it('colours the level only when asked', () => {
    expect(formatText({ level: 'error', time, msg: 'm' }, { colour: true })).toContain(
      '\x1b[31mERROR',
    );
    expect(formatText({ level: 'error', time, msg: 'm' }, { colour: false })).not.toContain('\x1b');
  });
});
