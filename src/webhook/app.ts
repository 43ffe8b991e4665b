/**
 * The express app: thin routing only. /mutate hands the parsed body to the review processor;
 * probes and /metrics answer without touching the cluster. Serving (TLS) is server.ts's concern,
 * so tests drive this app in-process without a socket.
 */
import express from 'express';
import type { ErrorRequestHandler, Express } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { readJsonBody } from './read-json-body.js';
import type { ProcessOutcome } from './review-processor.js';

export interface WebhookAppOptions {
  processReview(body: unknown): Promise<ProcessOutcome>;
  registry: Registry;
  /** Ready once a serving certificate is loaded (and, in self-signed mode, the caBundle written). */
  ready(): boolean;
  logger: Logger;
  /** Largest accepted AdmissionReview body; the apiserver's own request limit is 3 MiB. */
  bodyLimitBytes?: number;
  /** Path of the admission endpoint (chart value webhook.path). */
  path?: string;
  /** Counts a request rejected before the processor saw it (unreadable body, 4xx/5xx). */
  countRejected?(result: 'invalid' | 'error'): void;
}

export function createWebhookApp(options: WebhookAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.post(options.path ?? '/mutate', readJsonBody(options.bodyLimitBytes ?? 3 * 1024 * 1024), async (req, res) => {
    const outcome = await options.processReview(req.body as unknown);
    res.status(outcome.status).json(outcome.body);
  });
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  app.get('/readyz', (_req, res) => {
    if (options.ready()) res.type('text/plain').send('ok');
    else res.status(503).type('text/plain').send('not ready');
  });
  app.get('/metrics', async (_req, res) => {
    res.type(options.registry.contentType).send(await options.registry.metrics());
  });
  const onError: ErrorRequestHandler = (err: { status?: number; message?: string }, _req, res, next) => {
    if (res.headersSent) return next(err);
    const status = typeof err.status === 'number' && err.status >= 400 && err.status < 600 ? err.status : 500;
    if (status >= 500) options.logger.error({ err }, 'request failed');
    options.countRejected?.(status >= 500 ? 'error' : 'invalid');
    res.status(status).json({ error: status < 500 ? `invalid AdmissionReview: ${err.message}` : (err.message ?? 'error') });
  };
  app.use(onError);
  return app;
}
