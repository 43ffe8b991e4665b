#!/usr/bin/env node
// The CLI's main: only composes; each subcommand is loaded when it is asked for (dispatch.ts).
import { failureExit, runCli } from './dispatch.js';
import { exitProcess } from './exit.js';

runCli(process.argv.slice(2)).then(
  (code) => exitProcess(code),
  (err: unknown) => exitProcess(failureExit(err)),
);
