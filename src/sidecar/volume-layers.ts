import type { StackConfig } from '../config/index.js';
import { loadLayerFactories } from '../layers/stack/registry.js';
import type { LayerFactories } from '../layers/stack/registry.js';
import type { StackRuntime } from '../layers/stack/stack-runtime.js';
import { createReaderTap } from '../vfs/reader-tap.js';
import type { StackPort } from '../vfs/stack.js';
import type { Backend } from '../vfs/types.js';
import type { StackController } from '../layers/stack/controller.js';
import { createSwitchablePort, refusingPort } from './refusing-port.js';

/**
 * One volume's layers as the session sees them: the live stack, or, while the configuration
 * cannot run, a port that refuses every request. A reconfigure swaps the live stack, or brings
 * a refused volume to life; it throws (and changes nothing) when the new stack cannot be built.
 */
export interface VolumeLayers {
  readonly port: StackPort;
  readonly refused: string | undefined;
  /** The live stack's controller (the control socket drives it); undefined while refused. */
  readonly controller: StackController | undefined;
  reconfigure(config: StackConfig): Promise<void>;
  /** Called after every change of what serves requests (a swap, or coming to life). */
  onChange(listener: () => void): void;
  close(): Promise<void>;
}

export interface VolumeLayersOptions {
  config: StackConfig;
  /** Known not to run (invalid configuration): nothing is built. */
  refused?: string;
  /** The factories of `config`'s layers (a reconfigure loads those of the new one). */
  factories: LayerFactories;
  /** Builds the stack runtime, counting into the reader tap it is given. */
  build: (config: StackConfig, factories: LayerFactories, readerTap: SharedArrayBuffer) => StackRuntime;
  /** Answers the root's attributes while the volume is refused (refusing-port.ts). */
  backend?: Backend;
}

export function createVolumeLayers(o: VolumeLayersOptions): VolumeLayers {
  let refused = o.refused;
  let runtime: StackRuntime | undefined;
  const listeners: (() => void)[] = [];
  const changed = (): void => listeners.forEach((l) => l());
  const readerTap = createReaderTap();
  const start = (config: StackConfig, factories: LayerFactories): StackRuntime => {
    const r = o.build(config, factories, readerTap);
    r.controller.holder.onSwap(changed);
    return r;
  };
  if (refused === undefined) {
    try {
      runtime = start(o.config, o.factories);
    } catch (err) {
      refused = `the layer stack could not be built: ${(err as Error).message}`;
    }
  }
  const gate = createSwitchablePort(
    runtime?.controller.holder ?? refusingPort(refused ?? '', o.backend),
    readerTap,
  );
  return {
    port: gate.port,
    get refused() {
      return refused;
    },
    get controller() {
      return runtime?.controller;
    },
    async reconfigure(config) {
      if (runtime === undefined) {
        runtime = start(config, await loadLayerFactories(config));
        gate.set(runtime.controller.holder);
        refused = undefined;
        changed();
        return;
      }
      const r = await runtime.controller.apply(config);
      if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
    },
    onChange: (listener) => void listeners.push(listener),
    close: async () => runtime?.close(),
  };
}
