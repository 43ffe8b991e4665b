import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/**
 * Decodes an OTLP ExportTraceServiceRequest into plain objects, with protobufjs and the OTLP
 * messages in trace.proto beside this file: what the test receivers (HTTP and gRPC) saw on the
 * wire, exactly as the exporter encoded it.
 */
export type AttrValue = string | number | boolean | bigint | AttrValue[] | { [key: string]: AttrValue } | null;

export interface DecodedLink {
  traceId: string;
  spanId: string;
  attributes: Record<string, AttrValue>;
}

/** A span event (Span.events): faults, delays and throttle waits of the trace layer. */
export interface DecodedEvent {
  name: string;
  timeNs: bigint;
  attributes: Record<string, AttrValue>;
}

export interface DecodedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, AttrValue>;
  links: DecodedLink[];
  events: DecodedEvent[];
  status: { code: number; message: string };
  scope: string;
  resource: Record<string, AttrValue>;
}

// Beside this module in the source tree; a compiled copy (dist/test/...) reads the source's.
const HERE = fileURLToPath(new URL('trace.proto', import.meta.url));
const PROTO = existsSync(HERE) ? HERE : HERE.replace('/dist/test/', '/test/');
const Request = protobuf.loadSync(PROTO).lookupType('otlp.test.ExportTraceServiceRequest');

// The shapes toObject() gives with the options below (64-bit integers as decimal strings).
interface KeyValue { key: string; value?: AnyValue }
interface AnyValue {
  value?: string;
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values: AnyValue[] };
  kvlistValue?: { values: KeyValue[] };
  bytesValue?: Uint8Array;
}
interface Span {
  traceId: Uint8Array;
  spanId: Uint8Array;
  parentSpanId: Uint8Array;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: KeyValue[];
  events: { timeUnixNano: string; name: string; attributes: KeyValue[] }[];
  links: { traceId: Uint8Array; spanId: Uint8Array; attributes: KeyValue[] }[];
  status?: { code: number; message: string };
}
interface Request {
  resourceSpans: {
    resource?: { attributes: KeyValue[] };
    scopeSpans: { scope?: { name: string }; spans: Span[] }[];
  }[];
}

function intValue(text: string): number | bigint {
  const n = BigInt(text);
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

function anyValue(v: AnyValue | undefined): AttrValue {
  switch (v?.value) {
    case 'stringValue': return v.stringValue!;
    case 'boolValue': return v.boolValue!;
    case 'intValue': return intValue(v.intValue!);
    case 'doubleValue': return v.doubleValue!;
    case 'arrayValue': return v.arrayValue!.values.map(anyValue);
    case 'kvlistValue': return attributes(v.kvlistValue!.values);
    case 'bytesValue': return Buffer.from(v.bytesValue!).toString('hex');
    default: return null;
  }
}

function attributes(kvs: readonly KeyValue[] | undefined): Record<string, AttrValue> {
  return Object.fromEntries((kvs ?? []).map((kv) => [kv.key, anyValue(kv.value)]));
}

const hex = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString('hex');

function span(s: Span, scope: string, resource: Record<string, AttrValue>): DecodedSpan {
  return {
    traceId: hex(s.traceId),
    spanId: hex(s.spanId),
    parentSpanId: hex(s.parentSpanId),
    name: s.name,
    kind: s.kind,
    startNs: BigInt(s.startTimeUnixNano),
    endNs: BigInt(s.endTimeUnixNano),
    attributes: attributes(s.attributes),
    links: s.links.map((l) => ({ traceId: hex(l.traceId), spanId: hex(l.spanId), attributes: attributes(l.attributes) })),
    events: s.events.map((e) => ({ name: e.name, timeNs: BigInt(e.timeUnixNano), attributes: attributes(e.attributes) })),
    status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
    scope,
    resource,
  };
}

export function decodeExportTraceRequest(body: Uint8Array): DecodedSpan[] {
  const request = Request.toObject(Request.decode(body), {
    longs: String, defaults: true, arrays: true, oneofs: true,
  }) as Request;
  return request.resourceSpans.flatMap((rs) => {
    const resource = attributes(rs.resource?.attributes);
    return rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => span(s, ss.scope?.name ?? '', resource)));
  });
}
