#!/usr/bin/env node
import { createLogger } from '../log/logger.js';
import { runCtlCommand } from './ctl-command.js';
import { runLayersCommand } from './layers-command.js';
import { runReportCommand } from './report-command.js';
import { runRole } from './roles.js';
import { runMountCommand } from './run-mount.js';
import { HELP, VERSION } from './help.js';

/** Entry point: only composes. Each subcommand returns its exit code. */
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
      return runMountCommand(rest, { createLogger });
    case 'ctl':
      return runCtlCommand(rest);
    case 'layers':
      return runLayersCommand(rest);
    case 'report':
      return runReportCommand(rest);
    case 'webhook':
    case 'csi':
    case 'sidecar':
      return runRole(command);
    default:
      process.stderr.write(`fs-interposer: unknown command ${JSON.stringify(command)}\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`fs-interposer: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
