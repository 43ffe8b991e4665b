import { createWriteStream } from 'node:fs';
import { PassThrough } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import type { KubeConfig, V1Status } from '@kubernetes/client-node';
import type { PodView, Target } from './target.js';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The exit code in an exec's final status (Success, or a Failure whose cause is ExitCode). */
export function exitCodeOf(status: V1Status): number {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = Number(cause?.message);
  return Number.isInteger(code) && code > 0 ? code : 1;
}

function collect(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return () => Buffer.concat(chunks).toString('utf8');
}

/** The Kubernetes side of the plugin: read a Pod, run a command in one of its containers. */
export interface Kube {
  readPod(namespace: string, name: string): Promise<PodView>;
  /** Runs `command` in the target's container; stdout goes to `sink` when given. */
  exec(t: Target, command: string[], sink?: Writable): Promise<ExecResult>;
  defaultNamespace(): string;
}

export async function createKube(kc: KubeConfig): Promise<Kube> {
  const { CoreV1Api, Exec } = await import('@kubernetes/client-node');
  const core = kc.makeApiClient(CoreV1Api);
  const exec = new Exec(kc);
  return {
    defaultNamespace: () => kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default',
    readPod: (namespace, name) => core.readNamespacedPod({ name, namespace }) as Promise<PodView>,
    async exec(t, command, sink) {
      const out = new PassThrough();
      const err = new PassThrough();
      const stdout = sink === undefined ? collect(out) : (out.pipe(sink), () => '');
      const stderr = collect(err);
      const code = await new Promise<number>((resolve, reject) => {
        exec
          .exec(t.namespace, t.pod, t.container, command, out, err, null, false, (s) =>
            resolve(exitCodeOf(s)),
          )
          .then((ws) => ws.on('close', () => setTimeout(() => resolve(1), 2000).unref()))
          .catch(reject);
      });
      // The status comes after the last output frame; a file sink must be flushed and closed
      // before the caller reports it written (and the process exits).
      if (sink !== undefined && sink !== process.stdout) {
        out.end();
        await finished(sink);
      }
      return { code, stdout: stdout(), stderr: stderr() };
    },
  };
}

export function fileSink(path: string): Writable {
  return createWriteStream(path, { flags: 'wx', mode: 0o600 });
}
