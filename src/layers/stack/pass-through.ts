import type { Layer } from '../../vfs/types.js';

/**
 * A configured but inactive layer (rate 0, no delays, no limits). buildStack leaves such layers
 * out of the call chain entirely, so they cost nothing per op (each layer in the chain is one
 * more promise per call: about 0.15 us in-process, measured), while status still lists them.
 */
const inactive = new WeakSet<Layer>();

export function passThrough(name: string): Layer {
  const layer: Layer = { name, around: (_call, next) => next() };
  inactive.add(layer);
  return layer;
}

export const isPassThrough = (layer: Layer): boolean => inactive.has(layer);
