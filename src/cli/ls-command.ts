import { sendControl } from '../control/control-client.js';
import { listMounts } from '../fuse/index.js';
import type { ParsedCommand } from './parse-command.js';
import { listRunningMounts } from './running-mounts.js';
import type { RunningMount } from './running-mounts.js';
import { UsageError } from './usage-error.js';

/** A status request that gives up quickly: `ls` must not wait on a hung server. */
const STATUS_TIMEOUT_MS = 2000;

function table(rows: RunningMount[]): string {
  const cells = rows.map((r) => [
    r.mountpoint,
    r.source,
    r.layers === undefined ? '?' : r.layers.join(',') || '-',
    r.pid === undefined ? '?' : String(r.pid),
    r.state === 'serving' ? r.socket : `${r.socket} (${r.state})`,
  ]);
  const head = ['MOUNTPOINT', 'SOURCE', 'LAYERS', 'PID', 'CONTROL SOCKET'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string =>
    c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]!))).join('  ');
  return [head, ...cells].map(line).join('\n');
}

/** `fs-interposer ls`: the running mounts, from the mount table and their control sockets. */
export async function runLsCommand(p: ParsedCommand): Promise<number> {
  if (p.positionals.length > 0) throw new UsageError('ls takes no arguments', 'ls');
  const rows = await listRunningMounts({
    mounts: listMounts(),
    send: (socket, req) => sendControl(socket, req, STATUS_TIMEOUT_MS),
  });
  if (p.values.json === true) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  if (rows.length === 0) {
    process.stderr.write('no fs-interposer mounts\n');
    return 0;
  }
  process.stdout.write(`${table(rows)}\n`);
  return 0;
}
