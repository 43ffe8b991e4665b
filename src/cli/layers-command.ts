import { listLayers } from '../config/index.js';
import type { ParsedCommand } from './parse-command.js';
import { UsageError } from './usage-error.js';

/** `fs-interposer layers`: every layer and its parameters, straight from the config schema. */
export function runLayersCommand(p: ParsedCommand): number {
  if (p.positionals.length > 0) throw new UsageError('layers takes no arguments', 'layers');
  const layers = listLayers();
  if (p.values.json === true) {
    process.stdout.write(`${JSON.stringify(layers, null, 2)}\n`);
    return 0;
  }
  const lines: string[] = [];
  for (const l of layers) {
    lines.push(`${l.name}: ${l.description}`);
    for (const param of l.params) {
      const def = param.default === undefined ? '' : ` (default ${JSON.stringify(param.default)})`;
      lines.push(`    ${param.name} <${param.type}>${def}: ${param.description}`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
