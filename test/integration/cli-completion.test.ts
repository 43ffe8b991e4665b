import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS } from '../../src/cli/command-table.js';
import { listLayers } from '../../src/config/index.js';
import { CLI, REPO } from '../helpers/mount.js';
import { sh, shOk } from '../helpers/sh.js';

jest.setTimeout(120_000);

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fsi-completion-'));
  mkdirSync(join(dir, 'mnt-a'));
  writeFileSync(join(dir, 'stack.yaml'), '');
  await shOk(
    `node "${CLI}" completion bash > "${dir}/c.bash" && node "${CLI}" completion zsh > "${dir}/c.zsh"`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What bash offers for each line (the cursor at its end), through the generated function. */
async function bash(lines: string[]): Promise<string[]> {
  const calls = lines.map((l) => `t '${l.replaceAll("'", "'\\''")}'`).join('\n');
  const out = await shOk(
    `cd "${dir}"; source ./c.bash
     t() { COMP_LINE="$1"; COMP_POINT=\${#1}; COMPREPLY=(); _fs_interposer; printf '%s\\n' "\${COMPREPLY[*]}"; }
     ${calls}`,
  );
  return out.split('\n').slice(0, lines.length);
}

describe('fs-interposer completion bash', () => {
  it('completes commands, options and values from the command table and the schema', async () => {
    const cases: [string, string][] = [
      ['fs-interposer mo', 'mount'],
      ['fs-interposer u', 'umount unmount'],
      ['fs-interposer mount --log-', '--log-level --log-format'],
      ['fs-interposer mount --log-level d', 'debug'],
      ['fs-interposer mount --layers tr', 'trace'],
      [
        'fs-interposer mount --layers trace,thr',
        'trace,throttle=5MB trace,throttle=5Mi/s trace,throttle=100iops',
      ],
      // After a word break (=), bash replaces only what follows it.
      ['fs-interposer mount --layers trace,quota=10G', '10GB 10Gi'],
      ['fs-interposer mount --layers=trace,la', 'trace,latency=10ms trace,latency=5ms..20ms'],
      ['fs-interposer mount -o ro,meta_io=i', 'inline'],
      ['fs-interposer mount -c st', 'stack.yaml'],
      ['fs-interposer mount memo', 'memory:'],
      ['fs-interposer mount memory: mnt', 'mnt-a'],
      ['fs-interposer ctl mnt-a ', 'status set-layers set-config bypass kill powerloss'],
      ['fs-interposer ctl mnt-a powerloss t', 'tear'],
      ['fs-interposer ctl mnt-a set-layers sh', 'shuffle'],
      ['fs-interposer umount --l', '--lazy'],
      ['fs-interposer layers --', '--json --help'],
      ['fs-interposer completion ', 'bash zsh'],
    ];
    expect(await bash(cases.map(([l]) => l))).toEqual(cases.map(([, r]) => r));
  });

  it('offers every command and every option of the table, and every compact form of the schema', async () => {
    const [commands, ...flags] = await bash([
      'fs-interposer ',
      ...COMMANDS.map((c) => `fs-interposer ${c.name} -`),
    ]);
    expect(commands!.split(' ')).toEqual(expect.arrayContaining(COMMANDS.map((c) => c.name)));
    COMMANDS.forEach((c, i) => {
      for (const o of c.options)
        expect([c.name, flags[i]!.split(' ')]).toEqual([
          c.name,
          expect.arrayContaining([o.name.length === 1 ? `-${o.name}` : `--${o.name}`]),
        ]);
    });
    const [spec] = await bash(['fs-interposer validate --layers ']);
    const forms = listLayers().flatMap((l) => l.compact.map((f) => f.replace(/=[A-Z]+$/, '=')));
    expect(spec!.split(' ').sort()).toEqual([...new Set(forms)].sort());
  });
});

describe('fs-interposer completion zsh', () => {
  it('completes in a real zsh (compinit, typed on a pseudo-terminal)', async () => {
    const lines = [
      'fs-interposer mo',
      'fs-interposer mount --log-level deb',
      'fs-interposer mount --layers trace,quo',
      'fs-interposer mount -o ro,entr',
      'fs-interposer mount memo',
      'fs-interposer ctl /tmp set-l',
      'fs-interposer ctl /tmp powerloss te',
      'fs-interposer umount --la',
      'fs-interposer completion z',
    ];
    const r = await sh(
      `cd "${dir}" && python3 "${join(REPO, 'test/helpers/zsh-complete.py')}" ./c.zsh ${lines.map((l) => `'${l}'`).join(' ')}`,
      { timeoutMs: 110_000 },
    );
    if (r.code !== 0) throw new Error(r.stderr);
    expect(JSON.parse(r.stdout)).toEqual([
      'fs-interposer mount ',
      'fs-interposer mount --log-level debug ',
      'fs-interposer mount --layers trace,quota=10GB',
      'fs-interposer mount -o ro,entry_timeout=',
      'fs-interposer mount memory: ',
      'fs-interposer ctl /tmp set-layers ',
      'fs-interposer ctl /tmp powerloss tear ',
      'fs-interposer umount --lazy ',
      'fs-interposer completion zsh ',
    ]);
  });
});

describe('fs-interposer completion', () => {
  it('refuses an unknown shell, exit 2', async () => {
    const r = await sh(`node "${CLI}" completion fish`);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('completion needs one shell; accepted: bash, zsh');
  });
});
