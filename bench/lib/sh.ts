import { spawn } from 'node:child_process';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/**
 * Run a command to completion with a hard timeout (a hung FUSE mount must not hang the harness:
 * the child is killed, the run counts as failed). Throws when it fails unless `allowFail`.
 */
export function sh(
  cmd: string,
  args: readonly string[],
  o: { timeoutMs?: number; allowFail?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: o.env ?? process.env });
    let stdout = '';
    let stderr = '';
    // Bounded: a command that streams data must redirect it, not hand it to the harness.
    const keep = (s: string, d: Buffer): string => (s.length > 1 << 24 ? s : s + d.toString());
    child.stdout.on('data', (d: Buffer) => (stdout = keep(stdout, d)));
    child.stderr.on('data', (d: Buffer) => (stderr = keep(stderr, d)));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 600_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const r = { code, stdout, stderr, seconds };
      if (code !== 0 && !o.allowFail) {
        reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.trim().slice(-400)}`));
      } else resolve(r);
    });
  });
}

/** bash -c, for pipelines (find | xargs cat). */
export const bash = (script: string, timeoutMs?: number): Promise<RunResult> =>
  sh('bash', ['-c', script], timeoutMs === undefined ? {} : { timeoutMs });

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
