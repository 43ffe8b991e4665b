/**
 * How a CLI process ends. Normally `process.exit`, which joins every worker thread first. A
 * reader thread parked in read(2) on a FUSE connection that we only closed (an inherited
 * `/dev/fd/N` connection: the parent, not us, can unmount it) is never woken, so that join would
 * hang for ever: such a process ends with _exit(2) once everything else has been flushed and
 * closed, and the kernel drops the connection with the process.
 */
let parkedThreads = false;

export function markParkedThreads(): void {
  parkedThreads = true;
}

export async function exitProcess(code: number): Promise<never> {
  if (parkedThreads) {
    const { sysExitNow } = await import('../sys/mount-calls.js');
    sysExitNow(code);
  }
  process.exit(code);
}
