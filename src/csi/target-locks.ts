import { CsiError } from './csi-error.js';

export interface TargetLocks {
  /** Run `fn` holding the lock for `key`; ABORTED at once if another call holds it. */
  with<T>(key: string, fn: () => Promise<T>): Promise<T>;
  readonly held: number;
}

/**
 * Per-target-path locks. Contention answers ABORTED (the CSI spec's "operation pending for
 * volume") instead of queueing: the kubelet retries with back-off, and a queued duplicate of a
 * slow publish would only repeat work the first call is already doing.
 */
export function createTargetLocks(): TargetLocks {
  const held = new Set<string>();
  return {
    get held() {
      return held.size;
    },
    async with<T>(key: string, fn: () => Promise<T>): Promise<T> {
      if (held.has(key))
        throw new CsiError('ABORTED', `an operation on ${key} is already in progress`);
      held.add(key);
      try {
        return await fn();
      } finally {
        held.delete(key);
      }
    },
  };
}
