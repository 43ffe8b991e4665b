import { readFile } from 'node:fs/promises';
import type { Logger } from '../log/logger.js';
import { parseConfigFile, parseLayerSpec } from '../config/index.js';
import type { ConfigError, StackConfig } from '../config/index.js';
import { createStack } from '../vfs/stack.js';
import type { Stack } from '../vfs/stack.js';
import type { Backend } from '../vfs/types.js';
import type { MountArgs } from './mount-args.js';

export interface StackHolder {
  current(): Stack;
  close(): Promise<void>;
}

export type StackSetup =
  | { ok: true; config: StackConfig; create(backend: Backend, logger: Logger): StackHolder }
  | { ok: false; errors: string[] };

function describe(e: ConfigError): string {
  const where = e.position ? ` (at ${e.position})` : '';
  const accepted = e.accepted?.length ? `; accepted: ${e.accepted.join(', ')}` : '';
  return `${e.message}${where}${accepted}`;
}

async function loadConfig(a: MountArgs): Promise<{ ok: true; value: StackConfig } | { ok: false; errors: string[] }> {
  if (a.configFile !== undefined) {
    if (a.layers !== '') return { ok: false, errors: ['--layers and --config exclude each other'] };
    let text: string;
    try {
      text = await readFile(a.configFile, 'utf8');
    } catch (err) {
      return { ok: false, errors: [`--config ${a.configFile}: ${(err as NodeJS.ErrnoException).code ?? err}`] };
    }
    const r = parseConfigFile(text, a.configFile);
    return r.ok ? r : { ok: false, errors: r.errors.map((e) => `--config ${a.configFile}: ${describe(e)}`) };
  }
  const r = parseLayerSpec(a.layers);
  return r.ok ? r : { ok: false, errors: r.errors.map((e) => `--layers: ${describe(e)}`) };
}

/** Validate the layer configuration up front; build the stack once the backend exists. */
export async function createStackSetup(a: MountArgs): Promise<StackSetup> {
  const loaded = await loadConfig(a);
  if (!loaded.ok) return loaded;
  const config = loaded.value;
  if (config.layers.length > 0) {
    return { ok: false, errors: ['--layers: layers are not wired into the mount command yet'] };
  }
  return {
    ok: true,
    config,
    create(backend) {
      const stack = createStack([], backend);
      return { current: () => stack, close: () => stack.close() };
    },
  };
}
