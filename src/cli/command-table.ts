import { LOG_FORMATS, LOG_LEVELS } from '../log/log-options.js';
import { FUSE_OPTION_NAMES } from './fuse-options.js';

/**
 * Every command and option of the CLI, in one table: the help texts, the strict argument parser
 * and the shell completions are generated from it, so none of them can drift from the others.
 * Kept free of heavy imports: main.ts reads it before any command module is loaded.
 */

/**
 * What a shell offers for a value: a file, a directory, a layer spec (its compact forms, from the
 * schema), one of a list of words (`@dir`: directories too), or a comma-separated list of words.
 */
export type Completion = 'file' | 'dir' | 'spec' | readonly string[] | { list: readonly string[] };

export interface OptionSpec {
  name: string;
  short?: string;
  /** Placeholder of the value; absent for a boolean flag. */
  value?: string;
  multiple?: boolean;
  description: string;
  /** The variable that sets this option when the flag is not given (a flag wins). */
  env?: string;
  complete?: Completion;
}

export interface CommandSpec {
  name: string;
  aliases?: readonly string[];
  /** After `fs-interposer NAME`. */
  usage: string;
  summary: string;
  /** Paragraphs after the options. */
  details?: string;
  options: readonly OptionSpec[];
  /** Positional arguments, in order, for completion. */
  args?: readonly Completion[];
  /** Words of a second level (`ctl MNT status`), with their summary. */
  verbs?: readonly { name: string; aliases?: readonly string[]; args?: string; summary: string }[];
}

export const EXIT_CODES = `Exit status: 0 success, 1 runtime failure (the mount, a control request or a
file operation failed), 2 usage error (bad command, option or configuration; nothing was done).`;

const env = (option: string): string =>
  `FS_INTERPOSER_${option.replaceAll('-', '_').toUpperCase()}`;

export const MOUNT_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'layers',
    short: 'l',
    value: 'SPEC',
    description: "layers, outermost first: 'trace,throttle=5MB,latency=10ms,fault=EIO@1%'",
    env: env('layers'),
    complete: 'spec',
  },
  {
    name: 'config',
    short: 'c',
    value: 'FILE',
    description: 'layer configuration file (YAML or JSON, apiVersion fs-interposer/v1)',
    env: env('config'),
    complete: 'file',
  },
  {
    name: 'o',
    short: 'o',
    value: 'OPT[,OPT...]',
    multiple: true,
    description: 'FUSE options (see below)',
    env: env('options'),
    complete: { list: FUSE_OPTION_NAMES },
  },
  {
    name: 'metrics-port',
    value: 'N',
    description: 'serve Prometheus metrics on http://HOST:N/metrics (--metrics-host)',
    env: env('metrics-port'),
  },
  {
    name: 'metrics-host',
    value: 'HOST',
    description: 'where --metrics-port listens (default 127.0.0.1; 0.0.0.0: all)',
    env: env('metrics-host'),
  },
  {
    name: 'volume-name',
    value: 'NAME',
    description: "the volume label of metrics and records (default: mount point's name)",
    env: env('volume-name'),
  },
  {
    name: 'metrics-socket',
    value: 'PATH',
    description: 'serve Prometheus metrics on the unix socket PATH',
    env: env('metrics-socket'),
    complete: 'file',
  },
  {
    name: 'record',
    value: 'FILE',
    description: 'record every operation to FILE (JSON lines, for `fs-interposer report`)',
    env: env('record'),
    complete: 'file',
  },
  {
    name: 'log-level',
    value: 'LEVEL',
    description: `${LOG_LEVELS.join(', ')} (default info)`,
    env: env('log-level'),
    complete: LOG_LEVELS,
  },
  {
    name: 'log-format',
    value: 'FORMAT',
    description: 'auto (text on a terminal, JSON lines otherwise), json, text',
    env: env('log-format'),
    complete: LOG_FORMATS,
  },
];

/** The stack flags without their variables: `validate` reads the command line only. */
const SPEC_OR_CONFIG: readonly OptionSpec[] = MOUNT_OPTIONS.filter(
  (o) => o.name === 'layers' || o.name === 'config',
).map((o) => ({ ...o, env: undefined }));

