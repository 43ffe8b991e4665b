import { InitFlag } from '../protocol/constants.js';

/**
 * INIT flags to treat as absent from the kernel's offer, so that behaviour on older kernels can
 * be tested on a new one: `resend` and `passthrough` are what kernels before 6.9 (FUSE 7.40) lack.
 * The value is a comma list of InitFlag names in any case (`resend` and `has_resend` are the
 * same). Only the flags are masked: the protocol minor version stays the kernel's.
 */
export const KERNEL_INIT_MASK_ENV = 'FS_INTERPOSER_KERNEL_INIT_MASK';

const ALIASES: Readonly<Record<string, string>> = { RESEND: 'HAS_RESEND' };

export class InitMaskError extends Error {
  readonly code = 'EINITMASK';
}

export function parseInitMask(text: string | undefined): bigint {
  let mask = 0n;
  for (const word of (text ?? '').split(',')) {
    const name = word.trim().toUpperCase();
    if (name === '') continue;
    const flag = (InitFlag as Readonly<Record<string, bigint>>)[ALIASES[name] ?? name];
    if (flag === undefined) {
      const accepted = [
        'resend',
        'passthrough',
        ...Object.keys(InitFlag).map((k) => k.toLowerCase()),
      ];
      throw new InitMaskError(
        `${KERNEL_INIT_MASK_ENV}: unknown INIT flag '${word.trim()}'; accepted: ${accepted.join(', ')}`,
      );
    }
    mask |= flag;
  }
  return mask;
}

/** The mask the environment asks for (empty: none). */
export const initMaskFromEnv = (env: NodeJS.ProcessEnv): bigint =>
  parseInitMask(env[KERNEL_INIT_MASK_ENV]);
