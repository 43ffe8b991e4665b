/**
 * The chart's `sidecar.extraEnv`: container environment added to every injected sidecar after
 * its own (e.g. OTEL_EXPORTER_OTLP_HEADERS for a collector that wants a token, or a proxy).
 * A variable the sidecar gets from the webhook is refused when the webhook starts: it is set from
 * the chart's other values, and a silent override would break the contract with the sidecar.
 */
import type { EnvVar } from './pod-types.js';
import { DEFAULT_TRACING, telemetryEnv } from './sidecar-telemetry-env.js';

const NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** Every name telemetryEnv can write, with or without an endpoint. */
const TELEMETRY_NAMES = new Set(
  [...telemetryEnv(DEFAULT_TRACING), ...telemetryEnv({ ...DEFAULT_TRACING, endpoint: 'http://collector:4318' })]
    .map((e) => e.name),
);

function reserved(name: string): boolean {
  return name.startsWith('FS_INTERPOSER_') || TELEMETRY_NAMES.has(name);
}

/** What is wrong with one list item, if anything. */
function problem(name: string, value: unknown, valueFrom: unknown): string | undefined {
  if (!NAME.test(name)) return "has no valid name (accepted: letters, digits, '_', '-', '.')";
  if (reserved(name)) {
    const otel = [...TELEMETRY_NAMES].filter((n) => !n.startsWith('FS_')).join(', ');
    return `is set by the webhook for every sidecar (FS_INTERPOSER_* and ${otel}): use the chart value that sets it`;
  }
  if (value !== undefined && (typeof value !== 'string' || valueFrom !== undefined)) return 'needs a string value or a valueFrom, not both';
  return undefined;
}

/** One list item as an EnvVar, or undefined with the reason in errors. */
function envVar(variable: string, item: Record<string, unknown>, errors: string[]): EnvVar | undefined {
  const { name, value, valueFrom } = item ?? {};
  const why = problem(typeof name === 'string' ? name : '', value, valueFrom);
  if (why !== undefined) {
    errors.push(`${variable}: ${typeof name === 'string' && name !== '' ? name : JSON.stringify(item)} ${why}`);
    return undefined;
  }
  return { name: name as string, ...(value !== undefined && { value: value as string }), ...(valueFrom !== undefined && { valueFrom: valueFrom as EnvVar['valueFrom'] }) };
}

/** `FS_INTERPOSER_SIDECAR_EXTRA_ENV` (a JSON list of EnvVar), or the errors naming what is wrong. */
export function parseSidecarExtraEnv(variable: string, raw: string | undefined, errors: string[]): EnvVar[] {
  if (raw === undefined || raw.trim() === '') return [];
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    errors.push(`${variable}: not JSON (accepted: a list like [{"name":"HTTPS_PROXY","value":"http://proxy:3128"}])`);
    return [];
  }
  if (!Array.isArray(list)) {
    errors.push(`${variable}: not a list (accepted: [{"name": NAME, "value": TEXT} or {"name": NAME, "valueFrom": {...}}])`);
    return [];
  }
  return (list as Record<string, unknown>[]).flatMap((item) => envVar(variable, item, errors) ?? []);
}
