/** The FUSE options `mount -o` takes (parsed in mount-args.ts), as the help shows them. */
export const FUSE_OPTIONS = [
  'ro',
  'rw',
  'allow_other',
  'default_permissions',
  'writeback_cache',
  'passthrough',
  'entry_timeout=SECONDS',
  'attr_timeout=SECONDS',
  'exclusive',
  'readers=N',
  'no_reader_io',
  'meta_io=auto|inline|pool',
] as const;

/** What a shell completes after `-o`: each option, with `key=` or every enumerated value. */
export const FUSE_OPTION_NAMES: readonly string[] = FUSE_OPTIONS.flatMap((o) => {
  const [key, value] = o.split('=') as [string, string | undefined];
  if (value === undefined) return [key];
  return value.includes('|') ? value.split('|').map((v) => `${key}=${v}`) : [`${key}=`];
});
