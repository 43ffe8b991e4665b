import { META_IO } from '../sys/fs-type.js';
import type { MetaIo } from '../sys/fs-type.js';
import { resolveLogFormat, resolveLogLevel } from '../log/log-options.js';
import { findCommand } from './command-table.js';
import { FUSE_OPTIONS } from './fuse-options.js';
import { mountOptionsFromEnv } from './mount-env.js';
import type { Sourced } from './mount-env.js';
import { parseCommand } from './parse-command.js';
import { canonicalMountpoint } from '../fuse/index.js';
import { DEFAULT_METRICS_HOST, VOLUME_NAME, VOLUME_NAME_RULE, defaultVolumeName, isHost } from './volume-name.js';
// One day under `-o exclusive`, as an exclusive volume in a Pod (src/contract/cache-policy.ts).
import { EXCLUSIVE_TIMEOUT_S } from '../contract/cache-policy.js';

export interface MountArgs {
  source: string;
  /** Canonical (canonicalMountpoint): compared as it is with mountinfo. */
  mountpoint: string;
  layers: string;
  configFile?: string;
  readOnly: boolean;
  allowOther?: boolean;
  writebackCache: boolean;
  passthrough: boolean;
  entryTimeout: number;
  attrTimeout: number;
  /**
   * `-o exclusive`: nothing but this mount writes the source (what passthrough_hp assumes by
   * default), so the kernel may keep file pages across opens and cache names and attributes
   * for a day (timeouts given explicitly still win).
   */
  exclusive: boolean;
  readers: number;
  /** READ/WRITE served in the reader threads while no layer is active (default on). */
  readerIo: boolean;
  /** Metadata system calls inline on the main thread, on the threadpool, or by filesystem type. */
  metaIo: MetaIo;
  metricsPort?: number;
  /** Where --metrics-port listens (default 127.0.0.1: this host only). */
  metricsHost: string;
  metricsSocket?: string;
  /** The `volume` label of metrics, spans and records: never a host path (volume-name.ts). */
  volumeName: string;
  record?: string;
  /** Absent: FS_INTERPOSER_LOG_LEVEL, else info (see src/log/log-options.ts). */
  logLevel?: string;
  /** Absent: FS_INTERPOSER_LOG_FORMAT, else auto. */
  logFormat?: string;
}



const MOUNT = findCommand('mount')!;

