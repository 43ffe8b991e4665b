import { readFile } from 'node:fs/promises';
import type { ControlRequest } from '../control/commands.js';
import { CONTROL_COMMANDS } from '../control/commands.js';
import { sendControl } from '../control/control-client.js';
import { controlSocketPath } from '../control/socket-path.js';
import { canonicalMountpoint } from './mountinfo.js';

async function toRequest(words: string[]): Promise<ControlRequest | string> {
  const [cmd, arg] = words;
  switch (cmd) {
    case 'status':
    case 'kill':
      return { command: cmd };
    case 'set-layers':
      return arg === undefined ? 'set-layers needs a SPEC (use "" for no layers)' : { command: 'set-layers', spec: arg };
    case 'set-config':
      if (arg === undefined) return 'set-config needs a FILE';
      return { command: 'set-config', text: await readFile(arg, 'utf8') };
    case 'powerloss':
      return arg === 'drop' || arg === 'tear' || arg === 'report'
        ? { command: 'powerloss', action: arg }
        : 'powerloss needs one of: drop, tear, report';
    default:
      return `unknown control command ${JSON.stringify(cmd ?? '')}; accepted: ${CONTROL_COMMANDS.join(', ')}`;
  }
}

/** `fs-interposer ctl MOUNTPOINT COMMAND [ARG]`: talk to a running mount's control socket. */
export async function runCtlCommand(argv: string[]): Promise<number> {
  let socket: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--socket') socket = argv[++i];
    else rest.push(argv[i]!);
  }
  const [mountpoint, ...words] = rest;
  if (mountpoint === undefined && socket === undefined) {
    process.stderr.write(`usage: fs-interposer ctl MOUNTPOINT ${CONTROL_COMMANDS.join(' | ')}\n`);
    return 2;
  }
  const req = await toRequest(words);
  if (typeof req === 'string') {
    process.stderr.write(`fs-interposer ctl: ${req}\n`);
    return 2;
  }
  const path = socket ?? controlSocketPath(canonicalMountpoint(mountpoint!));
  try {
    const res = await sendControl(path, req);
    process.stdout.write(`${JSON.stringify(res.ok ? res.result : res, null, 2)}\n`);
    return res.ok ? 0 : 1;
  } catch (err) {
    process.stderr.write(`fs-interposer ctl: cannot reach ${path}: ${(err as Error).message} (is the mount running?)\n`);
    return 1;
  }
}
