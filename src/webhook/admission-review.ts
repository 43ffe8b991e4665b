/**
 * Decodes an AdmissionReview v1 request body. The apiserver sends typed objects, but the endpoint
 * is reachable by anything on the network, so every field the webhook touches is checked here and
 * a malformed body yields one clear message instead of a crash deeper in.
 */
import type { Pod } from './pod-types.js';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface AdmissionRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  namespace: string;
  operation: Operation;
  dryRun: boolean;
  object?: unknown;
  oldObject?: unknown;
}

export type Decoded = { ok: true; request: AdmissionRequest } | { ok: false; message: string };

type Obj = Record<string, unknown>;
const OPERATIONS: readonly string[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkEnvelope(body: unknown): string | Obj {
  if (!isObj(body)) return 'body is not a JSON object';
  if (body.apiVersion !== 'admission.k8s.io/v1') return `apiVersion must be admission.k8s.io/v1 (got ${JSON.stringify(body.apiVersion) ?? 'none'})`;
  if (body.kind !== 'AdmissionReview') return `kind must be AdmissionReview (got ${JSON.stringify(body.kind) ?? 'none'})`;
  if (!isObj(body.request)) return 'request is missing or not an object';
  return body.request;
}

function isGvk(k: unknown): boolean {
  return isObj(k) && typeof k.kind === 'string' && typeof k.version === 'string' && typeof (k.group ?? '') === 'string';
}

function checkRequest(r: Obj): string | undefined {
  if (typeof r.uid !== 'string' || r.uid === '') return 'request.uid must be a non-empty string';
  if (!isGvk(r.kind)) return 'request.kind must be {group, version, kind}';
  if (typeof r.operation !== 'string' || !OPERATIONS.includes(r.operation)) {
    return `request.operation must be one of ${OPERATIONS.join(', ')}`;
  }
  if (r.dryRun !== undefined && typeof r.dryRun !== 'boolean') return 'request.dryRun must be a boolean';
  if (r.namespace !== undefined && typeof r.namespace !== 'string') return 'request.namespace must be a string';
  return undefined;
}

export function decodeAdmissionReview(body: unknown): Decoded {
  const request = checkEnvelope(body);
  if (typeof request === 'string') return { ok: false, message: request };
  const problem = checkRequest(request);
  if (problem !== undefined) return { ok: false, message: problem };
  const kind = request.kind as Obj;
  return {
    ok: true,
    request: {
      uid: request.uid as string,
      kind: { group: (kind.group as string | undefined) ?? '', version: kind.version as string, kind: kind.kind as string },
      namespace: (request.namespace as string | undefined) ?? '',
      operation: request.operation as Operation,
      dryRun: request.dryRun === true,
      object: request.object,
      oldObject: request.oldObject,
    },
  };
}

function checkList(v: unknown, where: string, item: (o: Obj, at: string) => string | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) return `${where} must be an array`;
  for (const [i, e] of v.entries()) {
    if (!isObj(e) || typeof e.name !== 'string') return `${where}[${i}] must be an object with a name`;
    const p = item(e, `${where}[${i}]`);
    if (p !== undefined) return p;
  }
  return undefined;
}

function checkContainer(c: Obj, at: string): string | undefined {
  return checkList(c.volumeMounts, `${at}.volumeMounts`, () => undefined) ??
    checkList(c.volumeDevices, `${at}.volumeDevices`, () => undefined) ??
    (c.ports !== undefined && !(Array.isArray(c.ports) && c.ports.every(isObj)) ? `${at}.ports must be an array of objects` : undefined) ??
    (c.securityContext !== undefined && !isObj(c.securityContext) ? `${at}.securityContext must be an object` : undefined);
}

function checkAnnotations(meta: unknown): string | undefined {
  if (meta === undefined) return undefined;
  if (!isObj(meta)) return 'metadata must be an object';
  const a = meta.annotations;
  if (a === undefined || a === null) return undefined;
  if (!isObj(a) || Object.values(a).some((v) => typeof v !== 'string')) return 'metadata.annotations must map strings to strings';
  return undefined;
}

/** Checks the parts of a Pod the webhook reads; returns the Pod or a message. */
export function asPod(object: unknown, what: string): Pod | string {
  if (!isObj(object)) return `${what} is not a Pod object`;
  const bad = checkAnnotations(object.metadata);
  if (bad !== undefined) return `${what}.${bad}`;
  const spec = object.spec;
  if (!isObj(spec)) return `${what}.spec must be an object`;
  if (!Array.isArray(spec.containers)) return `${what}.spec.containers must be an array`;
  if (spec.securityContext !== undefined && !isObj(spec.securityContext)) return `${what}.spec.securityContext must be an object`;
  const problem = checkList(spec.containers, `${what}.spec.containers`, checkContainer) ??
    checkList(spec.initContainers, `${what}.spec.initContainers`, checkContainer) ??
    checkList(spec.volumes, `${what}.spec.volumes`, () => undefined);
  return problem ?? (object as Pod);
}
