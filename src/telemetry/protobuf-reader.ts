/**
 * A minimal protobuf wire-format reader: enough to decode OTLP requests in tests and in the
 * in-process receiver without generated code (otlp-transformer ships only an encoder).
 */
export type WireValue = { wire: 0 | 1 | 5; int: bigint } | { wire: 2; bytes: Buffer };

export class ProtobufDecodeError extends Error {
  readonly code = 'EPROTOBUF';
  constructor(message: string) {
    super(message);
    this.name = 'ProtobufDecodeError';
  }
}

function readVarint(buf: Buffer, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (let i = pos; i < buf.length; i++) {
    const byte = buf[i]!;
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [result, i + 1];
    shift += 7n;
    if (shift > 63n) throw new ProtobufDecodeError('varint longer than 10 bytes');
  }
  throw new ProtobufDecodeError('truncated varint');
}

function need(buf: Buffer, end: number): void {
  if (end > buf.length) throw new ProtobufDecodeError('truncated field');
}

/** Every field of one message, in order, grouped by field number. */
export function readFields(buf: Buffer): Map<number, WireValue[]> {
  const fields = new Map<number, WireValue[]>();
  let pos = 0;
  while (pos < buf.length) {
    const [key, afterKey] = readVarint(buf, pos);
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    let value: WireValue;
    if (wire === 0) {
      const [v, next] = readVarint(buf, afterKey);
      value = { wire, int: v };
      pos = next;
    } else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      need(buf, afterKey + size);
      const int = wire === 1 ? buf.readBigUInt64LE(afterKey) : BigInt(buf.readUInt32LE(afterKey));
      value = { wire, int };
      pos = afterKey + size;
    } else if (wire === 2) {
      const [len, start] = readVarint(buf, afterKey);
      const end = start + Number(len);
      need(buf, end);
      value = { wire, bytes: buf.subarray(start, end) };
      pos = end;
    } else {
      throw new ProtobufDecodeError(`unsupported wire type ${wire}`);
    }
    const list = fields.get(field);
    if (list === undefined) fields.set(field, [value]);
    else list.push(value);
  }
  return fields;
}

export const bytesOf = (v: WireValue | undefined): Buffer =>
  v !== undefined && v.wire === 2 ? v.bytes : Buffer.alloc(0);
export const stringOf = (v: WireValue | undefined): string => bytesOf(v).toString('utf8');
export const intOf = (v: WireValue | undefined): bigint =>
  v !== undefined && v.wire !== 2 ? v.int : 0n;
/** int64 fields are two's complement in a varint. */
export const signedOf = (v: WireValue | undefined): bigint => BigInt.asIntN(64, intOf(v));
export const doubleOf = (v: WireValue | undefined): number => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(intOf(v));
  return b.readDoubleLE(0);
};
