import { isIP } from 'node:net';
import { basename } from 'node:path';

/**
 * Labels a local mount shows the world. Metrics, spans and record headers carry a `volume`
 * label; a host path there would publish the machine's directory layout to every scraper (and
 * change with every temporary directory). The label is a stable name instead: `--volume-name`,
 * or the mount point's last component, made label-safe.
 */
export const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
export const VOLUME_NAME_RULE =
  "1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit";

/** The metrics endpoint answers this host only unless told otherwise (--metrics-host). */
export const DEFAULT_METRICS_HOST = '127.0.0.1';

/** `/srv/data` -> `data`; characters a label cannot hold become `_`; `/` -> `root`. */
export function defaultVolumeName(mountpoint: string): string {
  const name = basename(mountpoint)
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^[._-]+/, '')
    .slice(0, 63);
  return name === '' ? 'root' : name;
}

const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function isHost(host: string): boolean {
  return isIP(host) !== 0 || HOST_NAME.test(host);
}
