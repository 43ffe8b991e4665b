import { describe, expect, it } from '@jest/globals';
import { HandoffError } from '../../../src/handoff/errors.js';
import { HEADER_SIZE, decodeOffer, encodeOffer } from '../../../src/handoff/message.js';
import type { HandoffOffer } from '../../../src/handoff/message.js';

const offer: HandoffOffer = {
  volumeId: 'csi-abc',
  init: { major: 7, minor: 45, flags: '0x40446029', maxWrite: 1048576 },
  fds: ['primary', 'queue'],
};

function withHeader(mutate: (b: Buffer) => Buffer): Buffer {
  return mutate(Buffer.from(encodeOffer(offer)));
}

describe('handoff message', () => {
  it('round-trips an offer', () => {
    expect(decodeOffer(encodeOffer(offer), 2)).toEqual(offer);
  });

  it.each([
    ['empty', () => Buffer.alloc(0), 0, 'TRUNCATED'],
    ['short header', () => Buffer.from('FSIH'), 0, 'TRUNCATED'],
    ['random bytes', () => Buffer.from('x'.repeat(64)), 0, 'BAD_MAGIC'],
    ['bad version', () => withHeader((b) => (b.writeUInt16LE(99, 4), b)), 2, 'BAD_VERSION'],
    ['bad kind', () => withHeader((b) => (b.writeUInt16LE(7, 6), b)), 2, 'BAD_PAYLOAD'],
    ['payload cut', () => withHeader((b) => b.subarray(0, b.length - 5)), 2, 'TRUNCATED'],
    ['length lies', () => withHeader((b) => (b.writeUInt32LE(5, 12), b)), 2, 'TRUNCATED'],
    ['fds lost in transit', () => encodeOffer(offer), 1, 'FD_COUNT_MISMATCH'],
    [
      'header fd count disagrees',
      () => withHeader((b) => (b.writeUInt16LE(3, 8), b)),
      3,
      'BAD_PAYLOAD',
    ],
  ])('rejects %s', (_name, make, fds, code) => {
    expect(() => decodeOffer(make(), fds)).toThrow(
      expect.objectContaining({ code }) as unknown as Error,
    );
  });

  it.each([
    ['not JSON', '{nope'],
    ['an array', '[]'],
    ['no volumeId', JSON.stringify({ init: {}, fds: [] })],
    ['init not an object', JSON.stringify({ volumeId: 'v', init: 3, fds: [] })],
    ['unknown fd role', JSON.stringify({ volumeId: 'v', init: {}, fds: ['weird'] })],
  ])('rejects a payload that is %s', (_name, json) => {
    const payload = Buffer.from(json);
    const buf = Buffer.alloc(HEADER_SIZE + payload.length);
    encodeOffer({ ...offer, fds: [] }).copy(buf, 0, 0, HEADER_SIZE);
    buf.writeUInt16LE(json.includes('weird') ? 1 : 0, 8);
    buf.writeUInt32LE(payload.length, 12);
    payload.copy(buf, HEADER_SIZE);
    const err = (() => {
      try {
        decodeOffer(buf, json.includes('weird') ? 1 : 0);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(HandoffError);
    expect((err as HandoffError).code).toBe('BAD_PAYLOAD');
  });
});
