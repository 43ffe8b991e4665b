import { readFile } from 'node:fs/promises';
import { parseConfigFile, parseLayerSpec } from '../config/index.js';
import type { ConfigError, LayerConfig, StackConfig } from '../config/index.js';
import { fileProblem } from './file-errors.js';
import type { MountArgs } from './mount-args.js';

export function describeConfigError(e: ConfigError): string {
  const where = e.position ? ` (at ${e.position})` : '';
  const accepted = e.accepted?.length ? `; accepted: ${e.accepted.join(', ')}` : '';
  return `${e.message}${where}${accepted}`;
}

type Loaded = { ok: true; value: StackConfig } | { ok: false; errors: string[] };

/** The stack configuration from --layers or --config, plus the --record shorthand. */
export async function loadStackConfig(a: Pick<MountArgs, 'layers' | 'configFile' | 'record'>): Promise<Loaded> {
  let loaded: Loaded;
  if (a.configFile !== undefined) {
    if (a.layers !== '') return { ok: false, errors: ['--layers and --config (or FS_INTERPOSER_LAYERS and FS_INTERPOSER_CONFIG) exclude each other: give one'] };
    let text: string;
    try {
      text = await readFile(a.configFile, 'utf8');
    } catch (err) {
      return { ok: false, errors: [`--config ${a.configFile}: ${fileProblem(err as NodeJS.ErrnoException)}`] };
    }
    const r = parseConfigFile(text, a.configFile);
    loaded = r.ok ? r : { ok: false, errors: r.errors.map((e) => `--config ${a.configFile}: ${describeConfigError(e)}`) };
  } else {
    const r = parseLayerSpec(a.layers);
    loaded = r.ok ? r : { ok: false, errors: r.errors.map((e) => `--layers: ${describeConfigError(e)}`) };
  }
  if (!loaded.ok || a.record === undefined) return loaded;
  // --record FILE is the outermost record layer, so it sees what the app asked for.
  const record: LayerConfig = { type: 'record', path: a.record };
  return { ok: true, value: { ...loaded.value, layers: [record, ...loaded.value.layers] } };
}
