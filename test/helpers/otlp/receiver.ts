import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { decodeExportTraceRequest } from './trace-decode.js';
import type { DecodedSpan } from './trace-decode.js';

/**
 * An in-process OTLP/HTTP trace receiver (POST /v1/traces, application/x-protobuf): the test
 * double for a collector that unit, integration and e2e tests send spans to. It decodes exactly
 * the bytes the exporter sent.
 */
export interface OtlpReceiver {
  /** Base URL, e.g. http://127.0.0.1:PORT (the exporter appends nothing: use tracesUrl). */
  readonly url: string;
  readonly tracesUrl: string;
  readonly spans: readonly DecodedSpan[];
  readonly requests: number;
  /** Resolve once at least `count` spans arrived, or reject after `timeoutMs`. */
  waitForSpans(count: number, timeoutMs?: number): Promise<readonly DecodedSpan[]>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startOtlpReceiver(options: { port?: number } = {}): Promise<OtlpReceiver> {
  const spans: DecodedSpan[] = [];
  let requests = 0;
  const waiters = new Set<() => void>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST' || req.url !== '/v1/traces') {
      res.writeHead(404).end();
      return;
    }
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-protobuf')) {
      res.writeHead(415).end();
      return;
    }
    let body = await readBody(req);
    if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
    spans.push(...decodeExportTraceRequest(body));
    requests += 1;
    // An empty ExportTraceServiceResponse: full success.
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(Buffer.alloc(0));
    for (const w of waiters) w();
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.writeHead(400).end());
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    tracesUrl: `${url}/v1/traces`,
    spans,
    get requests() {
      return requests;
    },
    waitForSpans(count, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (spans.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(spans);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`OTLP receiver: ${spans.length}/${count} spans after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
