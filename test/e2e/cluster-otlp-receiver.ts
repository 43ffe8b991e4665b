import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { decodeExportTraceRequest } from '../helpers/otlp/trace-decode.js';
import type { DecodedSpan } from '../helpers/otlp/trace-decode.js';
import type { Cluster } from './cluster.js';
import { waitFor } from './cluster-tools.js';

/**
 * An OTLP/HTTP trace receiver running in the cluster, as a collector would: a hostNetwork Pod
 * (the node image up.sh imports, K8S_NODE_IMAGE) that answers POST /v1/traces like a collector
 * (200, empty response) and appends every request body to a file on a hostPath, which the test
 * decodes with the same protobuf decoder as the in-process receiver. The sidecars reach it at the
 * Pod's address (loopback here).
 */
export interface ClusterOtlpReceiver {
  readonly url: string;
  /** Every span received so far (decoded on each read of the file). */
  readonly spans: readonly DecodedSpan[];
  close(): Promise<void>;
}

const NAMESPACE = 'default';
const POD = 'otlp-receiver';

const SERVER = `
const http = require('http'), fs = require('fs'), zlib = require('zlib');
const port = Number(process.env.PORT);
http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/v1/traces') return res.writeHead(404).end();
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
    fs.appendFileSync('/out/traces.b64', body.toString('base64') + '\\n');
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
}).listen(port, '0.0.0.0', () => console.log('otlp receiver on ' + port));
`;

export async function startClusterOtlpReceiver(cluster: Cluster, port: number): Promise<ClusterOtlpReceiver> {
  const dir = `/tmp/fs-interposer-e2e-otlp-${process.pid}`;
  mkdirSync(dir, { recursive: true });
  const pod = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: POD, namespace: NAMESPACE, labels: { app: POD } },
    spec: {
      hostNetwork: true,
      terminationGracePeriodSeconds: 1,
      containers: [{
        name: 'receiver', image: cluster.env.K8S_NODE_IMAGE ?? 'local/node:20', imagePullPolicy: 'Never', command: ['node', '-e', SERVER],
        env: [{ name: 'PORT', value: String(port) }],
        volumeMounts: [{ name: 'out', mountPath: '/out' }],
      }],
      volumes: [{ name: 'out', hostPath: { path: dir, type: 'DirectoryOrCreate' } }],
    },
  };
  await waitFor('the receiver Pod to be created', async () =>
    ((await cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify(pod) })) ? true : undefined), { timeoutMs: 30_000 });
  const url = `http://127.0.0.1:${port}`;
  await waitFor('the in-cluster OTLP receiver to answer', async () => ((await fetch(url).catch(() => undefined))?.status === 404 ? true : undefined),
    { timeoutMs: 120_000, intervalMs: 1_000 });
  let lines = 0;
  const decoded: DecodedSpan[] = [];
  const file = `${dir}/traces.b64`;
  return {
    url,
    get spans() {
      if (!existsSync(file)) return decoded;
      const all = readFileSync(file, 'utf8').split('\n');
      // The last line may be a body still being written: decode complete lines only.
      for (; lines < all.length - 1; lines++) decoded.push(...decodeExportTraceRequest(Buffer.from(all[lines]!, 'base64')));
      return decoded;
    },
    async close() {
      await cluster.kubectl(['delete', 'pod', POD, '-n', NAMESPACE, '--wait=true', '--timeout=60s'], { timeoutMs: 90_000 }).catch(() => '');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
