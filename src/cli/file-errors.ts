/**
 * A file system error as a person reads it: what is wrong with the file and what to do, instead
 * of Node's bare code ("ENOENT") or its syscall-shaped message.
 */
const FIXES: Readonly<Record<string, string>> = {
  ENOENT: 'no such file: check the path (a relative path starts at the current directory)',
  EACCES: 'permission denied: make it readable by this user, or run as a user who can read it',
  EPERM: 'operation not permitted for this user',
  EISDIR: 'is a directory: give the path of a file',
  ENOTDIR: 'a component of the path is not a directory',
  ELOOP: 'too many symbolic links in the path',
  EMFILE: 'too many open files: raise the limit (ulimit -n)',
};

/** The problem and its fix, without the path (the caller names the file). */
export function fileProblem(err: NodeJS.ErrnoException): string {
  const fix = err.code === undefined ? undefined : FIXES[err.code];
  return fix === undefined ? err.message : `${fix} (${err.code})`;
}

/** `PATH: problem and fix`, for errors that carry their path. */
export function describeFileError(err: NodeJS.ErrnoException): string {
  const fix = err.code === undefined ? undefined : FIXES[err.code];
  if (fix === undefined) return err.message;
  return `${err.path === undefined ? '' : `${err.path}: `}${fileProblem(err)}`;
}
