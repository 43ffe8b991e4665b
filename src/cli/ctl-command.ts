import { readFile } from 'node:fs/promises';
import type { ControlRequest, ControlResponse } from '../control/commands.js';
import { sendControl } from '../control/control-client.js';
import { controlSocketPath } from '../control/socket-path.js';
import { findCommand } from './command-table.js';
import { fileProblem } from './file-errors.js';
import { canonicalMountpoint } from '../fuse/index.js';
import { parseCommand } from './parse-command.js';
import type { ParsedCommand } from './parse-command.js';
import { describeConfigError } from './stack-setup.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './usage-error.js';

const CTL = findCommand('ctl')!;
const VERBS = (CTL.verbs ?? []).map((v) => [v.name, ...(v.aliases ?? [])].join('|'));
const VERB_NAMES = new Set((CTL.verbs ?? []).flatMap((v) => [v.name, ...(v.aliases ?? [])]));
const usage = (message: string): UsageError => new UsageError(message, 'ctl');

async function readConfig(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw usage(`set-config ${file}: ${fileProblem(err as NodeJS.ErrnoException)}`);
  }
}

type Build = (arg: string | undefined) => ControlRequest | Promise<ControlRequest>;

// `bypass` drops every layer; the wire keeps the old word so older servers understand it.
const bypass: Build = () => ({ command: 'kill' });

const REQUESTS: Readonly<Record<string, Build>> = {
  status: () => ({ command: 'status' }),
  bypass,
  kill: bypass,
  'set-layers': (arg) => {
    if (arg === undefined) throw usage('set-layers needs a SPEC (use "" for no layers)');
    return { command: 'set-layers', spec: arg };
  },
  'set-config': async (arg) => {
    if (arg === undefined) throw usage('set-config needs a FILE');
    return { command: 'set-config', text: await readConfig(arg) };
  },
  powerloss: (arg) => {
    if (arg === 'drop' || arg === 'tear' || arg === 'report')
      return { command: 'powerloss', action: arg };
    throw usage('powerloss needs one of: drop, tear, report');
  },
};

async function toRequest(words: string[]): Promise<ControlRequest> {
  const [cmd, arg, extra] = words;
  const build = cmd === undefined ? undefined : REQUESTS[cmd];
  if (build === undefined) {
    const what =
      cmd === undefined ? 'a COMMAND is needed' : `unknown control command ${JSON.stringify(cmd)}`;
    throw usage(`${what}; accepted: ${VERBS.join(', ')}`);
  }
  if (extra !== undefined)
    throw usage(`unexpected argument ${JSON.stringify(extra)} after ${cmd} ${arg}`);
  return build(arg);
}

function unreachable(
  path: string,
  mountpoint: string | undefined,
  err: NodeJS.ErrnoException,
): string {
  const where = mountpoint === undefined ? path : `${mountpoint} (control socket ${path})`;
  switch (err.code) {
    case 'ENOENT':
      return `no mount is served at ${where}: is \`fs-interposer mount\` running? \`fs-interposer ls\` lists the running mounts`;
    case 'ECONNREFUSED':
      return `nothing answers at ${where}: the server that made it has gone (a stale socket)`;
    case 'EACCES':
      return `permission denied on ${path}: run as the user who started the mount (or root)`;
    default:
      return `cannot reach ${where}: ${err.message}`;
  }
}

function refused(res: Extract<ControlResponse, { ok: false }>): number {
  const details = (res.errors ?? []).map((e) => `\n  - ${describeConfigError(e)}`).join('');
  process.stderr.write(`fs-interposer ctl: ${res.error}${details}\n`);
  // A configuration the server refused as invalid is bad input; anything else failed at run time.
  return res.errors === undefined ? EXIT_FAILURE : EXIT_USAGE;
}

/** The socket and the request words: `ctl MNT status`, or `ctl --socket S [MNT] status`. */
function target(p: ParsedCommand): { path: string; mountpoint?: string; words: string[] } {
  const socket = p.values.socket as string | undefined;
  const [first, ...rest] = p.positionals;
  if (socket === undefined) {
    if (first === undefined) throw usage('ctl needs a MOUNTPOINT and a COMMAND');
    const mountpoint = canonicalMountpoint(first);
    return { path: controlSocketPath(mountpoint), mountpoint, words: rest };
  }
  const named = first !== undefined && !VERB_NAMES.has(first) && rest.length > 0;
  return { path: socket, words: named ? rest : p.positionals };
}

/**
 * `fs-interposer ctl MOUNTPOINT COMMAND [ARG]`: talk to a running mount's control socket. The
 * answer to a successful request is JSON on stdout (scripts read it); failures go to stderr.
 */
export async function runCtlCommand(argv: string[]): Promise<number> {
  const { path, mountpoint, words } = target(parseCommand(CTL, argv));
  const req = await toRequest(words);
  let res: ControlResponse;
  try {
    res = await sendControl(path, req);
  } catch (err) {
    const why = unreachable(path, mountpoint, err as NodeJS.ErrnoException);
    process.stderr.write(`fs-interposer ctl: ${why}\n`);
    return EXIT_FAILURE;
  }
  if (!res.ok) return refused(res);
  process.stdout.write(`${JSON.stringify(res.result, null, 2)}\n`);
  return EXIT_OK;
}
