import * as k8s from '@kubernetes/client-node';
import type { K8sObject } from './helm.js';

/**
 * Validation of rendered objects against the Kubernetes OpenAPI schemas, in two passes:
 * - kubernetes-models (its ajv validators compiled from the OpenAPI spec): types, required
 *   fields, enums and formats; it also knows cert-manager and Prometheus Operator CRDs;
 * - unknown fields (what `kubectl apply --validate=strict` catches, and what kubernetes-models lets
 *   through): every key is checked against the attribute map of @kubernetes/client-node's
 *   generated model of the same type.
 */

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: object) => Validatable;

const CRD_PACKAGES: Record<string, string> = {
  'cert-manager.io': '@kubernetes-models/cert-manager',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
};

function modelModule(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf('/');
  if (slash < 0) return `kubernetes-models/${apiVersion}/${kind}`;
  const group = apiVersion.slice(0, slash);
  const pkg = CRD_PACKAGES[group] ?? 'kubernetes-models';
  return `${pkg}/${apiVersion}/${kind}`;
}

async function schemaErrors(obj: K8sObject): Promise<string[]> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(modelModule(obj.apiVersion, obj.kind))) as Record<string, unknown>;
  } catch {
    return [`no schema for ${obj.apiVersion} ${obj.kind}`];
  }
  const Model = mod[obj.kind] as ModelClass | undefined;
  if (!Model) return [`no model ${obj.kind} in ${modelModule(obj.apiVersion, obj.kind)}`];
  try {
    new Model(obj).validate();
    return [];
  } catch (e) {
    return [(e as Error).message];
  }
}

interface Attribute {
  baseName: string;
  type: string;
}
interface GeneratedModel {
  getAttributeTypeMap(): Attribute[];
}

const models = k8s as unknown as Record<string, GeneratedModel | undefined>;

/** client-node's model name: `V1DaemonSet` for apps/v1 DaemonSet, `V1beta1X` for .../v1beta1. */
export function generatedModelName(apiVersion: string, kind: string): string {
  const version = apiVersion.split('/').pop() ?? apiVersion;
  return `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
}

function walkCollection(value: unknown, type: string, path: string, errors: string[]): boolean {
  const array = /^Array<(.+)>$/.exec(type)?.[1];
  if (array !== undefined && Array.isArray(value)) {
    value.forEach((v, i) => walk(v, array, `${path}[${i}]`, errors));
    return true;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type)?.[1];
  if (map !== undefined && typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) walk(v, map, `${path}.${k}`, errors);
    return true;
  }
  return false;
}

function walk(value: unknown, type: string, path: string, errors: string[]): void {
  if (value === null || value === undefined || walkCollection(value, type, path, errors)) return;
  const model = models[type];
  if (!model?.getAttributeTypeMap || typeof value !== 'object') return;
  const known = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value)) {
    const t = known.get(k);
    if (t === undefined) errors.push(`${path}.${k}: unknown field (not in ${type})`);
    else walk(v, t, `${path}.${k}`, errors);
  }
}

/** Unknown-field errors; undefined when client-node has no model (CRDs, removed versions). */
export function unknownFieldErrors(obj: K8sObject): string[] | undefined {
  const name = generatedModelName(obj.apiVersion, obj.kind);
  if (!models[name]?.getAttributeTypeMap) return undefined;
  const errors: string[] = [];
  walk(obj, name, obj.kind, errors);
  return errors;
}

export async function validateObject(obj: K8sObject): Promise<string[]> {
  const label = `${obj.kind}/${obj.metadata.name}`;
  const errors = [...(await schemaErrors(obj)), ...(unknownFieldErrors(obj) ?? [])];
  return errors.map((e) => `${label}: ${e}`);
}
