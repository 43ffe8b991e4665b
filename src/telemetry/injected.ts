/**
 * Whether an error was injected by a disturbing layer rather than returned by the backend. The
 * fault layer marks its FsErrors with the message "injected <ERRNO>"; a layer may instead set
 * `injected: true` (and `injectedBy: '<layer name>'`) on the error, which is the stable way.
 */
export function isInjected(err: unknown): boolean {
  const e = err as { injected?: unknown; message?: unknown } | null;
  if (e === null || typeof e !== 'object') return false;
  return e.injected === true || (typeof e.message === 'string' && e.message.startsWith('injected'));
}

/** The injecting layer's name when the error carries it; 'fault' otherwise. */
export function injectedBy(err: unknown): string {
  const by = (err as { injectedBy?: unknown } | null)?.injectedBy;
  return typeof by === 'string' && by !== '' ? by : 'fault';
}