/** The flags as parsed (command-table.ts MOUNT_OPTIONS). */
interface MountValues {
  layers?: string;
  config?: string;
  o?: string[];
  'metrics-port'?: string;
  'metrics-host'?: string;
  'metrics-socket'?: string;
  'volume-name'?: string;
  record?: string;
  'log-level'?: string;
  'log-format'?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

type Result = { ok: true; value: MountArgs } | { ok: false; errors: string[] };

function applyOption(a: MountArgs, opt: string, errors: string[], from = '-o'): void {
  const [key, value] = opt.split('=', 2) as [string, string | undefined];
  const num = (min: number, max: number): number => {
    const n = Number(value);
    if (value === undefined || !Number.isFinite(n) || n < min || n > max) {
      errors.push(`${from} ${key}: expected a number from ${min} to ${max}, got ${JSON.stringify(value ?? '')}`);
    }
    return n;
  };
  switch (key) {
    case 'ro': a.readOnly = true; break;
    case 'rw': a.readOnly = false; break;
    case 'allow_other': a.allowOther = true; break;
    case 'default_permissions': break; // always on: the kernel checks permissions
    case 'writeback_cache': a.writebackCache = true; break;
    case 'passthrough': a.passthrough = true; break;
    case 'entry_timeout': a.entryTimeout = num(0, 86400); break;
    case 'attr_timeout': a.attrTimeout = num(0, 86400); break;
    case 'readers': a.readers = num(1, 16); break;
    case 'no_reader_io': a.readerIo = false; break;
    case 'exclusive': a.exclusive = true; break;
    case 'meta_io':
      if (META_IO.includes(value as MetaIo)) a.metaIo = value as MetaIo;
      else errors.push(`${from} meta_io: expected one of ${META_IO.join(', ')}, got ${JSON.stringify(value ?? '')}`);
      break;
    default:
      errors.push(`${from} ${opt}: unknown option; accepted: ${FUSE_OPTIONS.join(', ')}`);
  }
}

/** Flag, else environment, else default; a bad value in either is an error naming the accepted. */
function logOptions(a: MountArgs, flags: { level?: string; format?: string }, env: Env, errors: string[]): void {
  const attempt = (apply: () => void): void => {
    try {
      apply();
    } catch (err) {
      errors.push((err as Error).message);
    }
  };
  attempt(() => (a.logLevel = resolveLogLevel(flags.level, env)));
  attempt(() => (a.logFormat = resolveLogFormat(flags.format, env)));
}

/** --metrics-host and --volume-name (or their variables), checked; the volume defaults to the mount point's name. */
function labelOptions(a: MountArgs, host: Sourced | undefined, name: Sourced | undefined, errors: string[]): void {
  if (host !== undefined && !isHost(host.value))
    errors.push(`${host.from}: expected an IP address or a host name (127.0.0.1, ::1, 0.0.0.0 for every interface), got ${JSON.stringify(host.value)}`);
  a.metricsHost = host?.value ?? DEFAULT_METRICS_HOST;
  if (name !== undefined && !VOLUME_NAME.test(name.value))
    errors.push(`${name.from}: expected ${VOLUME_NAME_RULE}, got ${JSON.stringify(name.value)}`);
  a.volumeName = name?.value ?? defaultVolumeName(a.mountpoint);
}

/** Parse `mount` arguments; every problem is reported at once. */
export function parseMountArgs(argv: string[], env: Env = process.env): Result {
  const errors: string[] = [];
  let parsed;
  try {
    parsed = parseCommand(MOUNT, argv);
  } catch (err) {
    return { ok: false, errors: [(err as Error).message] };
  }
  const { positionals } = parsed;
  const v = parsed.values as MountValues;
  const opts = mountOptionsFromEnv(parsed.values, env);
  const one = (name: string): Sourced | undefined => opts.get(name)?.[0];
  if (positionals.length !== 2) errors.push(`expected SOURCE and MOUNTPOINT, got ${positionals.length} argument(s)`);
  const a: MountArgs = {
    source: positionals[0] ?? '',
    mountpoint: positionals[1] === undefined ? '' : canonicalMountpoint(positionals[1]),
    layers: one('layers')?.value ?? '',
    readOnly: false,
    writebackCache: false,
    passthrough: false,
    entryTimeout: NaN,
    attrTimeout: NaN,
    exclusive: false,
    readers: 2,
    readerIo: true,
    metaIo: 'auto',
    metricsHost: DEFAULT_METRICS_HOST,
    volumeName: '',
  };
  labelOptions(a, one('metrics-host'), one('volume-name'), errors);
  logOptions(a, { level: v['log-level'], format: v['log-format'] }, env, errors);
  if (one('config')) a.configFile = one('config')!.value;
  if (one('record')) a.record = one('record')!.value;
  if (one('metrics-socket')) a.metricsSocket = one('metrics-socket')!.value;
  const port = one('metrics-port');
  if (port !== undefined) {
    a.metricsPort = Number(port.value);
    if (!Number.isInteger(a.metricsPort) || a.metricsPort < 0 || a.metricsPort > 65535) {
      errors.push(`${port.from}: expected a port 0..65535, got ${JSON.stringify(port.value)}`);
    }
  }
  for (const group of opts.get('o') ?? []) {
    for (const opt of group.value.split(',').filter(Boolean)) applyOption(a, opt, errors, group.from);
  }
  if (a.passthrough && a.writebackCache) errors.push('-o passthrough and -o writeback_cache exclude each other');
  // Unset timeouts: 1 s by default, a day when the source is exclusively ours.
  const timeout = a.exclusive ? EXCLUSIVE_TIMEOUT_S : 1;
  if (Number.isNaN(a.entryTimeout)) a.entryTimeout = timeout;
  if (Number.isNaN(a.attrTimeout)) a.attrTimeout = timeout;
  return errors.length ? { ok: false, errors } : { ok: true, value: a };
}
