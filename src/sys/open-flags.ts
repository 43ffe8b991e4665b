/**
 * Open flags per architecture, the one place their numbers live. x86-64 takes every value from
 * include/uapi/asm-generic/fcntl.h; arm64 overrides four of them in
 * arch/arm64/include/uapi/asm/fcntl.h (kept equal to 32-bit ARM for AArch32 compat), so x86-64's
 * O_DIRECT bit is arm64's O_DIRECTORY and x86-64's O_DIRECTORY bit is arm64's O_DIRECT. A
 * hard-coded x86-64 O_DIRECTORY on arm64 therefore asks for direct I/O instead of refusing a
 * non-directory. Flags that are equal on both are listed too, so the whole set comes from here.
 */
export interface OpenFlags {
  readonly O_DIRECT: number;
  readonly O_LARGEFILE: number;
  readonly O_DIRECTORY: number;
  readonly O_NOFOLLOW: number;
  readonly O_CLOEXEC: number;
  readonly O_PATH: number;
}

const GENERIC: OpenFlags = {
  O_DIRECT: 0o40000,
  O_LARGEFILE: 0o100000,
  O_DIRECTORY: 0o200000,
  O_NOFOLLOW: 0o400000,
  O_CLOEXEC: 0o2000000,
  O_PATH: 0o10000000,
};

const ARM64: OpenFlags = {
  ...GENERIC,
  O_DIRECTORY: 0o40000,
  O_NOFOLLOW: 0o100000,
  O_DIRECT: 0o200000,
  O_LARGEFILE: 0o400000,
};

/** Keyed by Node's `process.arch` names: the architectures the image is built for. */
const BY_ARCH: Readonly<Record<string, OpenFlags>> = { x64: GENERIC, arm64: ARM64 };

export const SUPPORTED_ARCHES: readonly string[] = Object.keys(BY_ARCH);

export function openFlagsFor(arch: string): OpenFlags {
  const flags = BY_ARCH[arch];
  if (flags === undefined) {
    throw new Error(
      `open flags of architecture '${arch}' are not known; supported: ${SUPPORTED_ARCHES.join(', ')}`,
    );
  }
  return flags;
}
