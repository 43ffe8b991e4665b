import type { ParsedCommand } from './parse-command.js';
import { loadStackConfig } from './stack-setup.js';
import { EXIT_OK, EXIT_USAGE, UsageError } from './usage-error.js';

/**
 * `fs-interposer validate --layers SPEC | --config FILE`: the checks `mount` makes on a layer
 * stack (and the admission webhook on an annotation: the same parser and schema), without
 * mounting. Valid: a summary, or with --json the normalised configuration, on stdout.
 */
export async function runValidateCommand(p: ParsedCommand): Promise<number> {
  const layers = p.values.layers as string | undefined;
  const configFile = p.values.config as string | undefined;
  if (p.positionals.length > 0) {
    throw new UsageError(`unexpected argument ${JSON.stringify(p.positionals[0])}`, 'validate');
  }
  if (layers === undefined && configFile === undefined) {
    throw new UsageError('validate needs --layers SPEC or --config FILE', 'validate');
  }
  const r = await loadStackConfig({
    layers: layers ?? '',
    ...(configFile !== undefined && { configFile }),
  });
  if (!r.ok) {
    process.stderr.write(
      `fs-interposer validate: invalid\n${r.errors.map((e) => `  - ${e}`).join('\n')}\n`,
    );
    return EXIT_USAGE;
  }
  if (p.values.json === true) {
    process.stdout.write(`${JSON.stringify(r.value, null, 2)}\n`);
    return EXIT_OK;
  }
  const names = r.value.layers.map((l) => l.name ?? l.type);
  const what =
    names.length === 0
      ? 'no layers'
      : `${names.length} layer(s), outermost first: ${names.join(', ')}`;
  process.stdout.write(`valid: ${what}\n`);
  return EXIT_OK;
}
