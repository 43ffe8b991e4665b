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
  status: { code: number; message: string };
  scope: string;
  resource: Record<string, AttrValue>;
}

function anyValue(buf: Buffer): AttrValue {
  const f = readFields(buf);
  if (f.has(1)) return stringOf(f.get(1)?.[0]);
  if (f.has(2)) return intOf(f.get(2)?.[0]) !== 0n;
  if (f.has(3)) {
    const n = signedOf(f.get(3)?.[0]);
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(n)
      : n;
  }
  if (f.has(4)) return doubleOf(f.get(4)?.[0]);
  if (f.has(5)) {
    const arr = readFields(bytesOf(f.get(5)?.[0]));
    return (arr.get(1) ?? []).map((v) => anyValue(bytesOf(v)));
  }
  if (f.has(7)) return bytesOf(f.get(7)?.[0]).toString('hex');
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

function span(buf: Buffer, scope: string, resource: Record<string, AttrValue>): DecodedSpan {
  const f = readFields(buf);
  const status = readFields(bytesOf(f.get(15)?.[0]));
  return {
    traceId: hex(f.get(1)?.[0]),
    spanId: hex(f.get(2)?.[0]),
    parentSpanId: hex(f.get(4)?.[0]),
    name: stringOf(f.get(5)?.[0]),
    kind: Number(intOf(f.get(6)?.[0])),
    startNs: intOf(f.get(7)?.[0]),
    endNs: intOf(f.get(8)?.[0]),
    attributes: attributes(f.get(9)),
    links: (f.get(13) ?? []).map((l) => link(bytesOf(l))),
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