const JSON_FLAG: OptionSpec = { name: 'json', description: 'machine-readable JSON output' };

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'mount',
    usage: '[options] SOURCE MOUNTPOINT',
    summary: 'serve SOURCE at MOUNTPOINT through a stack of layers (foreground)',
    options: MOUNT_OPTIONS,
    args: [['memory:', 'null:', '@dir'], 'dir'],
    details: `SOURCE is a directory, or memory: (an in-memory filesystem) or null: (writes vanish,
reads return zeros). The mount runs in the foreground; Ctrl-C, SIGTERM or
\`fs-interposer umount MOUNTPOINT\` unmounts it. As root the mount uses mount(2) with
allow_other; as a normal user it goes through fusermount3. The kernel always checks
permissions (default_permissions).

Every option can be set from the environment (FS_INTERPOSER_LAYERS, FS_INTERPOSER_OPTIONS, ...,
named beside each option); a flag on the command line wins over its variable, and --layers or
--config on the command line replaces both FS_INTERPOSER_LAYERS and FS_INTERPOSER_CONFIG.`,
  },
  {
    name: 'ctl',
    usage: '[--socket PATH] MOUNTPOINT COMMAND [ARG]',
    summary: 'control a running mount through its control socket',
    options: [
      {
        name: 'socket',
        value: 'PATH',
        description: 'the control socket (default: found from MOUNTPOINT)',
        complete: 'file',
      },
    ],
    args: ['dir'],
    verbs: [
      { name: 'status', summary: 'the layer stack, its counters and the engine counters' },
      { name: 'set-layers', args: 'SPEC', summary: "replace the layer stack live ('' for none)" },
      {
        name: 'set-config',
        args: 'FILE',
        summary: 'replace the layer stack live from a config file',
      },
      {
        name: 'bypass',
        aliases: ['kill'],
        summary: 'drop every layer at once (the mount keeps serving)',
      },
      { name: 'powerloss', args: 'drop|tear|report', summary: 'act on the powerloss layer' },
    ],
    details: 'A successful answer is printed as JSON on stdout; a failure is explained on stderr.',
  },
  {
    name: 'ls',
    usage: '[--json]',
    summary: 'the running mounts: mount point, source, layers, pid, control socket',
    options: [JSON_FLAG],
  },
  {
    name: 'umount',
    aliases: ['unmount'],
    usage: '[--lazy] MOUNTPOINT',
    summary: 'unmount a running mount cleanly (its server flushes its layers and exits)',
    options: [
      {
        name: 'lazy',
        short: 'l',
        description: 'detach now, even with files open in it (umount -l)',
      },
    ],
    args: ['dir'],
    details: `The server is asked through its control socket to unmount, as on SIGTERM, and the command
returns once it has exited. A mount whose server is gone or hung is unmounted by the kernel
(umount2 as root, fusermount3 -u otherwise).`,
  },
  {
    name: 'validate',
    usage: '--layers SPEC | --config FILE [--json]',
    summary: 'check a layer stack as mount and admission do, without mounting',
    options: [
      ...SPEC_OR_CONFIG,
      { name: 'json', description: 'print the normalised configuration as JSON' },
    ],
    details: 'Exit status 0 when the stack is valid, 2 with every error when it is not.',
  },
  {
    name: 'layers',
    usage: '[--json]',
    summary: 'every layer and option the configuration accepts, with the compact shorthand',
    options: [JSON_FLAG],
  },
  {
    name: 'report',
    usage: 'RUN.jsonl [ROTATED.jsonl...] -o REPORT.html [--title TEXT]',
    summary: 'an HTML analysis of a run recorded with --record',
    options: [
      {
        name: 'output',
        short: 'o',
        value: 'FILE',
        description: 'where the report is written',
        complete: 'file',
      },
      { name: 'title', value: 'TEXT', description: 'title of the report' },
    ],
    args: ['file'],
  },
  {
    name: 'completion',
    usage: 'bash|zsh',
    summary: 'shell completion: source <(fs-interposer completion bash)',
    options: [],
    args: [['bash', 'zsh']],
    details: `Prints a completion script for the shell, generated from this command table and the
configuration schema (layer specs complete to their compact forms). Install it with
  bash: source <(fs-interposer completion bash)   (or save it in
        /etc/bash_completion.d/fs-interposer)
  zsh:  source <(fs-interposer completion zsh)    (after compinit; or save it as _fs-interposer
        in a directory of $fpath)`,
  },
  ...(['webhook', 'csi', 'sidecar'] as const).map((name) => ({
    name,
    usage: '',
    summary: `the in-cluster ${name} role (configured from its environment, docs/install.md)`,
    options: [],
  })),
  { name: 'help', usage: '[COMMAND]', summary: 'this text, or the help of COMMAND', options: [] },
  { name: 'version', usage: '', summary: 'the version', options: [] },
];

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name || c.aliases?.includes(name));
}
