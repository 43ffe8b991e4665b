import { describe, expect, it } from '@jest/globals';
import { continueFiles, parseConfigFile } from '../../../src/config/index.js';

describe('continueFiles (a successor server takes over its predecessor files)', () => {
  it('appends to the record and decision-log files, and changes nothing else', () => {
    const r = parseConfigFile(
      'apiVersion: fs-interposer/v1\nkind: LayerStack\ndecisionLog: {path: /run/d.jsonl}\n' +
        'layers: [{type: record, path: /run/r.jsonl}, {type: fault, rate: 1}]\n',
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const c = continueFiles(r.value);
    expect(c.decisionLog).toEqual({ path: '/run/d.jsonl', append: true });
    expect(c.layers).toEqual([
      { type: 'record', path: '/run/r.jsonl', append: true },
      { type: 'fault', rate: 1 },
    ]);
    expect(r.value.layers[0]).not.toHaveProperty('append');
    expect(Object.isFrozen(c.layers[0])).toBe(true);
  });

  it('adds no decision log where there was none', () => {
    const r = parseConfigFile('apiVersion: fs-interposer/v1\nkind: LayerStack\nlayers: []\n');
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(continueFiles(r.value)).not.toHaveProperty('decisionLog');
  });
});
