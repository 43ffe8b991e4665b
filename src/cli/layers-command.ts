import { COMMON_PARAMS, UNIT_HINTS, listLayers, listStackOptions } from '../config/index.js';
import type { LayerParam } from '../config/index.js';
import type { ParsedCommand } from './parse-command.js';
import { UsageError } from './usage-error.js';

const isCommon = (p: LayerParam): boolean =>
  COMMON_PARAMS.some((c) => p.name === c || p.name.startsWith(`${c}.`));

/** A default as a person writes it: sizes in Mi/Ki when whole, durations with ms. */
function shown(p: LayerParam): string {
  const v = p.default;
  if (p.type === 'size' && typeof v === 'number' && v > 0) {
    for (const [unit, n] of [
      ['Gi', 2 ** 30],
      ['Mi', 2 ** 20],
      ['Ki', 2 ** 10],
    ] as const) {
      if (v % n === 0) return `${v / n}${unit}`;
    }
  }
  if (p.type === 'duration' && typeof v === 'number') return `${v}ms`;
  return JSON.stringify(v);
}

/** The unit hint of every size or duration is said once, in the legend, not on each line. */
const HINTS = Object.values(UNIT_HINTS).filter((h) => !h.includes('percent'));
const described = (p: LayerParam): string =>
  HINTS.reduce((d, h) => d.replace(h, ''), p.description);

/** `    window.up <duration> (default 0ms) [latency=10ms]: description`, indented by depth. */
function line(p: LayerParam): string {
  const depth = p.name.split('.').length - 1;
  const def = p.default === undefined ? '' : ` (default ${shown(p)})`;
  const forms = p.compact === undefined ? '' : ` [${p.compact.join(' | ')}]`;
  return `${'  '.repeat(depth + 2)}${p.name} <${p.type}>${def}${forms}: ${described(p)}`;
}

/**
 * `fs-interposer layers`: every option the configuration accepts, from the schema, with the
 * compact-grammar forms in brackets next to the options they set.
 */
export function runLayersCommand(p: ParsedCommand): number {
  if (p.positionals.length > 0) throw new UsageError('layers takes no arguments', 'layers');
  const layers = listLayers();
  if (p.values.json === true) {
    const stack = listStackOptions();
    process.stdout.write(`${JSON.stringify({ stack, layers }, null, 2)}\n`);
    return 0;
  }
  const unscoped = layers.filter((l) => !l.scoped).map((l) => l.name).join(', ');
  const out = [
    'Compact form (annotation, --layers): layer[=value],... outermost first; [forms] below.',
    `Units: <size>${UNIT_HINTS.size}; <duration>${UNIT_HINTS.duration}.`,
    'File form (--config, ConfigMap): apiVersion: fs-interposer/v1, kind: LayerStack, and:',
    ...listStackOptions().map(line),
    `  layers: outermost first; each layer has a type and its options. Every layer takes (scope: not ${unscoped}, which observe every request):`,
    ...(layers.find((l) => l.scoped) ?? layers[0]!).params.filter(isCommon).map(line),
    '',
  ];
  for (const l of layers) {
    const forms = l.compact.length === 0 ? '' : ` [${l.compact.join(' | ')}]`;
    out.push(
      `${l.name}${forms}: ${l.description}`,
      ...l.params.filter((x) => !isCommon(x)).map(line),
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
