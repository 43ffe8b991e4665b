/**
 * The CLI's commands: the table of what runs each one, help, and how a failure becomes an exit
 * code. src/cli/main.ts only calls runCli.
 */
import { createLogger } from '../log/logger.js';
import type { CommandSpec } from './command-table.js';
import { COMMANDS, findCommand } from './command-table.js';
import { VERSION, renderCommandHelp, renderHelp } from './help.js';
import { parseCommand, wantsHelp } from './parse-command.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './usage-error.js';

type Run = (spec: CommandSpec, argv: string[]) => Promise<number> | number;

const role: Run = async (spec, argv) => {
  noArguments(spec, argv);
  return (await import('./roles.js')).runRole(spec.name as 'webhook' | 'csi' | 'sidecar');
};

/**
 * Each subcommand is loaded when it is asked for, so a local mount does not carry the webhook,
 * CSI and sidecar code (tens of MiB of resident memory).
 */
const RUN: Readonly<Record<string, Run>> = {
  mount: async (_, argv) =>
    (await import('./run-mount.js')).runMountCommand(argv, { createLogger }),
  ctl: async (_, argv) => (await import('./ctl-command.js')).runCtlCommand(argv),
  ls: async (spec, argv) =>
    (await import('./ls-command.js')).runLsCommand(parseCommand(spec, argv)),
  umount: async (spec, argv) =>
    (await import('./umount-command.js')).runUmountCommand(parseCommand(spec, argv)),
  validate: async (spec, argv) =>
    (await import('./validate-command.js')).runValidateCommand(parseCommand(spec, argv)),
  layers: async (spec, argv) =>
    (await import('./layers-command.js')).runLayersCommand(parseCommand(spec, argv)),
  report: async (spec, argv) =>
    (await import('./report-command.js')).runReportCommand(parseCommand(spec, argv)),
  completion: async (spec, argv) =>
    (await import('./completion-command.js')).runCompletionCommand(parseCommand(spec, argv)),
  webhook: role,
  csi: role,
  sidecar: role,
  help: (_, argv) => help(argv[0]),
  version: (spec, argv) => {
    noArguments(spec, argv);
    process.stdout.write(`${VERSION}\n`);
    return EXIT_OK;
  },
};

function noArguments(spec: CommandSpec, argv: string[]): void {
  const p = parseCommand(spec, argv);
  if (p.positionals.length > 0) throw new UsageError(`${spec.name} takes no arguments`, spec.name);
}

function help(command: string | undefined): number {
  if (command === undefined) {
    process.stdout.write(renderHelp());
    return EXIT_OK;
  }
  const spec = findCommand(command);
  if (spec === undefined) throw unknownCommand(command);
  process.stdout.write(renderCommandHelp(spec));
  return EXIT_OK;
}

const unknownCommand = (command: string): UsageError =>
  new UsageError(
    `unknown command ${JSON.stringify(command)}; accepted: ${COMMANDS.map((c) => c.name).join(', ')}`,
  );

export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    process.stderr.write(renderHelp());
    return EXIT_USAGE;
  }
  if (command === '-h' || command === '--help') return help(undefined);
  if (command === '-V' || command === '--version') return RUN.version!(findCommand('version')!, []);
  const spec = findCommand(command);
  if (spec === undefined) throw unknownCommand(command);
  // Per-command help before the command parses anything (mount and ctl included).
  if (spec.name !== 'help' && wantsHelp(rest)) {
    process.stdout.write(renderCommandHelp(spec));
    return EXIT_OK;
  }
  const run = RUN[spec.name];
  if (run === undefined) throw new Error(`command ${spec.name} is in the table but has no runner`);
  return run(spec, rest);
}

/** The exit code of a command that threw, after saying why on stderr. */
export function failureExit(err: unknown): number {
  const e = err as Error & { code?: string; command?: string };
  if (e instanceof UsageError || e?.code === 'ELOGOPTION') {
    const hint =
      e.command === undefined ? 'fs-interposer --help' : `fs-interposer ${e.command} --help`;
    process.stderr.write(`fs-interposer: ${e.message}\n(see \`${hint}\`)\n`);
    return EXIT_USAGE;
  }
  // Not a usage problem we foresaw: the stack is what a bug report needs.
  process.stderr.write(`fs-interposer: ${e?.stack ?? String(err)}\n`);
  return EXIT_FAILURE;
}

