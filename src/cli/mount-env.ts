import { MOUNT_OPTIONS } from './command-table.js';

type Env = Readonly<Record<string, string | undefined>>;

/** A value and where it came from, so that an error names the flag or the variable. */
export interface Sourced {
  value: string;
  from: string;
}

/** The layer stack comes from one place: a flag for either replaces both variables. */
const STACK = ['layers', 'config'];
/** Resolved with their own precedence in src/log/log-options.ts. */
const OWN_RESOLUTION = new Set(['log-level', 'log-format']);

const flagName = (name: string): string => (name.length === 1 ? `-${name}` : `--${name}`);

/**
 * The mount options from the command line, completed from the environment
 * (FS_INTERPOSER_<OPTION>, command-table.ts): a flag wins over its variable; the variables of
 * -o (FS_INTERPOSER_OPTIONS) come before the flags, so a flag overrides them one by one.
 */
export function mountOptionsFromEnv(
  values: Readonly<Record<string, unknown>>,
  env: Env,
): Map<string, Sourced[]> {
  const out = new Map<string, Sourced[]>();
  const stackFlag = STACK.some((n) => values[n] !== undefined);
  for (const o of MOUNT_OPTIONS) {
    const flag = values[o.name];
    const flags = (Array.isArray(flag) ? flag : flag === undefined ? [] : [flag]).map((v) => ({
      value: String(v),
      from: flagName(o.name),
    }));
    const raw = o.env === undefined || OWN_RESOLUTION.has(o.name) ? undefined : env[o.env];
    const fromEnv =
      raw === undefined || raw === '' || (STACK.includes(o.name) && stackFlag)
        ? []
        : [{ value: raw, from: o.env! }];
    const chosen =
      o.multiple === true ? [...fromEnv, ...flags] : flags.length > 0 ? flags : fromEnv;
    if (chosen.length > 0) out.set(o.name, chosen);
  }
  return out;
}
