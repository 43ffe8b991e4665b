/** What the plugin runs in the sidecar for each verb (a `fs-interposer ctl` command line). */
export const VERBS = [
  'status',
  'set-layers SPEC',
  'bypass',
  'powerloss drop|tear|report',
  'record',
] as const;

export type Plan = { ctl: string[] } | { record: true } | { error: string };

export function planVerb(verb: string | undefined, arg: string | undefined): Plan {
  switch (verb) {
    case 'status':
      return { ctl: ['status'] };
    case 'bypass':
      return { ctl: ['kill'] };
    case 'set-layers':
      return arg === undefined
        ? { error: 'set-layers needs a SPEC (use "" for no layers)' }
        : { ctl: ['set-layers', arg] };
    case 'powerloss':
      return arg === 'drop' || arg === 'tear' || arg === 'report'
        ? { ctl: ['powerloss', arg] }
        : { error: 'powerloss needs one of: drop, tear, report' };
    case 'record':
      return { record: true };
    default:
      return { error: `unknown verb ${JSON.stringify(verb ?? '')}; accepted: ${VERBS.join(', ')}` };
  }
}
