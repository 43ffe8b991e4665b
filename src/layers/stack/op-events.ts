import type { Attributes } from '@opentelemetry/api';
import type { OpCall } from '../../vfs/types.js';

/**
 * What a disturbing layer did to one op, for the trace layer above it to put on the op's span:
 * an injected fault (errno, short transfer, dropped or corrupted write), a delay, a throttle wait.
 * Keyed by the call object, which the stack hands unchanged from layer to layer: a layer below
 * the trace layer reports, the trace layer listens for the duration of `next()`. Without a
 * listening trace layer a report costs one WeakMap lookup, and only when something is injected.
 */
export type OpEventName = 'fault' | 'delay' | 'throttle.wait';

export interface OpEvent {
  readonly name: OpEventName;
  /** `fs_interposer.*` keys: layer, kind, errno, size, requested size, delay_ms. */
  readonly attributes: Attributes;
}

export type OpEventListener = (event: OpEvent) => void;

const listeners = new WeakMap<OpCall, OpEventListener>();

/** Event attribute keys, one namespace for all three kinds of events. */
export const EVENT_ATTR = Object.freeze({
  layer: 'fs_interposer.layer',
  kind: 'fs_interposer.fault.kind',
  errno: 'fs_interposer.fault.errno',
  size: 'fs_interposer.fault.size',
  requested: 'fs_interposer.fault.requested_size',
  offset: 'fs_interposer.fault.offset',
  delayMs: 'fs_interposer.delay_ms',
});

/**
 * Listen for the events of `call` until the returned function is called. A second listener (two
 * trace layers in one stack) chains to the first, so both spans get the event.
 */
export function listenOpEvents(call: OpCall, listener: OpEventListener): () => void {
  const previous = listeners.get(call);
  listeners.set(call, previous === undefined ? listener : (e) => (listener(e), previous(e)));
  return () => {
    if (previous === undefined) listeners.delete(call);
    else listeners.set(call, previous);
  };
}

export function reportOpEvent(call: OpCall, event: OpEvent): void {
  listeners.get(call)?.(event);
}

/** An injected fault of layer `layer`: kind is the errno name or the data fault's name. */
export function reportFault(call: OpCall, layer: string, kind: string, extra: Attributes = {}): void {
  if (!listeners.has(call)) return;
  reportOpEvent(call, { name: 'fault', attributes: { [EVENT_ATTR.layer]: layer, [EVENT_ATTR.kind]: kind, ...extra } });
}

/** A delay (latency layer) or throttle wait of `ms` milliseconds. */
export function reportWait(call: OpCall, name: 'delay' | 'throttle.wait', layer: string, ms: number): void {
  if (!listeners.has(call)) return;
  reportOpEvent(call, { name, attributes: { [EVENT_ATTR.layer]: layer, [EVENT_ATTR.delayMs]: ms } });
}
