import { parseLayerSpec, parseConfigFile } from '../../../src/config/index.js';
import type { StackConfig } from '../../../src/config/index.js';
import { buildStack } from '../../../src/layers/stack/build-stack.js';
import type { BuildDeps, BuiltStack } from '../../../src/layers/stack/build-stack.js';
import { createFakeClock } from '../../../src/vfs/fake-clock.js';
import type { FakeClock } from '../../../src/vfs/fake-clock.js';
import type { Backend } from '../../../src/vfs/types.js';
import { newBackend } from './fs-helpers.js';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { Registry } from 'prom-client';
import { metricsHostOf } from '../../../src/layers/stack/deps.js';
import { loadLayerFactories } from '../../../src/layers/stack/registry.js';

/** Build a stack from YAML (layers only) or a compact spec, on a fresh memory backend, fake clock, seed 7. */
export function yamlConfig(layersYaml: string, top = 'seed: 7'): StackConfig {
  const r = parseConfigFile(
    `apiVersion: fs-interposer/v1\nkind: LayerStack\n${top}\nlayers:\n${layersYaml}`,
  );
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

export function compactConfig(spec: string): StackConfig {
  const r = parseLayerSpec(spec);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return { ...r.value, seed: 7 };
}

export interface Fixture {
  stack: BuiltStack;
  clock: FakeClock;
  backend: Backend;
}

export function fixture(
  config: StackConfig,
  deps: BuildDeps = {},
  backend: Backend = newBackend(),
): Fixture {
  const clock = createFakeClock();
  return { stack: buildStack(config, backend, { clock, ...deps }), clock, backend };
}

/**
 * The stack of every layer type in `layersYaml` as the host builds it (factories loaded, a
 * tracer and a metrics registry of its own), for asking its plan; the caller closes it.
 */
export async function builtStack(layersYaml: string, deps: BuildDeps = {}): Promise<BuiltStack> {
  const config = yamlConfig(layersYaml);
  const tracerProvider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })],
  });
  return fixture(config, {
    factories: await loadLayerFactories(config),
    metrics: metricsHostOf(new Registry()),
    tracerProvider,
    ...deps,
  }).stack;
}

