import { describe, expect, it } from '@jest/globals';
import { COMMANDS, findCommand } from '../../../src/cli/command-table.js';
import { describeFileError, fileProblem } from '../../../src/cli/file-errors.js';
import { renderCommandHelp, renderHelp } from '../../../src/cli/help.js';
import { parseMountArgs } from '../../../src/cli/mount-args.js';
import { parseCommand, wantsHelp } from '../../../src/cli/parse-command.js';
import { UsageError } from '../../../src/cli/usage-error.js';

const spec = (name: string) => findCommand(name)!;

const usageMessage = (name: string, argv: string[]): string => {
  try {
    parseCommand(spec(name), argv);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('no usage error');
};

describe('parseCommand (strict, from the command table)', () => {
  it('takes the options of the command', () => {
    expect(parseCommand(spec('report'), ['run.jsonl', '-o', 'r.html', '--title', 'T'])).toEqual({
      values: { output: 'r.html', title: 'T' },
      positionals: ['run.jsonl'],
    });
    expect(parseCommand(spec('layers'), ['--json']).values).toEqual({ json: true });
  });

  it.each([
    ['layers', ['--bogus'], 'unknown option --bogus; accepted: --json, -h/--help'],
    ['layers', ['-x'], 'unknown option -x; accepted: --json, -h/--help'],
    ['layers', ['--json=yes'], 'option --json takes no value'],
    ['report', ['--output'], 'option --output needs a value (FILE)'],
    ['mount', ['--layers'], 'option --layers needs a value (SPEC)'],
  ])('%s %j: %s', (name, argv, message) => {
    expect(usageMessage(name, argv)).toBe(message);
  });

  it('--help and -h count only before --', () => {
    expect(wantsHelp(['x', '--help'])).toBe(true);
    expect(wantsHelp(['-h'])).toBe(true);
    expect(wantsHelp(['--', '--help'])).toBe(false);
  });
});

describe('help texts from the table', () => {
  it('the overview names every command and the exit codes', () => {
    const text = renderHelp();
    for (const c of COMMANDS) expect(text).toContain(`  ${c.name} `);
    expect(text).toContain('Exit status: 0 success, 1 runtime failure');
  });

  it.each(COMMANDS.map((c) => c.name))('%s --help shows its usage and every option', (name) => {
    const c = spec(name);
    const text = renderCommandHelp(c);
    expect(text.startsWith(`Usage: fs-interposer ${name}`)).toBe(true);
    for (const o of c.options)
      expect(text).toContain(o.name.length === 1 ? `-${o.name}` : `--${o.name}`);
    for (const o of c.options) if (o.env !== undefined) expect(text).toContain(o.env);
    expect(text).toContain('2 usage error');
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });
});

describe('mount arguments', () => {
  it('an unknown option is refused with the accepted ones', () => {
    const r = parseMountArgs(['--bogus', 'memory:', '/mnt'], {});
    expect(r.ok ? [] : r.errors).toEqual([
      expect.stringMatching(/^unknown option --bogus; accepted: -l\/--layers, -c\/--config, -o, /),
    ]);
  });

  it('a bad log level names the accepted levels', () => {
    const r = parseMountArgs(['--log-level', 'verbose', 'memory:', '/mnt'], {});
    expect(r.ok ? [] : r.errors).toEqual([
      '--log-level "verbose" is not accepted; accepted: trace, debug, info, warn, error, fatal, silent',
    ]);
  });
});

describe('file errors name the problem and the fix', () => {
  const err = (code: string, path?: string): NodeJS.ErrnoException =>
    Object.assign(new Error(`${code}: raw`), { code, ...(path !== undefined && { path }) });

  it.each([
    ['ENOENT', /^no such file: check the path .* \(ENOENT\)$/],
    ['EACCES', /^permission denied: .* \(EACCES\)$/],
    ['EISDIR', /^is a directory: give the path of a file \(EISDIR\)$/],
  ])('%s', (code, message) => {
    expect(fileProblem(err(code))).toMatch(message);
  });

  it('with the path when the error carries one; an unknown code keeps its message', () => {
    expect(describeFileError(err('ENOENT', '/x/run.jsonl'))).toMatch(
      /^\/x\/run\.jsonl: no such file/,
    );
    expect(describeFileError(err('EWEIRD'))).toBe('EWEIRD: raw');
  });
});
