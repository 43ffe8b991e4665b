import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { LineCounter } from 'yaml';

/** yaml is loaded with the first config file, not with this module (see validate.ts). */
const requireCjs = createRequire(import.meta.url);
const yaml = (): typeof Yaml => requireCjs('yaml') as typeof Yaml;
import type { Document } from 'yaml';
import { MAX_CONFIG_BYTES, MAX_YAML_ALIAS_COUNT, oversize } from './limits.js';
import type { ConfigError, ParseResult } from './result.js';
import { looksLikeSeedConfig, mapSeedConfig } from './seed-compat.js';
import type { StackConfig } from './types.js';
import { deepFreeze, validateStack } from './validate.js';

/**
 * The file form: the schema's object as YAML or JSON (JSON is parsed by the YAML parser too, so
 * both get line numbers). A file without `apiVersion` that uses the seed project's keys is read
 * as a seed config.json and mapped (see seed-compat.ts).
 */

function decodePointer(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** Line of the deepest node of the pointer that exists in the document. */
function lineOf(doc: Document, lines: LineCounter, pointer: string): number | undefined {
  const path: (string | number)[] = decodePointer(pointer).map((s) =>
    /^\d+$/.test(s) ? Number(s) : s,
  );
  while (path.length > 0) {
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    if (node?.range !== undefined) return lines.linePos(node.range[0]).line;
    path.pop();
  }
  const root = doc.contents as { range?: [number, number, number] } | null;
  return root?.range === undefined ? undefined : lines.linePos(root.range[0]).line;
}

function positioned(
  doc: Document,
  lines: LineCounter,
  file: string,
  v: { pointer: string; message: string; accepted?: string[] },
): ConfigError {
  const line = lineOf(doc, lines, v.pointer);
  const position = `${file}:${line ?? '?'} ${v.pointer === '' ? '/' : v.pointer}`;
  return v.accepted === undefined
    ? { message: v.message, position }
    : { message: v.message, position, accepted: v.accepted };
}

/**
 * The document as plain data, or why it cannot be: yaml throws (rather than reports) when the
 * aliases expand past the limit, and nothing may throw out of here (see limits.ts).
 */
function toData(doc: Document, fileName: string): { ok: true; raw: unknown } | { ok: false; errors: ConfigError[] } {
  try {
    return { ok: true, raw: doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT }) as unknown };
  } catch (err) {
    const aliases = /alias/i.test((err as Error).message);
    const message = aliases
      ? `YAML aliases expand past the limit (maxAliasCount ${MAX_YAML_ALIAS_COUNT}); write the values out`
      : `cannot read the document: ${(err as Error).message}`;
    return { ok: false, errors: [{ message, position: fileName }] };
  }
}

export function parseConfigFile(text: string, fileName = '<config>'): ParseResult<StackConfig> {
  const tooLarge = oversize(text, MAX_CONFIG_BYTES, 'the document');
  if (tooLarge !== undefined) return { ok: false, errors: [{ message: tooLarge, position: fileName }] };
  const { LineCounter: Lines, parseDocument } = yaml();
  const lines = new Lines();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => ({
        message: e.message.split('\n')[0] ?? e.code,
        position: `${fileName}:${e.linePos?.[0]?.line ?? '?'}`,
      })),
    };
  }
  const data = toData(doc, fileName);
  if (!data.ok) return data;
  const raw = data.raw;
  let candidate = raw;
  const errors: ConfigError[] = [];
  if (looksLikeSeedConfig(raw)) {
    const mapped = mapSeedConfig(raw);
    errors.push(...mapped.errors.map((e) => positioned(doc, lines, fileName, e)));
    candidate = mapped.value;
  }
  const result = validateStack(candidate);
  if (!result.ok) {
    // Violations inside a mapped seed config point into the mapped object: no line to give.
    const mapped = candidate !== raw;
    errors.push(
      ...result.violations.map((v) =>
        mapped
          ? { message: v.message, position: `${fileName} (mapped) ${v.pointer}` }
          : positioned(doc, lines, fileName, v),
      ),
    );
  }
  if (errors.length > 0 || !result.ok) return { ok: false, errors };
  return { ok: true, value: deepFreeze(result.value) };
}
