import { readFileSync } from 'node:fs';
import type { CommandSpec, OptionSpec } from './command-table.js';
import { COMMANDS, EXIT_CODES } from './command-table.js';
import { FUSE_OPTIONS } from './fuse-options.js';

function packageVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'fs-interposer' && pkg.version) return pkg.version;
    } catch {
      // try the next layout (source tree or dist/)
    }
  }
  return 'unknown';
}

export const VERSION = `fs-interposer ${packageVersion()} (node ${process.version})`;

const column = (left: string, right: string, width: number): string =>
  left.length < width
    ? `  ${left.padEnd(width)}${right}`
    : `  ${left}\n  ${' '.repeat(width)}${right}`;

function optionLine(o: OptionSpec): string {
  const name = o.name.length === 1 ? `-${o.name}` : `--${o.name}`;
  const short = o.short !== undefined && o.short !== o.name ? `-${o.short}, ` : '    ';
  const left = `${o.short === o.name ? '' : short}${name}${o.value === undefined ? '' : ` ${o.value}`}`;
  const env = o.env === undefined ? '' : `\n${' '.repeat(26)}(env ${o.env})`;
  return `${column(left, o.description, 24)}${env}`;
}

/** Words joined into lines of at most `width` columns, each after `indent`. */
function wrap(words: readonly string[], indent: string, width = 100): string {
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line !== '' && indent.length + line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line === '' ? w : `${line} ${w}`;
  }
  if (line !== '') lines.push(line);
  return lines.map((l) => `${indent}${l}`).join('\n');
}

const commandWord = (c: CommandSpec): string => [c.name, ...(c.aliases ?? [])].join(', ');

/** `fs-interposer --help`: every command, one line each. */
export function renderHelp(): string {
  const lines = COMMANDS.map((c) => column(c.name, c.summary, 12));
  return `Usage: fs-interposer <command> [options]

Commands:
${lines.join('\n')}

Run \`fs-interposer <command> --help\` for the options of a command.

${EXIT_CODES}
`;
}

/** `fs-interposer COMMAND --help`: usage, options, verbs, details and exit codes. */
export function renderCommandHelp(c: CommandSpec): string {
  const parts = [
    `Usage: fs-interposer ${c.name} ${c.usage}`.trimEnd(),
    '',
    `${commandWord(c)}: ${c.summary}`,
  ];
  if (c.verbs !== undefined) {
    parts.push('', 'Commands:');
    for (const v of c.verbs) {
      const names = [v.name, ...(v.aliases ?? [])].join(', ');
      parts.push(column(`${names}${v.args === undefined ? '' : ` ${v.args}`}`, v.summary, 26));
    }
  }
  parts.push(
    '',
    'Options:',
    ...c.options.map(optionLine),
    optionLine({ name: 'help', short: 'h', description: 'this text' }),
  );
  if (c.name === 'mount')
    parts.push(
      '',
      'FUSE options (-o):',
      wrap(
        FUSE_OPTIONS.map((o, i) => (i < FUSE_OPTIONS.length - 1 ? `${o},` : o)),
        '  ',
      ),
    );
  if (c.details !== undefined) parts.push('', c.details);
  parts.push('', EXIT_CODES);
  return `${parts.join('\n')}\n`;
}
