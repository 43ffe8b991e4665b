import { chmodSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { dirname } from 'node:path';
import type { Logger } from '../log/logger.js';
import { execute } from './commands.js';
import { ControlSocketError, socketDirProblem } from './socket-dir.js';
import type { ControlRequest, ControlResponse, ControlTarget } from './commands.js';

const MAX_LINE = 1 << 20;

/** Serve control commands (JSON lines) on a unix socket only its owner can use (mode 0600). */
export interface ControlServerOptions {
  socketPath: string;
  target: ControlTarget;
  logger: Logger;
  /** Called after every command (the sidecar counts them in its metrics). */
  onCommand?: (command: string, ok: boolean) => void;
}

export async function startControlServer(o: ControlServerOptions): Promise<{ close(): Promise<void> }> {
  const problem = socketDirProblem(dirname(o.socketPath));
  if (problem !== undefined) throw new ControlSocketError(problem);
  rmSync(o.socketPath, { force: true }); // a stale socket from a dead predecessor
  const log = o.logger.child({ component: 'control' });
  const onConnection = (sock: Socket): void => {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > MAX_LINE) return void sock.end(`${JSON.stringify({ ok: false, error: 'request too large' })}\n`);
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        void handle(line).then((r) => sock.write(`${JSON.stringify(r)}\n`));
      }
    });
    sock.on('error', () => undefined);
  };
  const handle = async (line: string): Promise<ControlResponse> => {
    let req: ControlRequest;
    try {
      req = JSON.parse(line) as ControlRequest;
    } catch {
      return { ok: false, error: 'request is not JSON' };
    }
    // A command that throws fails that command; it must not become an unhandled rejection
    // (which ends the whole mount: see cli/fatal-guard.ts).
    const r = await execute(o.target, req).catch((err: unknown): ControlResponse => {
      log.error({ err, command: req.command }, 'control command failed');
      return { ok: false, error: `${String(req.command)} failed: ${(err as Error)?.message ?? String(err)}` };
    });
    log.info({ command: req.command, ok: r.ok, ...(!r.ok && { error: r.error }) }, 'control command');
    o.onCommand?.(String(req.command), r.ok);
    return r;
  };
  const server: Server = createServer(onConnection);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // bind(2) gives the socket file the umask's mode: 0600 whatever the caller's umask (listen
    // binds before it returns).
    const umask = process.umask(0o177);
    try {
      server.listen({ path: o.socketPath }, resolve);
    } finally {
      process.umask(umask);
    }
  });
  chmodSync(o.socketPath, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        rmSync(o.socketPath, { force: true });
      }),
  };
}
