import { bytesOf, doubleOf, intOf, readFields, signedOf, stringOf } from './protobuf-reader.js';
import type { WireValue } from './protobuf-reader.js';

/**
 * Decodes an OTLP ExportTraceServiceRequest (opentelemetry/proto/collector/trace/v1) into plain
 * objects. Field numbers follow trace.proto / common.proto / resource.proto of OTLP 1.x.
 */
export type AttrValue = string | number | boolean | bigint | AttrValue[] | null;

export interface DecodedLink {
  traceId: string;
  spanId: string;
  attributes: Record<string, AttrValue>;
}

/** A span event (Span.events, field 11): faults, delays and throttle waits of the trace layer. */
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

function intValue(v: WireValue | undefined): number | bigint {
  const n = signedOf(v);
  const safe = n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER);
  return safe ? Number(n) : n;
}

/** AnyValue's oneof, by field number. */
const ANY_VALUE: Readonly<Record<number, (v: WireValue | undefined) => AttrValue>> = {
  1: stringOf,
  2: (v) => intOf(v) !== 0n,
  3: intValue,
  4: doubleOf,
  5: (v) => (readFields(bytesOf(v)).get(1) ?? []).map((x) => anyValue(bytesOf(x))),
  7: (v) => bytesOf(v).toString('hex'),
};

function anyValue(buf: Buffer): AttrValue {
  for (const [field, values] of readFields(buf)) {
    const decode = ANY_VALUE[field];
    if (decode !== undefined) return decode(values[0]);
  }
  return null;
}

function attributes(values: WireValue[] | undefined): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const kv of values ?? []) {
    const f = readFields(bytesOf(kv));
    out[stringOf(f.get(1)?.[0])] = anyValue(bytesOf(f.get(2)?.[0]));
  }
  return out;
}

const hex = (v: WireValue | undefined): string => bytesOf(v).toString('hex');

function link(buf: Buffer): DecodedLink {
  const f = readFields(buf);
  return {
    traceId: hex(f.get(1)?.[0]),
    spanId: hex(f.get(2)?.[0]),
    attributes: attributes(f.get(4)),
  };
}

function event(buf: Buffer): DecodedEvent {
  const f = readFields(buf);
  return { timeNs: intOf(f.get(1)?.[0]), name: stringOf(f.get(2)?.[0]), attributes: attributes(f.get(3)) };
}

function span(buf: Buffer, scope: string, resource: Record<string, AttrValue>): DecodedSpan {
  const f = readFields(buf);
  const first = (n: number): WireValue | undefined => f.get(n)?.[0];
  const status = readFields(bytesOf(first(15)));
  return {
    traceId: hex(first(1)),
    spanId: hex(first(2)),
    parentSpanId: hex(first(4)),
    name: stringOf(first(5)),
    kind: Number(intOf(first(6))),
    startNs: intOf(first(7)),
    endNs: intOf(first(8)),
    attributes: attributes(f.get(9)),
    links: (f.get(13) ?? []).map((l) => link(bytesOf(l))),
    events: (f.get(11) ?? []).map((e) => event(bytesOf(e))),
    status: { code: Number(intOf(status.get(3)?.[0])), message: stringOf(status.get(2)?.[0]) },
    scope,
    resource,
  };
}

export function decodeExportTraceRequest(body: Buffer): DecodedSpan[] {
  const spans: DecodedSpan[] = [];
  for (const rs of readFields(body).get(1) ?? []) {
    const rsf = readFields(bytesOf(rs));
    const resource = attributes(readFields(bytesOf(rsf.get(1)?.[0])).get(1));
    for (const ss of rsf.get(2) ?? []) {
      const ssf = readFields(bytesOf(ss));
      const scope = stringOf(readFields(bytesOf(ssf.get(1)?.[0])).get(1)?.[0]);
      for (const s of ssf.get(2) ?? []) spans.push(span(bytesOf(s), scope, resource));
    }
  }
  return spans;
}
