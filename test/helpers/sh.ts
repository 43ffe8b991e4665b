import { execFile } from 'node:child_process';

export interface ShResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run a bash script in a child process with a hard timeout. Tests drive mounts only this way:
 * a hung mount then hangs a killable child, never the jest worker.
 */
export function sh(script: string, o: { timeoutMs?: number; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ShResult> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-c', script],
      {
        timeout: o.timeoutMs ?? 60_000,
        killSignal: 'SIGKILL',
        cwd: o.cwd,
        env: { ...process.env, ...o.env },
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : err.killed ? 124 : 1) : 0;
        resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
      },
    );
  });
}

/** Like sh, but throws with the output when the script fails. */
export async function shOk(script: string, o: Parameters<typeof sh>[1] = {}): Promise<string> {
  const r = await sh(script, o);
  if (r.code !== 0) throw new Error(`script failed (${r.code}):\n${script}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  return r.stdout;
}
