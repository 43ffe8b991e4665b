import { describe, expect, it, jest } from '@jest/globals';
import { stackConfigSchema } from '../../src/config/index.js';
import { CLI } from '../helpers/mount.js';
import { shOk } from '../helpers/sh.js';

jest.setTimeout(30_000);

interface Node {
  properties?: Record<string, Node>;
  oneOf?: unknown[];
  default?: unknown;
  'x-compact'?: string[];
  /** A property refused on purpose (scope on trace, metrics, record): not an option. */
  not?: unknown;
}

/** Every option of a schema object by dotted path, walked here independently of list-layers.ts. */
function options(
  props: Record<string, Node>,
  prefix = '',
): { path: string; node: Node; inAlternatives: boolean }[] {
  return Object.entries(props).flatMap(([k, node]) => {
    const path = `${prefix}${k}`;
    const children = node.properties === undefined ? [] : options(node.properties, `${path}.`);
    // The keys of a delay are alternatives ({fixed} | {min,max} | ...): named in its type.
    return [
      { path, node, inAlternatives: false },
      ...children.map((c) => ({
        ...c,
        inAlternatives: c.inAlternatives || node.oneOf !== undefined,
      })),
    ];
  });
}

const schema = stackConfigSchema as {
  properties: Record<string, Node>;
  $defs: Record<string, Node>;
};
const LAYER_TYPES = (schema.$defs.layer as { properties: { type: { enum: string[] } } }).properties
  .type.enum;

describe('fs-interposer layers is the full reference of the configuration schema', () => {
  it('prints every option of every layer and of the stack, with its compact forms beside it', async () => {
    const text = await shOk(`node "${CLI}" layers`);
    const sections = new Map<string, string[]>();
    let current = '(stack)';
    for (const line of text.split('\n')) {
      const head = /^([a-z]+)\b/.exec(line); // a layer's header is the one unindented line
      if (head && LAYER_TYPES.includes(head[1]!)) current = head[1]!;
      sections.set(current, [...(sections.get(current) ?? []), line]);
    }
    const lineOf = (section: string, path: string): string | undefined =>
      sections.get(section)?.find((l) => l.trimStart().startsWith(`${path} <`));

    const stackOwn = Object.fromEntries(
      Object.entries(schema.properties).filter(
        ([k]) => !['apiVersion', 'kind', 'layers'].includes(k),
      ),
    );
    for (const o of options(stackOwn))
      expect([o.path, lineOf('(stack)', o.path) !== undefined]).toEqual([o.path, true]);

    for (const type of LAYER_TYPES) {
      expect(sections.has(type)).toBe(true);
      for (const o of options(schema.$defs[type]!.properties!)) {
        if (o.path === 'type' || o.node.not !== undefined) continue;
        // name and scope.* are printed once for every layer, in the stack section.
        const section = o.path === 'name' || o.path.startsWith('scope') ? '(stack)' : type;
        if (o.inAlternatives) {
          const parent = o.path.slice(0, o.path.lastIndexOf('.'));
          const key = o.path.slice(o.path.lastIndexOf('.') + 1);
          expect([o.path, lineOf(section, parent)]).toEqual([
            o.path,
            expect.stringMatching(new RegExp(`<[^>]*\\b${key}\\b`)),
          ]);
          continue;
        }
        const line = lineOf(section, o.path);
        expect([type, o.path, line !== undefined]).toEqual([type, o.path, true]);
        for (const form of o.node['x-compact'] ?? [])
          expect([o.path, line]).toEqual([o.path, expect.stringContaining(form)]);
        if (o.node.default !== undefined)
          expect([o.path, line]).toEqual([o.path, expect.stringContaining('(default ')]);
      }
    }
    // The options the issue found missing, by name.
    for (const [type, path] of [
      ['trace', 'endpoint'],
      ['trace', 'protocol'],
      ['trace', 'paths'],
      ['trace', 'ops'],
      ['trace', 'fileRollover.maxOps'],
      ['record', 'maxFiles'],
      ['record', 'ops'],
      ['record', 'flushIntervalMs'],
    ] as const) {
      expect([type, path, lineOf(type, path) !== undefined]).toEqual([type, path, true]);
    }
    // The observers refuse a scope: the common options say so.
    expect(text).toContain('(scope: not trace, metrics, record, which observe every request)');
    expect(lineOf('throttle', 'bytesPerSecond')).toContain('[throttle=5MB');
    expect(lineOf('quota', 'maxBytes')).toContain('quota=10Gi');
  });

  it('--json gives the same options per layer', async () => {
    const out = JSON.parse(await shOk(`node "${CLI}" layers --json`)) as {
      stack: { name: string }[];
      layers: { name: string; compact: string[]; params: { name: string }[] }[];
    };
    expect(out.layers.map((l) => l.name)).toEqual(LAYER_TYPES);
    for (const l of out.layers) {
      const expected = options(schema.$defs[l.name]!.properties!)
        .filter((o) => o.path !== 'type' && !o.inAlternatives && o.node.not === undefined)
        .map((o) => o.path);
      expect([l.name, l.params.map((p) => p.name)]).toEqual([l.name, expected]);
      expect(l.compact.length).toBeGreaterThan(0);
    }
    expect(out.stack.map((p) => p.name)).toContain('decisionLog.maxBytes');
  });
});
