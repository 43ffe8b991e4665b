import { describe, expect, it } from '@jest/globals';
import { negotiate } from '../../../src/fuse/mount/init.js';
import { InitMaskError, initMaskFromEnv, parseInitMask } from '../../../src/fuse/mount/init-mask.js';
import { hasFlag } from '../../../src/fuse/mount/init.js';
import { InitFlag } from '../../../src/fuse/protocol/constants.js';

// The test hook that makes a 6.9+ kernel look like an older one: the flags it names are taken
// out of the kernel's INIT offer before we negotiate.
describe('kernel INIT mask', () => {
  const offered = 0x73fffffbn | (0x5fdn << 32n); // this machine's 6.18 kernel
  const req = { major: 7, minor: 45, maxReadahead: 131072, flags: offered };

  it('parses flag names (resend and passthrough, or any InitFlag in any case)', () => {
    expect(parseInitMask('resend, Passthrough')).toBe(InitFlag.HAS_RESEND | InitFlag.PASSTHROUGH);
    expect(parseInitMask('writeback_cache')).toBe(InitFlag.WRITEBACK_CACHE);
    expect(parseInitMask(undefined)).toBe(0n);
    expect(initMaskFromEnv({ FS_INTERPOSER_KERNEL_INIT_MASK: 'has_resend' })).toBe(
      InitFlag.HAS_RESEND,
    );
  });

  it('refuses an unknown name, naming what is accepted', () => {
    expect(() => parseInitMask('resnd')).toThrow(InitMaskError);
    expect(() => parseInitMask('resnd')).toThrow(
      /unknown INIT flag 'resnd'; accepted: resend, passthrough/,
    );
  });

  it('a masked flag is never negotiated: no RESEND, and passthrough falls back to the server', () => {
    const full = negotiate(req, { passthrough: true });
    expect(hasFlag(full, InitFlag.HAS_RESEND)).toBe(true);
    expect(full.passthrough).toBe(true);
    const old = negotiate(req, {
      passthrough: true,
      maskKernelFlags: parseInitMask('resend,passthrough'),
    });
    expect(hasFlag(old, InitFlag.HAS_RESEND)).toBe(false);
    expect(hasFlag(old, InitFlag.PASSTHROUGH)).toBe(false);
    expect(old.passthrough).toBe(false);
    // The rest of the offer is untouched, and the minor version stays the kernel's.
    expect(BigInt(`0x${old.flags}`) | InitFlag.HAS_RESEND | InitFlag.PASSTHROUGH).toBe(
      BigInt(`0x${full.flags}`) |
        InitFlag.HAS_RESEND |
        InitFlag.PASSTHROUGH |
        InitFlag.HANDLE_KILLPRIV_V2,
    );
    expect(old.minor).toBe(45);
  });
});
