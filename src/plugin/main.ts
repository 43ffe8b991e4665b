#!/usr/bin/env node
/**
 * `kubectl fs-interposer VERB [ARG] POD [-n NS] [--volume V]`: drives the control socket of an
 * injected Pod's sidecar through the API server's exec (the same `fs-interposer ctl` a local
 * mount answers). Installed as the `kubectl-fs_interposer` binary, which kubectl finds on PATH.
 */
import { parseArgs } from 'node:util';
import { runPlugin } from './run.js';

const USAGE = `usage: kubectl fs-interposer VERB [ARG] POD [-n NAMESPACE] [--volume VOLUME] [--container NAME] [-o FILE]
verbs:
  status                      the volume's layers, in-flight requests, unsynced files, engine counters
  set-layers SPEC             replace the layer stack now (compact grammar, "" for none)
  bypass                      drop every layer (plain passthrough) until the next set-layers or annotation change
  powerloss drop|tear|report  act on the powerloss layer's un-fsynced data
  record                      fetch the record layer's file (to stdout, or -o FILE); turn it into a
                              report with: fs-interposer report FILE
exit codes: 0 ok, 1 the action failed, 2 usage`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        namespace: { type: 'string', short: 'n' },
        volume: { type: 'string' },
        container: { type: 'string' },
        output: { type: 'string', short: 'o' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    process.stderr.write(`kubectl fs-interposer: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  return runPlugin(parsed.positionals, parsed.values, USAGE);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`kubectl fs-interposer: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(1);
  },
);
