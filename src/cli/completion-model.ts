import type { CommandSpec, Completion } from './command-table.js';
import { COMMANDS } from './command-table.js';

/** The command table as the completion scripts need it: every value's completion resolved. */
export type Kind =
  | { type: 'file' }
  | { type: 'dir' }
  | { type: 'none' }
  | { type: 'words'; words: readonly string[]; dirs: boolean }
  | { type: 'list'; words: readonly string[] };

export interface FlagModel {
  /** `-l`, `--layers`. */
  names: string[];
  description: string;
  /** Absent: a flag without a value. */
  value?: Kind;
  multiple: boolean;
}

export interface VerbModel {
  names: string[];
  summary: string;
  arg?: Kind;
}

export interface CommandModel {
  names: string[];
  summary: string;
  flags: FlagModel[];
  args: Kind[];
  verbs: VerbModel[];
}

function kind(c: Completion | undefined, spec: readonly string[]): Kind {
  if (c === undefined) return { type: 'none' };
  if (c === 'file' || c === 'dir') return { type: c };
  if (c === 'spec') return { type: 'list', words: spec };
  if ('list' in c) return { type: 'list', words: c.list };
  const words = c.filter((w) => w !== '@dir');
  return { type: 'words', words, dirs: words.length !== c.length };
}

/** `SPEC`, `FILE`, `a|b|c` in a verb's usage. */
function verbArg(args: string | undefined, spec: readonly string[]): Kind | undefined {
  if (args === undefined) return undefined;
  if (args === 'SPEC') return kind('spec', spec);
  if (args === 'FILE') return kind('file', spec);
  return kind(args.split('|'), spec);
}

function command(c: CommandSpec, spec: readonly string[]): CommandModel {
  const flags: FlagModel[] = c.options.map((o) => ({
    names: [
      ...(o.short !== undefined && o.short !== o.name ? [`-${o.short}`] : []),
      o.name.length === 1 ? `-${o.name}` : `--${o.name}`,
    ],
    description: o.description,
    ...(o.value !== undefined && { value: kind(o.complete, spec) }),
    multiple: o.multiple === true,
  }));
  flags.push({ names: ['-h', '--help'], description: 'this text', multiple: false });
  return {
    names: [c.name, ...(c.aliases ?? [])],
    summary: c.summary,
    flags,
    args: (c.args ?? []).map((a) => kind(a, spec)),
    verbs: (c.verbs ?? []).map((v) => {
      const arg = verbArg(v.args, spec);
      return { names: [v.name, ...(v.aliases ?? [])], summary: v.summary, ...(arg && { arg }) };
    }),
  };
}

/**
 * Every command, for the completion scripts. `spec` is what a layer spec completes to: the
 * compact forms of the configuration schema (`trace`, `throttle=5MB`, `record=` ...).
 */
export function completionModel(spec: readonly string[]): CommandModel[] {
  return COMMANDS.map((c) => command(c, spec));
}
