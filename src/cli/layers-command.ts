import { listLayers } from '../config/index.js';

/** `fs-interposer layers`: every layer and its parameters, straight from the config schema. */
export function runLayersCommand(argv: string[]): number {
  const layers = listLayers();
  if (argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(layers, null, 2)}\n`);
    return 0;
  }
  const lines: string[] = [];
  for (const l of layers) {
    lines.push(`${l.name}: ${l.description}`);
    for (const p of l.params) {
      const def = p.default === undefined ? '' : ` (default ${JSON.stringify(p.default)})`;
      lines.push(`    ${p.name} <${p.type}>${def}: ${p.description}`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
