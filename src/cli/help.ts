import { readFileSync } from 'node:fs';
import { FUSE_OPTIONS } from './mount-args.js';

function packageVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'fs-interposer' && pkg.version) return pkg.version;
    } catch {
      // try the next layout (source tree or dist/)
    }
  }
  return 'unknown';
}

export const VERSION = `fs-interposer ${packageVersion()} (node ${process.version})`;

export const HELP = `Usage: fs-interposer <command> [options]

Commands:
  mount [options] SOURCE MOUNTPOINT   serve SOURCE at MOUNTPOINT through a stack of layers
                                      (foreground; Ctrl-C or SIGTERM unmounts)
  ctl MOUNTPOINT COMMAND              control a running mount: status | set-layers SPEC |
                                      set-config FILE | kill | powerloss drop|tear|report
  layers [--json]                     the layers and their parameters
  report RUN.jsonl -o REPORT.html     an HTML analysis of a run recorded with --record
  webhook | csi | sidecar              the in-cluster roles (configured from the environment,
                                      see docs/install.md)
  help, --help                        this text
  version, --version                  the version

mount options:
  -l, --layers SPEC       layers, outermost first, e.g. 'trace,throttle=5MB,latency=10ms,fault=EIO@1%'
  -c, --config FILE       layer configuration file (YAML or JSON, apiVersion fs-interposer/v1)
  -o OPT[,OPT...]         FUSE options: ${FUSE_OPTIONS.join(', ')}
      --metrics-port N    serve Prometheus metrics on http://0.0.0.0:N/metrics
      --metrics-socket P  serve Prometheus metrics on the unix socket P
      --record FILE       record every operation to FILE (JSON lines)
      --log-level LEVEL   trace, debug, info (default), warn, error, fatal, silent
                          (else FS_INTERPOSER_LOG_LEVEL)
      --log-format FORMAT auto (default: text on a terminal, JSON lines otherwise), json, text
                          (else FS_INTERPOSER_LOG_FORMAT)

SOURCE is a directory, or memory: (an in-memory filesystem) or null: (writes vanish, reads
return zeros). As root the mount uses mount(2) with allow_other; as a normal user it goes
through fusermount3. The kernel always checks permissions (default_permissions).
`;
