import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import type { CommandSpec, OptionSpec } from './command-table.js';
import { UsageError } from './usage-error.js';

export interface ParsedCommand {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

const flag = (o: OptionSpec): string => (o.name.length === 1 ? `-${o.name}` : `--${o.name}`);

function parseConfig(spec: CommandSpec): NonNullable<ParseArgsConfig['options']> {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const o of spec.options) {
    options[o.name] = {
      type: o.value === undefined ? 'boolean' : 'string',
      ...(o.short !== undefined && { short: o.short }),
      ...(o.multiple === true && { multiple: true }),
    };
  }
  return options;
}

function accepted(spec: CommandSpec): string {
  const names = [
    ...spec.options.map((o) =>
      o.short !== undefined && o.short !== o.name ? `-${o.short}/${flag(o)}` : flag(o),
    ),
    '-h/--help',
  ];
  return names.join(', ');
}

/** Node's parseArgs messages, said in our words: what was wrong, what is accepted. */
function describe(spec: CommandSpec, err: NodeJS.ErrnoException): string {
  const option = /'(-[^']*)'/.exec(err.message)?.[1] ?? '';
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option}; accepted: ${accepted(spec)}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const name = option.replace(/^-+/, '').split(/[ ,]/)[0] ?? '';
      const o = spec.options.find((x) => x.name === name || x.short === name);
      return o?.value === undefined
        ? `option ${option} takes no value`
        : `option ${flag(o)} needs a value (${o.value})`;
    }
    default:
      return err.message;
  }
}

/** `--help` or `-h` anywhere before `--`: the command's help, whatever else is wrong. */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  const before = end < 0 ? argv : argv.slice(0, end);
  return before.includes('--help') || before.includes('-h');
}

/** Strict arguments of one command: an option it does not take is a usage error naming the ones it does. */
export function parseCommand(spec: CommandSpec, argv: readonly string[]): ParsedCommand {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: parseConfig(spec),
      allowPositionals: true,
      strict: true,
    });
    return { values, positionals };
  } catch (err) {
    throw new UsageError(describe(spec, err as NodeJS.ErrnoException), spec.name);
  }
}
