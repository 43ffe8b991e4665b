import type { Logger } from '../log/logger.js';
import { sysExitNow } from '../sys/mount-calls.js';

/** EX_SOFTWARE: the process ended on an internal error. */
export const FATAL_EXIT_CODE = 70;

export interface FatalGuardOptions {
  logger: Logger;
  /**
   * Synchronous steps that end what the process serves, in order (abort the FUSE connection,
   * detach the mount, remove the control socket). Each may fail; the next one still runs.
   */
  teardown: readonly (() => void)[];
  /** Ends the process without joining threads (default _exit(2)). */
  exitNow?: (code: number) => never;
}

export interface FatalGuard {
  /** End the process on `err`: log it, tear down, exit. Never returns. */
  fatal(err: unknown, origin: string): never;
  uninstall(): void;
}

/**
 * An uncaught exception or unhandled rejection on the main thread of a serving process. Node's
 * own handling prints the error and calls exit(), which joins every worker thread first; our
 * reader threads sit in read(2) on /dev/fuse and never join, so the process used to stay alive,
 * keep the queue, and hang every caller of the mount for ever. A process in an unknown state
 * does not serve on: the mount is torn down so that callers get ENOTCONN (or, once detached,
 * the directory underneath), and the process ends without joining its threads.
 */
export function installFatalGuard(o: FatalGuardOptions): FatalGuard {
  const exitNow = o.exitNow ?? sysExitNow;
  let fired = false;
  const fatal = (err: unknown, origin: string): never => {
    if (!fired) {
      fired = true;
      try {
        o.logger.fatal(
          { err, origin },
          'fatal error on the main thread: ending the process so that no caller hangs',
        );
      } catch {
        // the log itself failed: the teardown matters more
      }
      for (const step of o.teardown) {
        try {
          step();
        } catch (stepErr) {
          o.logger.warn({ err: stepErr }, 'a teardown step failed');
        }
      }
    }
    return exitNow(FATAL_EXIT_CODE);
  };
  const onException = (err: unknown, origin: string): void => void fatal(err, origin);
  const onRejection = (reason: unknown): void => void fatal(reason, 'unhandledRejection');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return {
    fatal,
    uninstall() {
      process.off('uncaughtException', onException);
      process.off('unhandledRejection', onRejection);
    },
  };
}
