import { execFile } from 'node:child_process';
import { join } from 'node:path';

/** One result of test/helpers/bytes-client.py: a value, or the errno name of the failure. */
export type BytesResult = { ok: unknown } | { errno: string };

/** Hex of raw bytes, of text (as UTF-8), or of a mix: how the client takes names. */
export function hexOf(...parts: (string | number | number[])[]): string {
  const bytes = parts.flatMap((p) =>
    typeof p === 'number' ? [p] : Array.isArray(p) ? p : [...Buffer.from(p)],
  );
  return Buffer.from(bytes).toString('hex');
}

/**
 * Run file operations with exact byte names below `root` in a python3 child (bytes paths: no
 * encoding anywhere), with a hard timeout so that a hung mount hangs a killable child only.
 */
export function bytesClient(
  root: string,
  ops: unknown[][],
  timeoutMs = 30_000,
): Promise<BytesResult[]> {
  const script = join(import.meta.dirname, 'bytes-client.py');
  return new Promise((resolve, reject) => {
    const child = execFile(
      'python3',
      [script, Buffer.from(root).toString('hex')],
      { timeout: timeoutMs, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`bytes-client failed: ${err.message}\n${stderr}`));
        else
          resolve(
            stdout
              .trim()
              .split('\n')
              .filter(Boolean)
              .map((l) => JSON.parse(l) as BytesResult),
          );
      },
    );
    child.stdin!.end(JSON.stringify(ops));
  });
}
