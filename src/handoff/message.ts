import { HandoffError } from './errors.js';

/**
 * The handoff datagram: a 16-byte binary header, then a JSON payload; the fds ride in the same
 * datagram (SCM_RIGHTS). The header carries the fd count so a receiver can tell fds lost in
 * transit (MSG_CTRUNC, a full fd table) from a sender bug.
 *
 *   0 magic "FSIH"   4 u16 version   6 u16 kind   8 u16 fd count   10 u16 reserved   12 u32 payload len
 */
export const HANDOFF_MAGIC = 'FSIH';
export const HANDOFF_VERSION = 1;
export const HEADER_SIZE = 16;
export const MAX_MESSAGE = 64 * 1024;

export const MessageKind = { offer: 1 } as const;

/** What each fd is: `primary` is the fd the mount was made with, `queue` a FUSE_DEV_IOC_CLONE copy. */
export type FdRole = 'primary' | 'queue';

export interface HandoffOffer {
  volumeId: string;
  /** The negotiated FUSE_INIT parameters (the kernel sends INIT once per connection). */
  init: Readonly<Record<string, unknown>>;
  /** One role per fd, in the order the fds arrive. */
  fds: readonly FdRole[];
  /** Free-form extras the receiver may use (e.g. the passthrough broker socket name). */
  extra?: Readonly<Record<string, unknown>>;
}

export function encodeOffer(offer: HandoffOffer): Buffer {
  const payload = Buffer.from(JSON.stringify(offer), 'utf8');
  if (HEADER_SIZE + payload.length > MAX_MESSAGE) {
    throw new HandoffError('BAD_PAYLOAD', `offer is ${payload.length} bytes, above ${MAX_MESSAGE}`);
  }
  const header = Buffer.alloc(HEADER_SIZE);
  header.write(HANDOFF_MAGIC, 0, 'latin1');
  header.writeUInt16LE(HANDOFF_VERSION, 4);
  header.writeUInt16LE(MessageKind.offer, 6);
  header.writeUInt16LE(offer.fds.length, 8);
  header.writeUInt32LE(payload.length, 12);
  return Buffer.concat([header, payload]);
}

function parseHeader(buf: Buffer): { fdCount: number; payloadLen: number } {
  if (buf.length < HEADER_SIZE) {
    throw new HandoffError(
      'TRUNCATED',
      `message of ${buf.length} bytes, header needs ${HEADER_SIZE}`,
    );
  }
  if (buf.toString('latin1', 0, 4) !== HANDOFF_MAGIC) {
    throw new HandoffError('BAD_MAGIC', 'not a handoff message (bad magic)');
  }
  const version = buf.readUInt16LE(4);
  if (version !== HANDOFF_VERSION) {
    throw new HandoffError(
      'BAD_VERSION',
      `handoff version ${version}, this side speaks ${HANDOFF_VERSION}`,
    );
  }
  if (buf.readUInt16LE(6) !== MessageKind.offer) {
    throw new HandoffError('BAD_PAYLOAD', `unknown message kind ${buf.readUInt16LE(6)}`);
  }
  const payloadLen = buf.readUInt32LE(12);
  if (buf.length !== HEADER_SIZE + payloadLen) {
    throw new HandoffError(
      'TRUNCATED',
      `payload ${buf.length - HEADER_SIZE} bytes, header says ${payloadLen}`,
    );
  }
  return { fdCount: buf.readUInt16LE(8), payloadLen };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkPayload(v: unknown, fdCount: number): HandoffOffer {
  if (!isRecord(v)) throw new HandoffError('BAD_PAYLOAD', 'payload is not an object');
  const { volumeId, init, fds, extra } = v;
  if (typeof volumeId !== 'string' || volumeId === '') {
    throw new HandoffError('BAD_PAYLOAD', 'volumeId must be a non-empty string');
  }
  if (!isRecord(init)) throw new HandoffError('BAD_PAYLOAD', 'init must be an object');
  if (!Array.isArray(fds) || !fds.every((r) => r === 'primary' || r === 'queue')) {
    throw new HandoffError('BAD_PAYLOAD', "fds must list roles 'primary' or 'queue'");
  }
  if (fds.length !== fdCount) {
    throw new HandoffError('BAD_PAYLOAD', `payload lists ${fds.length} fds, header ${fdCount}`);
  }
  if (extra !== undefined && !isRecord(extra))
    throw new HandoffError('BAD_PAYLOAD', 'extra must be an object');
  return { volumeId, init, fds: fds as FdRole[], ...(extra === undefined ? {} : { extra }) };
}

/** Validate a received datagram against the fds that came with it. Never closes fds itself. */
export function decodeOffer(buf: Buffer, receivedFds: number): HandoffOffer {
  const { fdCount, payloadLen } = parseHeader(buf);
  let parsed: unknown;
  try {
    parsed = JSON.parse(buf.toString('utf8', HEADER_SIZE, HEADER_SIZE + payloadLen));
  } catch {
    throw new HandoffError('BAD_PAYLOAD', 'payload is not JSON');
  }
  const offer = checkPayload(parsed, fdCount);
  if (receivedFds !== fdCount) {
    throw new HandoffError('FD_COUNT_MISMATCH', `expected ${fdCount} fds, received ${receivedFds}`);
  }
  return offer;
}
