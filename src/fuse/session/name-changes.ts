/**
 * Renames and rmdirs through the mount, counted so that a LOOKUP can tell whether its parent's
 * path may have moved while it ran. The server computes a LOOKUP's backend path from the node
 * table when the request arrives, then awaits the stack and the backend; a RENAME of that
 * directory or of an ancestor served meanwhile (the kernel locks only the parents of a rename,
 * so lookups deeper down run beside it) makes the backend answer ENOENT because the old parent
 * path is gone, not because the name is missing. Such an ENOENT must not become a negative
 * entry the kernel keeps for a day (negative-entry.ts): the name would read as missing while
 * `readdir` lists it.
 */
export interface NameChanges {
  /** A rename or rmdir begins; `end` when it has finished, failed or not. */
  begin(): { end(): void };
  /** A mark to compare with later: undefined while a change is in flight. */
  mark(): number | undefined;
  /** No change began or ended since `mark` was taken (and none is in flight). */
  unchangedSince(mark: number | undefined): boolean;
}

/**
 * `ints`: two Int32 cells (a generation, the changes in flight) that the reader threads read too
 * (miss-ring.ts), so that a miss they answer follows the same rule; a private pair by default.
 */
export function createNameChanges(
  ints: Int32Array<ArrayBufferLike> = new Int32Array(2),
): NameChanges {
  const GEN = 0;
  const IN_FLIGHT = 1;
  return {
    begin() {
      // In flight first: a reader that saw none in flight and this generation then sees the
      // generation move (miss-ring.ts namesUnchanged).
      Atomics.add(ints, IN_FLIGHT, 1);
      Atomics.add(ints, GEN, 1);
      let ended = false;
      return {
        end() {
          if (ended) return;
          ended = true;
          Atomics.add(ints, GEN, 1);
          Atomics.sub(ints, IN_FLIGHT, 1);
        },
      };
    },
    mark: () => (Atomics.load(ints, IN_FLIGHT) === 0 ? Atomics.load(ints, GEN) : undefined),
    unchangedSince: (mark) =>
      mark !== undefined && Atomics.load(ints, IN_FLIGHT) === 0 && Atomics.load(ints, GEN) === mark,
  };
}
