/**
 * A problem with how the command was called (exit status 2): printed as its message, with the
 * fix in it, never as a stack trace. Anything else that escapes a command is a runtime failure.
 */
export class UsageError extends Error {
  readonly code = 'EUSAGE';
  constructor(
    message: string,
    /** The command whose help the user should read, for the hint line. */
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
