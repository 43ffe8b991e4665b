/**
 * Bounds on every configuration document, whoever wrote it (a Pod author's ConfigMap or
 * annotation, `ctl set-config`): a document is parsed on the serving process's main thread, so
 * one that is too large, or whose YAML aliases expand without bound (an alias bomb), must be a
 * config error naming the limit, never an exception or minutes of CPU.
 */

/** A ConfigMap holds at most 1 MiB; a config file larger than that is not a layer stack. */
export const MAX_CONFIG_BYTES = 2 ** 20;

/** The compact form is one annotation value: 32 layers with a path fit in far less. */
export const MAX_SPEC_BYTES = 64 * 2 ** 10;

/**
 * yaml's alias expansion bound (its `maxAliasCount`): the nodes an alias may copy, relative to
 * the document. A real layer stack needs no aliases at all; the bound only stops the bombs.
 */
export const MAX_YAML_ALIAS_COUNT = 100;

/** Layers in one stack: each adds a frame to every op, and thousands overflowed the stack. */
export const MAX_LAYERS = 32;

/** The error when `text` is over `limit` bytes, else undefined. */
export function oversize(text: string, limit: number, what: string): string | undefined {
  const bytes = Buffer.byteLength(text);
  return bytes > limit ? `${what} is ${bytes} bytes; at most ${limit} accepted` : undefined;
}
