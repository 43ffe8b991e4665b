#!/usr/bin/env node
import { exitProcess } from './exit.js';
import { createLogger } from '../log/logger.js';
import { HELP, VERSION } from './help.js';

/**
 * Entry point: only composes. Each subcommand is loaded when it is asked for, so a local mount
 * does not carry the webhook, CSI and sidecar code (tens of MiB of resident memory).
 */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(HELP);
      return command === undefined ? 2 : 0;
    case '-V':
    case '--version':
    case 'version':
      process.stdout.write(`${VERSION}\n`);
      return 0;
    case 'mount':
      return (await import('./run-mount.js')).runMountCommand(rest, { createLogger });
    case 'ctl':
      return (await import('./ctl-command.js')).runCtlCommand(rest);
    case 'layers':
      return (await import('./layers-command.js')).runLayersCommand(rest);
    case 'report':
      return (await import('./report-command.js')).runReportCommand(rest);
    case 'webhook':
    case 'csi':
    case 'sidecar':
      return (await import('./roles.js')).runRole(command);
    default:
      process.stderr.write(`fs-interposer: unknown command ${JSON.stringify(command)}\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => exitProcess(code),
  (err: unknown) => {
    process.stderr.write(`fs-interposer: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
