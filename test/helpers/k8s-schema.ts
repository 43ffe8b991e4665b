import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as k8s from '@kubernetes/client-node';

/**
 * Validates an object's field names and value types, recursively, against the Kubernetes API
 * models that @kubernetes/client-node generates from the OpenAPI spec of its release (each
 * model's attributeTypeMap: field name, JSON name and type). Offline: no API server needed.
 * It checks names and types, not enum values or cross-field rules.
 */
type Model = { getAttributeTypeMap(): { name: string; baseName: string; type: string }[] };

const models = k8s as unknown as Record<string, Model | undefined>;

/** The Kubernetes release the installed models were generated from, e.g. 1.36. */
export function modelsRelease(): number {
  const pkg = createRequire(import.meta.url).resolve('@kubernetes/client-node/package.json');
  const header = readFileSync(join(dirname(pkg), 'dist', 'gen', 'models', 'V1Container.js'), 'utf8');
  const m = /OpenAPI spec version: release-(\d+)\.(\d+)/.exec(header);
  if (m === null) throw new Error('no "OpenAPI spec version" in the client-node models');
  return Number(`${m[1]}.${m[2]!.padStart(2, '0')}`);
}

/** The type names a model declares for its fields, by JSON name. */
export function modelFields(type: string): Map<string, string> {
  const model = models[type];
  if (model === undefined) throw new Error(`no model ${type} in @kubernetes/client-node`);
  return new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
}

function primitive(value: unknown, type: string): boolean | undefined {
  switch (type) {
    case 'string':
    case 'Date':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'IntOrString':
      return typeof value === 'string' || typeof value === 'number';
    case 'any':
      return true;
    default:
      return undefined;
  }
}

/** Every problem found, as "path: what"; empty when the object fits the schema. */
export function validateAgainst(value: unknown, type: string, path = ''): string[] {
  const p = primitive(value, type);
  if (p !== undefined) return p ? [] : [`${path}: expected ${type}, got ${JSON.stringify(value)}`];
  const array = /^Array<(.+)>$/.exec(type);
  if (array !== null) {
    if (!Array.isArray(value)) return [`${path}: expected an array of ${array[1]}`];
    return value.flatMap((v, i) => validateAgainst(v, array[1]!, `${path}[${i}]`));
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  if (map !== null) {
    if (!isObject) return [`${path}: expected a map of ${map[1]}`];
    return Object.entries(value).flatMap(([k, v]) => validateAgainst(v, map[1]!, `${path}.${k}`));
  }
  if (!isObject) return [`${path}: expected an object (${type})`];
  const fields = modelFields(type);
  return Object.entries(value).flatMap(([k, v]) => {
    const t = fields.get(k);
    if (t === undefined) return [`${path}.${k}: unknown field of ${type}`];
    return v === null ? [] : validateAgainst(v, t, `${path}.${k}`);
  });
}
