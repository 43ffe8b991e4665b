/**
 * AdmissionReview in, HTTP status + body out (pepr's "processor"). Cluster facts (native sidecar
 * support, namespace defaults) come from injected, cached lookups; the decision itself is the pure
 * mutatePod / validateUpdate.
 */
import type { Logger } from 'pino';
import { allow, deny } from './admission-response.js';
import type { AdmissionReviewResponse } from './admission-response.js';
import { asPod, decodeAdmissionReview } from './admission-review.js';
import type { AdmissionRequest } from './admission-review.js';
import { diffPods } from './json-patch.js';
import type { WebhookMetrics } from './metrics.js';
import { formatRange } from './host-metrics-ports.js';
import type { HostPortAllocator } from './host-metrics-ports.js';
import { mutatePod } from './mutate-pod.js';
import type { MutateOptions, MutateResult } from './mutate-pod.js';
import type { Pod } from './pod-types.js';
import { validateUpdate } from './validate-update.js';

export interface ClusterFacts {
  nativeSidecars(): Promise<boolean>;
  namespaceDefaultLayers(namespace: string): Promise<string | undefined>;
}

export interface ReviewProcessorOptions {
  mutate: Omit<MutateOptions, 'nativeSidecars' | 'namespaceDefaultLayers' | 'namespace'>;
  cluster: ClusterFacts;
  /** Metrics ports for the sidecars of hostNetwork Pods; without one they get a unix socket. */
  hostPorts?: HostPortAllocator;
  metrics: WebhookMetrics;
  logger: Logger;
  now?: () => number;
}

export interface ProcessOutcome {
  status: number;
  body: AdmissionReviewResponse | { error: string };
}

type Answer = { response: AdmissionReviewResponse; result: string };

async function admitCreate(req: AdmissionRequest, o: ReviewProcessorOptions): Promise<Answer> {
  const pod = asPod(req.object, 'request.object');
  if (typeof pod === 'string') return { response: deny(req.uid, pod, 400), result: 'invalid' };
  const [nativeSidecars, namespaceDefaultLayers] = await Promise.all([
    o.cluster.nativeSidecars(),
    o.cluster.namespaceDefaultLayers(req.namespace),
  ]);
  const options = { ...o.mutate, nativeSidecars, namespaceDefaultLayers, namespace: req.namespace };
  const r = await withHostPort(pod, mutatePod(pod, options), options, o);
  switch (r.kind) {
    case 'denied':
      o.metrics.denials.inc({ reason: r.reason });
      return { response: deny(req.uid, r.message), result: 'denied' };
    case 'unchanged':
      return { response: allow(req.uid), result: 'unchanged' };
    case 'skipped':
      return { response: allow(req.uid, diffPods(pod, r.pod), [r.reason]), result: 'skipped' };
    case 'mutated':
      // dryRun: same answer (sideEffects: None), but it is not an injection that happened.
      if (!req.dryRun) o.metrics.patches.inc({ mode: r.native ? 'native' : 'regular' });
      o.logger.debug({ uid: req.uid, volumes: r.volumes, native: r.native, dryRun: req.dryRun }, 'injected');
      return { response: allow(req.uid, diffPods(pod, r.pod), r.warnings), result: 'mutated' };
  }
}

/** A host port only for a Pod that is injected (the decision is pure: asking twice is free). */
async function withHostPort(
  pod: Pod, first: MutateResult, options: MutateOptions, o: ReviewProcessorOptions,
): Promise<MutateResult> {
  if (first.kind !== 'mutated' || pod.spec?.hostNetwork !== true || o.hostPorts === undefined) return first;
  return mutatePod(pod, { ...options, hostMetrics: { port: await hostPort(pod, o), range: formatRange(o.hostPorts.range) } });
}

/** A failed lookup costs the Pod its metrics port (said in a warning), never its admission. */
async function hostPort(pod: Pod, o: ReviewProcessorOptions): Promise<number | undefined> {
  try {
    return await o.hostPorts!.allocate(pod);
  } catch (err) {
    o.logger.warn({ err }, 'listing the metrics ports of hostNetwork Pods failed; this Pod gets a unix socket');
    return undefined;
  }
}

function admitUpdate(req: AdmissionRequest, o: ReviewProcessorOptions): Answer {
  const pod = asPod(req.object, 'request.object');
  const old = asPod(req.oldObject, 'request.oldObject');
  if (typeof pod === 'string') return { response: deny(req.uid, pod, 400), result: 'invalid' };
  if (typeof old === 'string') return { response: deny(req.uid, old, 400), result: 'invalid' };
  // No namespace lookup: a default was copied into the Pod at creation, and an UPDATE of every
  // Pod in the namespace must not depend on the API server answering us.
  const r = validateUpdate(old, pod, o.mutate);
  if (r.allowed) return { response: allow(req.uid), result: 'allowed' };
  o.metrics.denials.inc({ reason: 'invalid-live-change' });
  return { response: deny(req.uid, r.message), result: 'denied' };
}

function answer(req: AdmissionRequest, o: ReviewProcessorOptions): Promise<Answer> {
  const isPod = req.kind.group === '' && req.kind.kind === 'Pod';
  if (isPod && req.operation === 'CREATE') return admitCreate(req, o);
  if (isPod && req.operation === 'UPDATE') return Promise.resolve(admitUpdate(req, o));
  return Promise.resolve({ response: allow(req.uid), result: 'allowed' });
}

export function createReviewProcessor(options: ReviewProcessorOptions) {
  const now = options.now ?? (() => performance.now());
  const log = options.logger;
  return async function processReview(body: unknown): Promise<ProcessOutcome> {
    const start = now();
    const decoded = decodeAdmissionReview(body);
    if (!decoded.ok) {
      options.metrics.requests.inc({ operation: 'unknown', result: 'invalid' });
      return { status: 400, body: { error: `invalid AdmissionReview: ${decoded.message}` } };
    }
    const { request } = decoded;
    const operation = request.operation;
    try {
      const { response, result } = await answer(request, options);
      options.metrics.requests.inc({ operation, result });
      return { status: 200, body: response };
    } catch (err) {
      options.metrics.requests.inc({ operation, result: 'error' });
      log.error({ err, uid: request.uid }, 'admission failed');
      return { status: 500, body: { error: `internal error: ${(err as Error).message}` } };
    } finally {
      options.metrics.duration.observe({ operation }, (now() - start) / 1000);
    }
  };
}
