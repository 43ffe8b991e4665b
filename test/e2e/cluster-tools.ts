import { spawn } from 'node:child_process';

/** Small process and polling helpers for the cluster harness (no shell, hard timeouts). */

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
  cwd?: string;
}

/** Runs a command to completion; never throws for a non-zero exit (callers decide). */
export function run(cmd: string, args: readonly string[], o: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // Without input, stdin is /dev/null: nothing is written to a child that may never read it.
    const child = spawn(cmd, args, { env: o.env ?? process.env, cwd: o.cwd, stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString() + (signal ? `\n[killed by ${signal}]` : '');
      resolve({ status: code ?? -1, stdout: Buffer.concat(out).toString(), stderr });
    });
    if (child.stdin) {
      // A child that exits before it read all of its input closes the pipe: EPIPE here is not a
      // failure of ours (an unhandled stream error would fail whichever test runs at that moment);
      // the child's exit status says what happened.
      child.stdin.on('error', () => undefined);
      child.stdin.end(o.input);
    }
  });
}

/** Runs and throws with the command's stderr when it fails. */
export async function runOk(cmd: string, args: readonly string[], o: RunOptions = {}): Promise<string> {
  const r = await run(cmd, args, o);
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stderr.slice(-4000)}${r.stdout.slice(-2000)}`);
  }
  return r.stdout;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `probe` until it returns a value other than undefined, or throws after timeoutMs with
 * the last reason (what the probe saw) so a failed wait says why.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs = 120_000, intervalMs = 1_000 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ''}`);
    await sleep(intervalMs);
  }
}

/** Parses the `export A=1 B=2` lines of up.sh's env file (values have no spaces or quotes). */
export function parseEnvFile(text: string, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const line of text.split('\n')) {
    const m = /^export (.*)$/.exec(line.trim());
    if (!m?.[1]) continue;
    for (const pair of m[1].split(/\s+/)) {
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const key = pair.slice(0, eq);
      env[key] = pair.slice(eq + 1).replace(/\$(\w+)/g, (_s, name: string) => env[name] ?? '');
    }
  }
  return env;
}
